package ecsexec_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/ecsexec/fakeagent"
)

// The token authenticates the data channel; it must not reach any log line, even at
// the highest verbosity and through the resend and encryption paths.
func TestTokenNeverLogged(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var logs strings.Builder
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		logs.WriteString(prefix + " " + args + "\n")
	}, funcr.Options{Verbosity: 10})
	h.agent.Log = log

	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "x"), Executor: markerOutput("ok\n", 0), Mode: fakeagent.ModeHandshakeKMS, Faults: fakeagent.Faults{DropAcks: 3}})
	c := ecsexec.Client{KMS: h.kms, Log: log}
	if _, err := c.Run(context.Background(), s, nonce); err != nil {
		t.Fatal(err)
	}
	log.Info("session", "session", s) // a caller logging the Session by accident

	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), s.SessionID) || !strings.Contains(logs.String(), "resending") {
		t.Fatalf("expected session logs with resends, got:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), s.TokenValue) {
		t.Fatalf("token in logs:\n%s", logs.String())
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, s); strings.Contains(out, s.TokenValue) {
			t.Fatalf("%s prints the token: %s", format, out)
		}
	}
}
