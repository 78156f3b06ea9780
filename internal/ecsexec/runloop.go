package ecsexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"k8s.io/utils/clock"
	"time"

	"github.com/go-logr/logr"
	"github.com/gorilla/websocket"
)

// session is the state of one data channel. All state is owned by the run loop; the
// reader goroutine only decodes frames and hands them over.
type session struct {
	c     *Client
	s     Session
	conn  *websocket.Conn
	log   logr.Logger
	clock clock.WithTicker

	out     io.Writer
	written int
	limit   int

	in     incoming
	outq   outgoing
	paused bool // pause_publication received: hold client stream messages

	cipher             *sessionCipher
	handshakeRequested bool
	handshakeComplete  bool

	idBuf  [16]byte
	ackBuf []byte // reused JSON payload of acks
	wbuf   []byte // reused encoding buffer for acks
}

type readResult struct {
	frame Frame
	err   error
}

func newSession(c *Client, s Session, conn *websocket.Conn, w io.Writer, log logr.Logger) *session {
	limit := c.maxOutput()
	return &session{
		c: c, s: s, conn: conn, log: log, clock: c.clock(),
		out: w, limit: limit,
		// Buffered-ahead output never needs more room than the output allowed.
		in:   newIncoming(maxBufferedFrames, min(limit, 64<<20)),
		outq: newOutgoing(),
	}
}

func (s *session) run(ctx context.Context) error {
	frames := make(chan readResult, 64)
	done := make(chan struct{})
	defer close(done)
	go s.readLoop(frames, done)

	resend := s.clock.NewTicker(resendInterval)
	defer resend.Stop()
	ping := s.clock.NewTicker(s.c.pingInterval())
	defer ping.Stop()

	for {
		select {
		case <-ctx.Done():
			s.close(websocket.CloseNormalClosure, "client cancelled")
			return fmt.Errorf("ecsexec: session %s: %w", s.s.SessionID, ctx.Err())
		case r := <-frames:
			if r.err != nil {
				s.close(websocket.CloseProtocolError, "")
				return r.err
			}
			end, err := s.handle(ctx, r.frame)
			if err != nil {
				s.close(websocket.CloseNormalClosure, "")
				return err
			}
			if end {
				s.close(websocket.CloseNormalClosure, "")
				return nil
			}
		case now := <-resend.C():
			if err := s.resend(now); err != nil {
				s.close(websocket.CloseNormalClosure, "")
				return err
			}
		case <-ping.C():
			// A control frame may be written concurrently with the reader; it keeps
			// idle sessions alive through load balancers while a long command runs.
			if err := s.conn.WriteControl(websocket.PingMessage, []byte("keepalive"), time.Now().Add(writeTimeout)); err != nil {
				return fmt.Errorf("%w: ping: %w", ErrSessionDropped, err)
			}
		}
	}
}

// readLoop decodes frames off the websocket until it fails or run returns.
func (s *session) readLoop(frames chan<- readResult, done <-chan struct{}) {
	var buf bytes.Buffer
	for {
		mt, data, err := readMessage(s.conn, &buf)
		var r readResult
		switch {
		case err != nil:
			r.err = dropped(err)
		case mt != websocket.BinaryMessage:
			s.log.V(1).Info("ignoring non-binary websocket message", "type", mt, "bytes", len(data))
			continue
		default:
			r.frame, r.err = DecodeFrame(data)
		}
		select {
		case frames <- r:
		case <-done:
			return
		}
		if r.err != nil {
			return
		}
	}
}

// readMessage reads one message through a reused buffer and returns an exact-size
// copy, which the frame's payload may alias for as long as it is buffered; this costs
// one allocation per frame instead of io.ReadAll's growing series.
func readMessage(conn *websocket.Conn, buf *bytes.Buffer) (int, []byte, error) {
	mt, r, err := conn.NextReader()
	if err != nil {
		return mt, nil, err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return mt, nil, err
	}
	return mt, bytes.Clone(buf.Bytes()), nil
}

// dropped turns a websocket read failure into ErrSessionDropped, keeping the peer's
// close code and reason when there is one.
func dropped(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w: peer closed the websocket (code %d %q)", ErrSessionDropped, ce.Code, ce.Text)
	}
	return fmt.Errorf("%w: %w", ErrSessionDropped, err)
}

// handle processes one frame; end reports a normal end of the session.
func (s *session) handle(ctx context.Context, f Frame) (end bool, err error) {
	switch f.MessageType {
	case MessageOutputStreamData:
		return false, s.onOutput(ctx, f)
	case MessageAcknowledge:
		s.onAck(f)
	case MessageChannelClosed:
		return true, s.onChannelClosed(f)
	case MessagePausePublication:
		s.log.V(1).Info("publication paused")
		s.paused = true
	case MessageStartPublication:
		s.log.V(1).Info("publication resumed")
		if s.paused {
			s.paused = false
			now := s.clock.Now()
			s.outq.resumed(now)
			return false, s.resend(now)
		}
	default:
		s.log.V(1).Info("ignoring message", "messageType", f.MessageType, "seq", f.SequenceNumber)
	}
	return false, nil
}

func (s *session) onAck(f Frame) {
	ack, err := parseAck(f.Payload)
	if err != nil {
		s.log.V(1).Info("ignoring malformed acknowledge", "error", err.Error())
		return
	}
	if !s.outq.ack(ack.SequenceNumber, s.clock.Now()) {
		s.log.V(2).Info("acknowledge for nothing pending", "seq", ack.SequenceNumber)
	}
}

func (s *session) onChannelClosed(f Frame) error {
	cc, err := parseChannelClosed(f.Payload)
	if err != nil {
		// An unreadable reason is still a reason: keep the raw text.
		cc.Output = string(f.Payload)
	}
	s.log.V(1).Info("channel closed", "output", cc.Output)
	if cc.Output != "" {
		return &ChannelClosedError{Output: cc.Output}
	}
	if n := s.in.gaps(); n > 0 {
		return fmt.Errorf("%w: channel closed with %d output messages waiting for missing earlier ones", ErrSessionDropped, n)
	}
	if s.handshakeRequested && !s.handshakeComplete {
		s.log.Info("channel closed before the handshake completed")
	}
	return nil
}
