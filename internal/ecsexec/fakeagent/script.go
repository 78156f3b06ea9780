package fakeagent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// script plays the session: optional handshake, the command's output, channel_closed.
func (c *conn) script(ctx context.Context) error {
	if c.cfg.Mode == ModePlain {
		if c.cfg.Faults.PausePublication {
			if err := c.pause(ctx, nil); err != nil {
				return err
			}
		}
	} else if err := c.handshake(ctx); err != nil {
		if errors.Is(err, errDisconnected) {
			return err
		}
		_ = c.sendChannelClosed(err.Error())
		return err
	}

	if c.cfg.Refuse != "" {
		// The agent checked something before starting the command and
		// gave up: the session ends with its reason and nothing runs.
		_ = c.sendChannelClosed(c.cfg.Refuse)
		return errors.New(c.cfg.Refuse)
	}
	if d := c.cfg.FirstOutputDelay; d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var out []byte
	var execErr error
	if c.cfg.Executor != nil {
		out, execErr = c.cfg.Executor(ctx, c.cfg.Command)
	}
	if err := c.sendOutput(ctx, toPTY(out)); err != nil {
		return err
	}
	if !c.waitAcked(ctx, ackWait) {
		c.log.Info("closing with unacknowledged output", "pending", c.pendingCount())
	}
	reason := c.cfg.Faults.CloseError
	if reason == "" && execErr != nil {
		reason = execErr.Error()
	}
	return c.sendChannelClosed(reason)
}

// pause tells the client to hold its stream messages for PauseDuration. between runs
// after pause_publication has gone out (the handshake request, so that the client has
// something to hold back).
func (c *conn) pause(ctx context.Context, between func() error) error {
	// Set before sending, so that nothing the client sends after seeing the signal
	// escapes the count.
	c.mu.Lock()
	c.paused = true
	c.mu.Unlock()
	if err := c.control(ecsexec.MessagePausePublication); err != nil {
		return err
	}
	if between != nil {
		if err := between(); err != nil {
			return err
		}
	}
	select {
	case <-time.After(PauseDuration):
	case <-ctx.Done():
		return ctx.Err()
	}
	c.mu.Lock()
	c.paused = false
	c.mu.Unlock()
	return c.control(ecsexec.MessageStartPublication)
}

// sendOutput streams the command output in chunks, encrypted when negotiated, with
// the reorder and corruption faults applied.
func (c *conn) sendOutput(ctx context.Context, out []byte) error {
	var held []byte // ReorderFrames: a frame waiting for its successor
	for _, chunk := range chunks(out, c.cfg.chunkSize()) {
		payload := chunk
		if c.cipher != nil {
			payload = c.cipher.encrypt(chunk)
		}
		data, err := c.streamFrame(ctx, ecsexec.PayloadOutput, payload, c.cfg.Faults.CorruptDigest)
		if err != nil {
			return err
		}
		c.reg.update(func(s *SessionStats) { s.OutputBytes += len(chunk) })
		if c.cfg.Faults.ReorderFrames && held == nil {
			held = data
			continue
		}
		if err := c.transmit(data); err != nil {
			return err
		}
		if held != nil {
			if err := c.transmit(held); err != nil {
				return err
			}
			held = nil
		}
	}
	if held != nil {
		return c.transmit(held)
	}
	return nil
}

func (c *conn) pendingCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.unacked)
}

// awaitResponse waits for the client's handshake answer.
func awaitResponse[T any](ctx context.Context, ch <-chan T, what string) (T, error) {
	var zero T
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(handshakeWait):
		return zero, fmt.Errorf("%s timed out", what)
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}
