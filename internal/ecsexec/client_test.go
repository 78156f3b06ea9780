package ecsexec_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/ecsexec/fakeagent"
)

func TestRunRealShellCommand(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{
		Command:  command(nonce, `printf '\033[1;32mgreen\033[0m\n'; echo to-stderr >&2; (exit 7)`),
		Executor: shell,
	})
	var c ecsexec.Client
	res, err := c.Run(context.Background(), s, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 7 || res.Output != "green\nto-stderr\n" {
		t.Fatalf("got %+v", res)
	}
	waitFor(t, func() bool { return h.stats(s.SessionID).ClientCloseCode == 1000 }, "the client's close frame")
	if st := h.stats(s.SessionID); !st.ChannelClosed || st.Resends != 0 {
		t.Fatalf("stats %+v: want channel_closed and no resends", st)
	}
}

func TestRunModes(t *testing.T) {
	body := strings.Repeat("line of output 0123456789\n", 2000) // ~52 KB: many 1024-byte chunks
	for _, mode := range []fakeagent.Mode{fakeagent.ModePlain, fakeagent.ModeHandshake, fakeagent.ModeHandshakeKMS} {
		t.Run(mode.String(), func(t *testing.T) {
			h := newHarness(t)
			nonce := ecsexec.NewNonce()
			s := h.session(fakeagent.SessionConfig{Command: command(nonce, "probe"), Executor: markerOutput(body, 0), Mode: mode, FirstOutputDelay: 20 * time.Millisecond})
			c := ecsexec.Client{KMS: h.kms}
			res, err := c.Run(context.Background(), s, nonce)
			if err != nil {
				t.Fatal(err)
			}
			if res.Output != body || res.ExitCode != 0 {
				t.Fatalf("output differs (%d bytes, want %d), code %d", len(res.Output), len(body), res.ExitCode)
			}
			st := h.stats(s.SessionID)
			if st.HandshakeCompleted != (mode != fakeagent.ModePlain) || st.Encrypted != (mode == fakeagent.ModeHandshakeKMS) {
				t.Fatalf("stats %+v", st)
			}
			if want := (len(body)+len(body)/26+26+20)/1024 + 1; st.OutputFrames < want {
				t.Fatalf("%d output frames, want at least %d (1024-byte chunks)", st.OutputFrames, want)
			}
		})
	}
}

func TestChunkSize(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "x"), Executor: markerOutput("abcdefghij\n", 0), ChunkSize: 3})
	var c ecsexec.Client
	res, err := c.Run(context.Background(), s, nonce)
	if err != nil || res.Output != "abcdefghij\n" {
		t.Fatalf("%+v %v", res, err)
	}
	// 11 bytes of body + the 33-byte marker line, each LF sent as CR LF: 46 bytes.
	if st := h.stats(s.SessionID); st.OutputFrames != 16 || st.OutputBytes != 46 {
		t.Fatalf("%d frames of %d bytes, want 16 of at most 3 bytes", st.OutputFrames, st.OutputBytes)
	}
}

func TestKMSWithoutClientKMSFailsHandshake(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "x"), Executor: markerOutput("", 0), Mode: fakeagent.ModeHandshakeKMS})
	var c ecsexec.Client
	_, err := c.Run(context.Background(), s, nonce)
	if !errors.Is(err, ecsexec.ErrHandshake) || !strings.Contains(err.Error(), "KMS") {
		t.Fatalf("err = %v, want ErrHandshake naming KMS", err)
	}
}

// A data key generated under another encryption context is refused by the agent,
// which ends the session with its reason.
func TestKMSEncryptionContextEnforced(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "x"), Executor: markerOutput("", 0), Mode: fakeagent.ModeHandshakeKMS})
	s.TargetID = "ecs:other_cluster_task"
	c := ecsexec.Client{KMS: h.kms}
	_, err := c.Run(context.Background(), s, nonce)
	var cc *ecsexec.ChannelClosedError
	if !errors.As(err, &cc) || !strings.Contains(cc.Output, "data key") {
		t.Fatalf("err = %v, want channel_closed about the data key", err)
	}
}

