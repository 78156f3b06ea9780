package fakeagent

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/gorilla/websocket"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// pathPrefix mirrors the ssmmessages data-channel URL.
const pathPrefix = "/v1/data-channel/"

// openTimeout bounds the wait for the client's OpenDataChannelInput.
const openTimeout = 10 * time.Second

// Agent serves registered sessions. It is an http.Handler for the websocket endpoint.
type Agent struct {
	// Log receives the fake's own diagnostics; it never carries tokens.
	Log logr.Logger

	decrypt  KMSDecrypter
	upgrader websocket.Upgrader

	mu       sync.Mutex
	sessions map[string]*registration
	order    []string
}

type registration struct {
	cfg   SessionConfig
	mu    sync.Mutex
	stats SessionStats
}

func (r *registration) update(f func(*SessionStats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// New returns an agent; decrypt may be nil when no KMS sessions are used.
func New(decrypt KMSDecrypter) *Agent {
	return &Agent{decrypt: decrypt, sessions: map[string]*registration{}}
}

// Register makes a session available and returns the URL path (and query) to append
// to "ws://host:port". Registering a session ID again replaces its configuration.
func (a *Agent) Register(cfg SessionConfig) (path string) {
	if cfg.SessionID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.SessionID = "ecs-execute-command-" + hex.EncodeToString(b[:])
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.sessions[cfg.SessionID]; !ok {
		a.order = append(a.order, cfg.SessionID)
	}
	a.sessions[cfg.SessionID] = &registration{cfg: cfg, stats: SessionStats{SessionID: cfg.SessionID}}
	return pathPrefix + url.PathEscape(cfg.SessionID) + "?role=publish_subscribe&cell-number=AAEAAQ"
}

// Sessions returns a snapshot of every registered session's counters, in
// registration order.
func (a *Agent) Sessions() []SessionStats {
	a.mu.Lock()
	regs := make([]*registration, 0, len(a.order))
	for _, id := range a.order {
		regs = append(regs, a.sessions[id])
	}
	a.mu.Unlock()
	out := make([]SessionStats, 0, len(regs))
	for _, r := range regs {
		r.mu.Lock()
		out = append(out, r.stats)
		r.mu.Unlock()
	}
	return out
}

// ServeHTTP upgrades a data-channel request, checks the token in the client's
// OpenDataChannelInput and runs the session.
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, err := url.PathUnescape(strings.TrimPrefix(r.URL.Path, pathPrefix))
	if err != nil || !strings.HasPrefix(r.URL.Path, pathPrefix) {
		http.NotFound(w, r)
		return
	}
	a.mu.Lock()
	reg := a.sessions[id]
	a.mu.Unlock()
	if reg == nil {
		http.NotFound(w, r)
		return
	}
	ws, err := a.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	defer ws.Close()
	reg.update(func(s *SessionStats) { s.Connections++ })
	log := a.Log.WithValues("sessionID", id)

	if !a.checkOpen(ws, reg) {
		reg.update(func(s *SessionStats) { s.TokenRejected++ })
		log.Info("rejected data channel: bad OpenDataChannelInput or token")
		msg := websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "invalid token")
		_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		return
	}
	newConn(a, reg, ws, log).serve()
}

// checkOpen reads the first frame, which must be a text OpenDataChannelInput with the
// session's token.
func (a *Agent) checkOpen(ws *websocket.Conn, reg *registration) bool {
	_ = ws.SetReadDeadline(time.Now().Add(openTimeout))
	defer func() { _ = ws.SetReadDeadline(time.Time{}) }()
	mt, data, err := ws.ReadMessage()
	if err != nil || mt != websocket.TextMessage {
		return false
	}
	var in ecsexec.OpenDataChannelInput
	if err := json.Unmarshal(data, &in); err != nil {
		return false
	}
	if in.MessageSchemaVersion != "1.0" || in.RequestID == "" || in.ClientID == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(in.TokenValue), []byte(reg.cfg.TokenValue)) == 1
}
