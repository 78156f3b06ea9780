// Package motoenv runs moto_server on loopback for tests and builds AWS
// resources in it with the real SDK, so that diagnosis is tested against
// VPCs and roles made by an emulator written by others.
package motoenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// ErrNotInstalled is returned by Start when moto_server is not on PATH.
var ErrNotInstalled = errors.New("moto_server is not on PATH (pip install 'moto[server]')")

// Account is the account moto answers for.
const Account = "123456789012"

// Server is a running moto_server.
type Server struct {
	URL  string
	cmd  *exec.Cmd
	logs *bytes.Buffer
	done chan struct{}
}

// Start runs moto_server on a free 127.0.0.1 port and waits until it
// answers. AWS managed policies are loaded (AmazonECSTaskExecutionRolePolicy
// must be attachable as in a real account).
func Start() (*Server, error) {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), logs: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	s.cmd.Stdout, s.cmd.Stderr = &lockedWriter{w: s.logs}, &lockedWriter{w: s.logs}
	setProcAttr(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := s.waitReady(60 * time.Second); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("moto_server exited: %s", s.logs.String())
		default:
		}
		resp, err := http.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("moto_server did not answer within %s", limit)
}

// Close stops the server.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
}

// Config is an AWS configuration pointed at the server, with static
// credentials and two attempts per call (moto is local; a retry storm would
// only slow the tests down).
func (s *Server) Config(region string) aws.Config {
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDMOTO", "secret", ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 2,
	}
}

// Clients are awsclient.Clients pointed at the server.
func (s *Server) Clients(region string) *awsclient.Clients {
	cfg := s.Config(region)
	return &awsclient.Clients{
		Region: region,
		ECS:    ecs.NewFromConfig(cfg),
		EC2:    ec2.NewFromConfig(cfg),
		IAM:    iam.NewFromConfig(cfg),
		STS:    sts.NewFromConfig(cfg),
		KMS:    kms.NewFromConfig(cfg),
	}
}

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
)

// TB is the part of testing.TB Shared uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Shared is the one server of this test binary, started on first use. It
// skips the test when moto_server is not installed (CI installs it) and
// fails it when moto_server is there but does not start. Call StopShared
// from TestMain.
func Shared(t TB) *Server {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	switch {
	case errors.Is(sharedErr, ErrNotInstalled):
		t.Skipf("skipping: %v", sharedErr)
	case sharedErr != nil:
		t.Fatalf("moto: %v", sharedErr)
	}
	return shared
}

// StopShared stops the shared server if it was started.
func StopShared() {
	if shared != nil {
		shared.Close()
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 {
		return len(p), nil // keep the first MiB of logs, enough to see why it died
	}
	return l.w.Write(p)
}
