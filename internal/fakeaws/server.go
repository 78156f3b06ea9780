package fakeaws

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// Server is the fake. Create it with New, then Start it on a loopback
// address; every protocol, the admin API, the container credentials endpoint
// and the ECS Exec agent share the one listener.
type Server struct {
	mu    sync.Mutex
	state *Scenario
	calls map[string]int
	// callers counts requests per caller and operation (CallsBy).
	callers callerLog
	// issued: secrets handed out (IssuedSecrets).
	issued []string
	rng    *rand.Rand

	// sessions maps temporary access keys (AssumeRole, task role
	// credentials) to their principal.
	sessions map[string]*principal
	// credAuth maps the path token of a task's container credentials
	// endpoint to the task and its credentials.
	credAuth   map[string]*taskCreds
	kms        *kmsStore
	procs      map[*Task]*shellProc
	agent      execAgent
	sessionsOf map[string]*Task // exec session ID → task, for TerminateSession

	log       logr.Logger
	tmpDir    string
	ownTmpDir bool
	now       func() time.Time

	ln   net.Listener
	http *http.Server
	url  string
}

// Option configures a Server.
type Option func(*Server)

// WithLogger logs requests and task events.
func WithLogger(l logr.Logger) Option { return func(s *Server) { s.log = l } }

// WithTempDir puts shell-mode task directories under dir (default: a new
// temporary directory removed on Close).
func WithTempDir(dir string) Option { return func(s *Server) { s.tmpDir = dir } }

// New builds a server for a copy of scenario (nil: an empty world with one
// account). The scenario passed in is not modified.
func New(scenario *Scenario, opts ...Option) (*Server, error) {
	var st *Scenario
	if scenario == nil {
		st = &Scenario{}
	} else {
		st = scenario.clone()
	}
	if err := st.normalize(); err != nil {
		return nil, err
	}
	seed := st.Seed
	if seed == 0 {
		seed = 1
	}
	s := &Server{
		state:      st,
		calls:      map[string]int{},
		callers:    callerLog{},
		rng:        rand.New(rand.NewSource(seed)),
		sessions:   map[string]*principal{},
		credAuth:   map[string]*taskCreds{},
		kms:        newKMSStore(),
		procs:      map[*Task]*shellProc{},
		sessionsOf: map[string]*Task{},
		log:        logr.Discard(),
		now:        time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	if s.tmpDir == "" {
		d, err := os.MkdirTemp("", "fakeaws-")
		if err != nil {
			return nil, err
		}
		s.tmpDir, s.ownTmpDir = d, true
	}
	s.agent = newExecAgent(s)
	return s, nil
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background.
// Only loopback addresses are accepted: the fake hands out credentials and
// runs shell commands.
func (s *Server) Start(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("fakeaws listens on loopback only, not %q", host)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error(err, "serve")
		}
	}()
	return nil
}

// URL is the endpoint to give clients, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// Close stops serving, kills shell-mode processes and removes the temporary
// directory the server created.
func (s *Server) Close() {
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		s.http.Shutdown(ctx) //nolint:errcheck // best effort; Close follows
		cancel()
		s.http.Close()
	}
	s.mu.Lock()
	procs := s.procs
	s.procs = map[*Task]*shellProc{}
	s.mu.Unlock()
	for _, p := range procs {
		p.kill()
	}
	if s.ownTmpDir {
		os.RemoveAll(s.tmpDir)
	}
}

// ServeHTTP routes the side channels by path and everything else by protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/_admin/"):
		s.serveAdmin(w, r)
	case strings.HasPrefix(r.URL.Path, agentPathPrefix):
		s.agent.ServeHTTP(w, r)
	case strings.HasPrefix(r.URL.Path, credsPathPrefix):
		s.serveContainerCredentials(w, r)
	default:
		s.serveAWS(w, r)
	}
}
