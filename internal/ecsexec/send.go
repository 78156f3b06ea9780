package ecsexec

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"
)

// sendStream sends a reliable client message (handshake response, challenge
// response): numbered, kept until acknowledged, held while publication is paused.
func (s *session) sendStream(pt PayloadType, payload []byte) error {
	now := s.clock.Now()
	seq := s.outq.allocSeq()
	f := Frame{
		MessageType:    MessageInputStreamData,
		SchemaVersion:  1,
		CreatedDate:    uint64(now.UnixMilli()),
		SequenceNumber: seq,
		MessageID:      newMessageID(&s.idBuf),
		PayloadType:    pt,
		Payload:        payload,
	}
	data, err := f.MarshalBinary()
	if err != nil {
		return err
	}
	m := s.outq.add(seq, data)
	if s.paused {
		return nil
	}
	s.outq.markSent(m, now)
	return s.write(data)
}

// resend retransmits what is due and gives up on an agent that acknowledges nothing.
func (s *session) resend(now time.Time) error {
	if s.paused {
		return nil
	}
	if seq, ok := s.outq.stalled(now, s.c.ackTimeout()); ok {
		return fmt.Errorf("%w: message %d not acknowledged within %s", ErrSessionDropped, seq, s.c.ackTimeout())
	}
	for _, m := range s.outq.due(now) {
		if m.sent {
			s.log.V(1).Info("resending", "seq", m.seq, "attempt", m.attempts+1)
		}
		s.outq.markSent(m, now)
		if err := s.write(m.data); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) sendAck(f Frame) error {
	s.ackBuf = appendAckJSON(s.ackBuf[:0], f)
	af := Frame{
		MessageType:   MessageAcknowledge,
		SchemaVersion: 1,
		CreatedDate:   uint64(s.clock.Now().UnixMilli()),
		Flags:         FlagSYN | FlagFIN, // an ack is a stream of its own, as the plugin marks it
		MessageID:     newMessageID(&s.idBuf),
		Payload:       s.ackBuf,
	}
	var err error
	if s.wbuf, err = af.AppendBinary(s.wbuf[:0]); err != nil {
		return err
	}
	return s.write(s.wbuf)
}

func (s *session) write(data []byte) error {
	// Socket deadlines are real time whatever the session clock is.
	_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := s.conn.WriteMessage(websocket.BinaryMessage, data); err != nil {
		return fmt.Errorf("%w: write: %w", ErrSessionDropped, err)
	}
	return nil
}

// close says goodbye with a close frame; the caller closes the connection.
func (s *session) close(code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	_ = s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeTimeout))
}
