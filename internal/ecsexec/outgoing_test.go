package ecsexec

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestRTOStartsAt200msAndIsCapped(t *testing.T) {
	e := newRTTEstimator()
	if e.timeout() != 200*time.Millisecond {
		t.Fatalf("initial RTO = %v", e.timeout())
	}
	for i := 0; i < 50; i++ {
		e.sample(5 * time.Millisecond)
	}
	if got := e.timeout(); got < 5*time.Millisecond || got > 20*time.Millisecond {
		t.Fatalf("after fast round trips RTO = %v, want near 5ms + 10ms granularity", got)
	}
	for i := 0; i < 50; i++ {
		e.sample(10 * time.Second)
	}
	if got := e.timeout(); got != time.Second {
		t.Fatalf("after slow round trips RTO = %v, want the 1s cap", got)
	}
	if got := e.backoff(10); got != time.Second {
		t.Fatalf("backoff = %v", got)
	}
}

func TestRTOSmoothing(t *testing.T) {
	e := newRTTEstimator()
	e.sample(100 * time.Millisecond) // equal to the initial estimate: no variation
	if got := e.timeout(); got != 110*time.Millisecond {
		t.Fatalf("RTO = %v, want srtt 100ms + granularity 10ms", got)
	}
	e.sample(300 * time.Millisecond)
	// rttvar = 0.75*0 + 0.25*200 = 50ms; srtt = 0.875*100 + 0.125*300 = 125ms; rto = 125 + 200
	if got := e.timeout(); got != 325*time.Millisecond {
		t.Fatalf("RTO = %v, want 325ms", got)
	}
}

func TestOutgoingResendsUntilAcked(t *testing.T) {
	o := newOutgoing()
	seq := o.allocSeq()
	m := o.add(seq, []byte("frame0"))
	if d := o.due(t0); len(d) != 1 {
		t.Fatalf("an unsent message is due at once: %d", len(d))
	}
	o.markSent(m, t0)
	if d := o.due(t0.Add(199 * time.Millisecond)); len(d) != 0 {
		t.Fatal("resent before the 200ms RTO")
	}
	if d := o.due(t0.Add(200 * time.Millisecond)); len(d) != 1 {
		t.Fatal("not resent after the RTO")
	}
	o.markSent(m, t0.Add(200*time.Millisecond))
	if d := o.due(t0.Add(599 * time.Millisecond)); len(d) != 0 {
		t.Fatal("second resend before the doubled timeout")
	}
	if d := o.due(t0.Add(600 * time.Millisecond)); len(d) != 1 {
		t.Fatal("second resend not due after 400ms")
	}
	rtoBefore := o.rtt.timeout()
	if !o.ack(seq, t0.Add(time.Second)) {
		t.Fatal("ack not matched")
	}
	if o.rtt.timeout() != rtoBefore {
		t.Fatal("an ack of a retransmitted message must not feed the RTT estimate (Karn)")
	}
	if o.ack(seq, t0.Add(time.Second)) {
		t.Fatal("double ack matched")
	}
	if len(o.due(t0.Add(time.Hour))) != 0 {
		t.Fatal("acked message still due")
	}
}

func TestOutgoingStall(t *testing.T) {
	o := newOutgoing()
	m := o.add(o.allocSeq(), nil)
	o.markSent(m, t0)
	if _, ok := o.stalled(t0.Add(time.Minute), time.Minute); ok {
		t.Fatal("stalled at exactly the limit")
	}
	o.resumed(t0.Add(50 * time.Second))
	if _, ok := o.stalled(t0.Add(100*time.Second), time.Minute); ok {
		t.Fatal("a resume restarts the stall timer")
	}
	if seq, ok := o.stalled(t0.Add(111*time.Second), time.Minute); !ok || seq != 0 {
		t.Fatal("not stalled after the limit")
	}
}
