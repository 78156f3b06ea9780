package ecsexec_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/ecsexec/fakeagent"
)

// numbered output makes any loss, duplication or reordering visible.
func numbered(lines int) string {
	var b strings.Builder
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, "line %05d of the probe output\n", i)
	}
	return b.String()
}

// runFault runs a 1500-line command under the given mode and faults and returns the
// result, the error and the agent's counters.
func runFault(t *testing.T, mode fakeagent.Mode, f fakeagent.Faults) (string, *ecsexec.Result, fakeagent.SessionStats, error) {
	t.Helper()
	h := newHarness(t)
	body := numbered(1500)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "probe"), Executor: markerOutput(body, 4), Mode: mode, Faults: f})
	c := ecsexec.Client{KMS: h.kms}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.Run(ctx, s, nonce)
	return body, res, h.stats(s.SessionID), err
}

func requireComplete(t *testing.T, body string, res *ecsexec.Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != body || res.ExitCode != 4 {
		t.Fatalf("incomplete or disordered output: %d bytes (want %d), code %d", len(res.Output), len(body), res.ExitCode)
	}
}

func TestFaultDuplicateFrames(t *testing.T) {
	h := newHarness(t)
	body := numbered(1500)
	nonce := ecsexec.NewNonce()
	s := h.session(fakeagent.SessionConfig{Command: command(nonce, "probe"), Executor: markerOutput(body, 4), Faults: fakeagent.Faults{DuplicateFrames: true}})
	var c ecsexec.Client
	res, err := c.Run(context.Background(), s, nonce)
	requireComplete(t, body, res, err)
	// Every copy is acknowledged, the duplicate too: the agent may have missed the
	// first ack. The last acks may still be on their way when Run returns.
	waitFor(t, func() bool {
		st := h.stats(s.SessionID)
		return st.OutputFrames > 40 && st.AcksReceived >= 2*st.OutputFrames
	}, "an ack for every copy of every frame")
}

func TestFaultReorderFrames(t *testing.T) {
	body, res, _, err := runFault(t, fakeagent.ModePlain, fakeagent.Faults{ReorderFrames: true})
	requireComplete(t, body, res, err)
}

func TestFaultDroppedAcksMakeAgentResend(t *testing.T) {
	body, res, st, err := runFault(t, fakeagent.ModePlain, fakeagent.Faults{DropAcks: 5})
	requireComplete(t, body, res, err)
	if st.ClientFramesDropped != 5 || st.Resends < 5 {
		t.Fatalf("dropped %d, resent %d: the agent should have resent the unacknowledged frames", st.ClientFramesDropped, st.Resends)
	}
}

// The handshake response is the client's second frame (after the ack of the request):
// dropping both means the handshake completes only if the client resends.
func TestFaultDroppedMessagesMakeClientResend(t *testing.T) {
	body, res, st, err := runFault(t, fakeagent.ModeHandshake, fakeagent.Faults{DropAcks: 2})
	requireComplete(t, body, res, err)
	if st.ClientFramesDropped != 2 || !st.HandshakeCompleted {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultPausePublication(t *testing.T) {
	for _, mode := range []fakeagent.Mode{fakeagent.ModePlain, fakeagent.ModeHandshake, fakeagent.ModeHandshakeKMS} {
		t.Run(mode.String(), func(t *testing.T) {
			start := time.Now()
			body, res, st, err := runFault(t, mode, fakeagent.Faults{PausePublication: true})
			requireComplete(t, body, res, err)
			if st.InputWhilePaused != 0 {
				t.Fatalf("the client sent %d stream messages while publication was paused", st.InputWhilePaused)
			}
			if d := time.Since(start); d < fakeagent.PauseDuration {
				t.Fatalf("finished in %v, before the pause ended", d)
			}
		})
	}
}

func TestFaultDisconnect(t *testing.T) {
	_, res, st, err := runFault(t, fakeagent.ModePlain, fakeagent.Faults{DisconnectAfterFrames: 3})
	if !errors.Is(err, ecsexec.ErrSessionDropped) || errors.Is(err, ecsexec.ErrChannelClosed) || errors.Is(err, ecsexec.ErrNoExitMarker) {
		t.Fatalf("err = %v, want ErrSessionDropped only", err)
	}
	if res.ExitCode != -1 || len(res.Output) == 0 || len(res.Output) > 3*1024 || !strings.HasPrefix(res.Output, "line 00000") {
		t.Fatalf("partial output %d bytes, code %d", len(res.Output), res.ExitCode)
	}
	if st.OutputFrames != 3 || st.ChannelClosed {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultCorruptDigest(t *testing.T) {
	_, res, _, err := runFault(t, fakeagent.ModePlain, fakeagent.Faults{CorruptDigest: true})
	if !errors.Is(err, ecsexec.ErrDigestInvalid) {
		t.Fatalf("err = %v, want ErrDigestInvalid", err)
	}
	if res.Output != "" {
		t.Fatalf("delivered %d bytes of unverified output", len(res.Output))
	}
}

func TestFaultChannelClosedWithError(t *testing.T) {
	body, res, _, err := runFault(t, fakeagent.ModePlain, fakeagent.Faults{CloseError: "Session terminated: the task stopped"})
	var cc *ecsexec.ChannelClosedError
	if !errors.As(err, &cc) || cc.Output != "Session terminated: the task stopped" || errors.Is(err, ecsexec.ErrSessionDropped) {
		t.Fatalf("err = %v", err)
	}
	if res.Output != body {
		t.Fatalf("output before the close was not kept")
	}
}

func TestFaultsCombinedEncrypted(t *testing.T) {
	body, res, st, err := runFault(t, fakeagent.ModeHandshakeKMS, fakeagent.Faults{DuplicateFrames: true, ReorderFrames: true, DropAcks: 3, PausePublication: true})
	requireComplete(t, body, res, err)
	if !st.Encrypted || st.InputWhilePaused != 0 || st.ClientFramesDropped != 3 {
		t.Fatalf("stats %+v", st)
	}
}
