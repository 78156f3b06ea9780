package ecsexec

// verdict says what to do with an arriving output_stream_data message.
type verdict int

const (
	verdictDeliver   verdict = iota // the expected one: process, ack, advance
	verdictBuffered                 // ahead of a gap: kept and acked
	verdictDuplicate                // seen before: ack again so the agent stops resending
	verdictDropped                  // ahead of a gap but no room: not acked, the agent resends
)

// incoming delivers the agent's stream messages in sequence order. Messages ahead of
// a gap are buffered (bounded by count and bytes) until the gap is filled.
type incoming struct {
	expected  int64
	buf       map[int64]Frame
	bufBytes  int
	maxFrames int
	maxBytes  int
}

func newIncoming(maxFrames, maxBytes int) incoming {
	return incoming{buf: make(map[int64]Frame), maxFrames: maxFrames, maxBytes: maxBytes}
}

func (in *incoming) accept(f Frame) verdict {
	switch {
	case f.SequenceNumber == in.expected:
		return verdictDeliver
	case f.SequenceNumber < in.expected:
		return verdictDuplicate
	}
	if _, ok := in.buf[f.SequenceNumber]; ok {
		return verdictDuplicate
	}
	if len(in.buf) >= in.maxFrames || in.bufBytes+len(f.Payload) > in.maxBytes {
		return verdictDropped
	}
	in.buf[f.SequenceNumber] = f
	in.bufBytes += len(f.Payload)
	return verdictBuffered
}

// advance moves past the message just delivered.
func (in *incoming) advance() { in.expected++ }

// popReady returns the buffered message that is now expected, if any.
func (in *incoming) popReady() (Frame, bool) {
	f, ok := in.buf[in.expected]
	if ok {
		delete(in.buf, in.expected)
		in.bufBytes -= len(f.Payload)
	}
	return f, ok
}

// gaps is the number of buffered messages still waiting for an earlier one.
func (in *incoming) gaps() int { return len(in.buf) }