func TestWrongTokenRejected(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "x"), Executor: markerOutput("secret output\n", 0)})
	s.TokenValue = "wrong"
	var c ecsexec.Client
	res, err := c.Run(context.Background(), s, nonce)
	if !errors.Is(err, ecsexec.ErrSessionDropped) || !strings.Contains(err.Error(), "1008") {
		t.Fatalf("err = %v, want a dropped session with the policy-violation close", err)
	}
	if res.Output != "" {
		t.Fatalf("output %q leaked past a wrong token", res.Output)
	}
	if st := h.stats(s.SessionID); st.TokenRejected != 1 || st.OutputFrames != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOutputLimit(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "x"), Executor: markerOutput(strings.Repeat("y", 10000), 0)})
	c := ecsexec.Client{MaxOutputBytes: 4096}
	res, err := c.Run(context.Background(), s, nonce)
	if !errors.Is(err, ecsexec.ErrOutputLimit) {
		t.Fatalf("err = %v", err)
	}
	if len(res.Output) != 4096 || res.ExitCode != -1 {
		t.Fatalf("kept %d bytes, code %d; want exactly the limit and no code", len(res.Output), res.ExitCode)
	}
}

func TestNoExitMarker(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: "x", Executor: func(context.Context, string) ([]byte, error) { return []byte("killed\n"), nil }})
	var c ecsexec.Client
	res, err := c.Run(context.Background(), s, nonce)
	if !errors.Is(err, ecsexec.ErrNoExitMarker) || res.Output != "killed\n" || res.ExitCode != -1 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestExecutorErrorClosesWithReason(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: "x", Executor: func(context.Context, string) ([]byte, error) {
		return []byte("partial\n"), errors.New("exec: \"sh\": executable file not found in $PATH")
	}})
	var c ecsexec.Client
	res, err := c.Run(context.Background(), s, nonce)
	var cc *ecsexec.ChannelClosedError
	if !errors.As(err, &cc) || !errors.Is(err, ecsexec.ErrChannelClosed) || !strings.Contains(cc.Output, "executable file not found") {
		t.Fatalf("err = %v", err)
	}
	if res.Output != "partial\n" {
		t.Fatalf("output %q", res.Output)
	}
}

func TestCancelClosesCleanly(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: "x", Executor: markerOutput("late\n", 0), FirstOutputDelay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var c ecsexec.Client
	start := time.Now()
	_, err := c.Run(ctx, s, nonce)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("returned after %v", d)
	}
	waitFor(t, func() bool { return h.stats(s.SessionID).ClientCloseCode == 1000 }, "the client's close frame")
}

func TestPingsOnLongSessions(t *testing.T) {
	h := newHarness(t)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "x"), Executor: markerOutput("done\n", 0), FirstOutputDelay: 400 * time.Millisecond})
	c := ecsexec.Client{PingInterval: 50 * time.Millisecond}
	if _, err := c.Run(context.Background(), s, nonce); err != nil {
		t.Fatal(err)
	}
	if n := h.stats(s.SessionID).PingsReceived; n < 3 {
		t.Fatalf("%d pings during a 400ms wait at a 50ms interval", n)
	}
}

func TestConnectErrors(t *testing.T) {
	h := newHarness(t)
	var c ecsexec.Client
	cases := map[string]ecsexec.Session{
		"unknown session":       {SessionID: "nope", StreamURL: h.base + "/v1/data-channel/nope", TokenValue: "t"},
		"plain ws off loopback": {SessionID: "s", StreamURL: "ws://ssmmessages.ap-northeast-1.amazonaws.com/v1/data-channel/s", TokenValue: "t"},
		"http scheme":           {SessionID: "s", StreamURL: "https://127.0.0.1/", TokenValue: "t"},
		"no token":              {SessionID: "s", StreamURL: h.base + "/v1/data-channel/s"},
	}
	for name, s := range cases {
		if _, err := c.Run(context.Background(), s, ecsexec.NewNonce()); !errors.Is(err, ecsexec.ErrConnect) {
			t.Errorf("%s: err = %v, want ErrConnect", name, err)
		}
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
