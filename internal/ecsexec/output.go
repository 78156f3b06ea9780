package ecsexec

import (
	"context"
	"fmt"
)

// onOutput delivers agent stream messages in sequence order and acknowledges each one
// it keeps, including duplicates, whose earlier ack the agent evidently missed.
func (s *session) onOutput(ctx context.Context, f Frame) error {
	switch s.in.accept(f) {
	case verdictDeliver:
		if err := s.process(ctx, f); err != nil {
			return err
		}
		if err := s.sendAck(f); err != nil {
			return err
		}
		s.in.advance()
		for {
			g, ok := s.in.popReady()
			if !ok {
				return nil
			}
			if err := s.process(ctx, g); err != nil {
				return err
			}
			s.in.advance()
		}
	case verdictBuffered, verdictDuplicate:
		return s.sendAck(f)
	default:
		s.log.V(1).Info("reorder buffer full, leaving message for the agent to resend", "seq", f.SequenceNumber)
		return nil
	}
}

// process acts on one in-order stream message.
func (s *session) process(ctx context.Context, f Frame) error {
	switch f.PayloadType {
	case PayloadOutput, PayloadStdErr, PayloadError, 0:
		data := f.Payload
		if s.cipher != nil && f.PayloadType != PayloadError && f.PayloadType != 0 {
			var err error
			if data, err = s.cipher.decrypt(data); err != nil {
				return fmt.Errorf("%w: decrypting output seq %d: %w", ErrHandshake, f.SequenceNumber, err)
			}
		}
		return s.emit(data)
	case PayloadHandshakeRequest:
		return s.onHandshakeRequest(ctx, f.Payload)
	case PayloadHandshakeComplete:
		return s.onHandshakeComplete(f.Payload)
	case PayloadEncChallengeRequest:
		return s.onEncChallenge(f.Payload)
	default:
		// Exit codes (NonInteractiveCommands), flags and parameters carry nothing a
		// caller of Run needs; the exit status comes from the marker line.
		s.log.V(1).Info("ignoring payload", "payloadType", f.PayloadType, "seq", f.SequenceNumber)
		return nil
	}
}

// emit writes output, bounded by the limit.
func (s *session) emit(data []byte) error {
	room := s.limit - s.written
	if len(data) > room {
		n, _ := s.out.Write(data[:max(room, 0)])
		s.written += n
		return fmt.Errorf("%w: more than %d bytes", ErrOutputLimit, s.limit)
	}
	n, err := s.out.Write(data)
	s.written += n
	if err != nil {
		return fmt.Errorf("ecsexec: writing output: %w", err)
	}
	return nil
}
