package ecsexec_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/ecsexec/fakeagent"
)

// harness is a fake agent on a loopback websocket.
type harness struct {
	t     testing.TB
	agent *fakeagent.Agent
	kms   *fakeagent.KMS
	base  string // ws://127.0.0.1:port
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	k := fakeagent.NewKMS()
	a := fakeagent.New(k.Decrypt)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return &harness{t: t, agent: a, kms: k, base: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// session registers cfg (filling in IDs and the token) and returns what ECS
// ExecuteCommand would have returned for it.
func (h *harness) session(cfg fakeagent.SessionConfig) ecsexec.Session {
	h.t.Helper()
	if cfg.SessionID == "" {
		cfg.SessionID = "ecs-execute-command-" + strings.ReplaceAll(strings.ToLower(h.t.Name()), "/", "-")
	}
	if cfg.TokenValue == "" {
		cfg.TokenValue = "tok-" + ecsexec.NewNonce() + ecsexec.NewNonce()
	}
	if cfg.TargetID == "" {
		cfg.TargetID = "ecs:prod_0123456789abcdef_0123456789abcdef-1234567890"
	}
	if cfg.KMSKeyID == "" {
		cfg.KMSKeyID = "arn:aws:kms:ap-northeast-1:123456789012:key/test"
	}
	path := h.agent.Register(cfg)
	return ecsexec.Session{SessionID: cfg.SessionID, StreamURL: h.base + path, TokenValue: cfg.TokenValue, TargetID: cfg.TargetID}
}

func (h *harness) stats(id string) fakeagent.SessionStats {
	h.t.Helper()
	for _, s := range h.agent.Sessions() {
		if s.SessionID == id {
			return s
		}
	}
	h.t.Fatalf("no stats for %s", id)
	return fakeagent.SessionStats{}
}

// markerOutput answers like a command wrapped with ExitMarkerSuffix would.
func markerOutput(body string, code int) fakeagent.Executor {
	return func(_ context.Context, command string) ([]byte, error) {
		nonce := command[strings.LastIndex(command, "' ")+2 : strings.LastIndex(command, ` "$?"`)]
		return []byte(body + fmt.Sprintf("ECSCHECK-EXIT %s %d\n", nonce, code)), nil
	}
}

// shell runs the command with the machine's sh, as the task's shell would.
func shell(ctx context.Context, command string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, "sh", "-c", command).CombinedOutput()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		err = nil // the status travels in the marker, not as a session failure
	}
	return out, err
}

func command(nonce, cmd string) string { return cmd + ecsexec.ExitMarkerSuffix(nonce) }
