package fakeagent

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// streamFrame numbers and encodes an output_stream_data message and keeps it for
// retransmission until the client acknowledges it. It waits while the window is full.
func (c *conn) streamFrame(ctx context.Context, pt ecsexec.PayloadType, payload []byte, corrupt bool) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.unacked) >= window && !c.readerDone && ctx.Err() == nil {
		c.cond.Wait()
	}
	if c.readerDone || ctx.Err() != nil {
		return nil, errors.New("client went away")
	}
	seq := c.nextSeq
	c.nextSeq++
	var flags uint64
	if seq == 0 {
		flags = ecsexec.FlagSYN
	}
	data := frame(ecsexec.MessageOutputStreamData, seq, flags, pt, payload)
	if corrupt {
		data[digestOffset] ^= 0xff
	}
	c.unacked = append(c.unacked, &pending{seq: seq, data: data, lastSent: time.Now()})
	return data, nil
}

// digestOffset is where the SHA-256 payload digest sits in a frame.
const digestOffset = 80

// sendStream sends one stream message (with the duplicate fault applied) and counts
// it towards Faults.DisconnectAfterFrames.
func (c *conn) sendStream(ctx context.Context, pt ecsexec.PayloadType, payload []byte) error {
	data, err := c.streamFrame(ctx, pt, payload, false)
	if err != nil {
		return err
	}
	return c.transmit(data)
}

// transmit writes a first transmission, duplicated on request, and drops the
// connection when the configured number of stream messages has gone out.
func (c *conn) transmit(data []byte) error {
	if err := c.write(data); err != nil {
		return err
	}
	if c.cfg.Faults.DuplicateFrames {
		if err := c.write(data); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.sentFirst++
	n := c.sentFirst
	c.mu.Unlock()
	c.reg.update(func(s *SessionStats) { s.OutputFrames++ })
	if limit := c.cfg.Faults.DisconnectAfterFrames; limit > 0 && n >= limit {
		c.log.V(1).Info("dropping the connection as configured", "afterFrames", n)
		_ = c.ws.NetConn().Close() // no close frame: an abrupt loss
		return errDisconnected
	}
	return nil
}

// control sends an unnumbered control message (publication signals).
func (c *conn) control(msgType string) error {
	return c.write(frame(msgType, 0, 0, 0, nil))
}

// resendLoop retransmits unacknowledged stream messages, as the agent does.
func (c *conn) resendLoop(ctx context.Context) {
	t := time.NewTicker(resendTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.mu.Lock()
			var due [][]byte
			for _, p := range c.unacked {
				wait := rto << min(p.attempts, 3)
				if now.Sub(p.lastSent) >= min(wait, maxRTO) {
					p.attempts++
					p.lastSent = now
					due = append(due, p.data)
				}
			}
			c.mu.Unlock()
			for _, d := range due {
				c.reg.update(func(s *SessionStats) { s.Resends++ })
				if c.write(d) != nil {
					return
				}
			}
		}
	}
}

// waitAcked waits until the client has acknowledged every stream message, as the
// agent drains its buffer before it closes the channel.
func (c *conn) waitAcked(ctx context.Context, limit time.Duration) bool {
	timer := time.AfterFunc(limit, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(limit)
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.unacked) > 0 && !c.readerDone && ctx.Err() == nil && time.Now().Before(deadline) {
		c.cond.Wait()
	}
	return len(c.unacked) == 0
}

// sendChannelClosed ends the session as the service does; a non-empty output is the
// reason for an abnormal end.
func (c *conn) sendChannelClosed(output string) error {
	var id [16]byte
	_, _ = rand.Read(id[:])
	body, _ := json.Marshal(ecsexec.ChannelClosed{
		MessageID:     uuid.UUID(id).String(),
		CreatedDate:   time.Now().UTC().Format(time.RFC3339Nano),
		DestinationID: c.cfg.TargetID,
		SessionID:     c.cfg.SessionID,
		MessageType:   ecsexec.MessageChannelClosed,
		SchemaVersion: 1,
		Output:        output,
	})
	// Counted before the write so that a client that has seen the frame also sees
	// the counter; undone if the write fails.
	c.reg.update(func(s *SessionStats) { s.ChannelClosed = true })
	err := c.write(frame(ecsexec.MessageChannelClosed, 0, 0, 0, body))
	if err != nil {
		c.reg.update(func(s *SessionStats) { s.ChannelClosed = false })
	}
	return err
}
