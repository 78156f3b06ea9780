package ecsexec

import "time"

// outMsg is one client message awaiting the agent's acknowledgement.
type outMsg struct {
	seq       int64
	data      []byte // the encoded frame, resent verbatim
	sent      bool   // false while publication is paused
	firstSent time.Time
	lastSent  time.Time
	attempts  int // retransmissions so far
}

// outgoing numbers the client's stream messages and keeps them until acknowledged,
// because the service drops what arrives while the agent side is unavailable.
type outgoing struct {
	nextSeq      int64
	pending      []*outMsg // ascending seq
	rtt          rttEstimator
	lastProgress time.Time // last ack or resume; the stall timer counts from here
}

func newOutgoing() outgoing { return outgoing{rtt: newRTTEstimator()} }

// allocSeq hands out the next outgoing sequence number.
func (o *outgoing) allocSeq() int64 {
	seq := o.nextSeq
	o.nextSeq++
	return seq
}

// add registers the encoded message for sequence number seq (from allocSeq).
func (o *outgoing) add(seq int64, data []byte) *outMsg {
	m := &outMsg{seq: seq, data: data}
	o.pending = append(o.pending, m)
	return m
}

// markSent records a (re)transmission at now.
func (o *outgoing) markSent(m *outMsg, now time.Time) {
	if m.sent {
		m.attempts++
	} else {
		m.sent = true
		m.firstSent = now
	}
	m.lastSent = now
}

// ack removes the message with sequence number seq; it reports whether one was pending.
func (o *outgoing) ack(seq int64, now time.Time) bool {
	for i, m := range o.pending {
		if m.seq != seq {
			continue
		}
		if m.sent && m.attempts == 0 {
			o.rtt.sample(now.Sub(m.lastSent))
		}
		o.pending = append(o.pending[:i], o.pending[i+1:]...)
		o.lastProgress = now
		return true
	}
	return false
}

// resumed restarts the stall timer after a pause, which is not the agent's fault.
func (o *outgoing) resumed(now time.Time) { o.lastProgress = now }

// due lists the messages to (re)send at now: never sent, or unacknowledged for longer
// than their backoff.
func (o *outgoing) due(now time.Time) []*outMsg {
	var out []*outMsg
	for _, m := range o.pending {
		if !m.sent || now.Sub(m.lastSent) >= o.rtt.backoff(m.attempts) {
			out = append(out, m)
		}
	}
	return out
}

// stalled reports the oldest message that has waited longer than limit for an
// acknowledgement with no progress in between.
func (o *outgoing) stalled(now time.Time, limit time.Duration) (int64, bool) {
	for _, m := range o.pending {
		if !m.sent {
			continue
		}
		since := m.firstSent
		if o.lastProgress.After(since) {
			since = o.lastProgress
		}
		if now.Sub(since) > limit {
			return m.seq, true
		}
	}
	return 0, false
}
