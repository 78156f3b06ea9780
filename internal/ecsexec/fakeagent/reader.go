package fakeagent

import (
	"encoding/json"
	"errors"

	"github.com/gorilla/websocket"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// readLoop processes the client's frames until the connection ends.
func (c *conn) readLoop() {
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				c.reg.update(func(s *SessionStats) { s.ClientCloseCode = ce.Code })
			}
			return
		}
		if mt != websocket.BinaryMessage {
			continue
		}
		f, err := ecsexec.DecodeFrame(data)
		if err != nil {
			// The service drops what it cannot parse; the sender will resend.
			c.log.V(1).Info("dropping undecodable client frame", "error", err.Error())
			continue
		}
		c.mu.Lock()
		if c.dropLeft > 0 {
			c.dropLeft--
			c.mu.Unlock()
			c.reg.update(func(s *SessionStats) { s.ClientFramesDropped++ })
			continue
		}
		c.mu.Unlock()
		switch f.MessageType {
		case ecsexec.MessageAcknowledge:
			c.onAck(f)
		case ecsexec.MessageInputStreamData:
			if err := c.onInput(f); err != nil {
				return
			}
		}
	}
}

func (c *conn) onAck(f ecsexec.Frame) {
	var ack ecsexec.AcknowledgeContent
	if err := json.Unmarshal(f.Payload, &ack); err != nil {
		return
	}
	c.mu.Lock()
	for i, p := range c.unacked {
		if p.seq == ack.SequenceNumber {
			c.unacked = append(c.unacked[:i], c.unacked[i+1:]...)
			break
		}
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.reg.update(func(s *SessionStats) { s.AcksReceived++ })
}

// onInput sequences the client's stream messages like the agent: deliver the expected
// one, buffer later ones, acknowledge all including duplicates.
func (c *conn) onInput(f ecsexec.Frame) error {
	c.mu.Lock()
	if c.paused {
		c.mu.Unlock()
		c.reg.update(func(s *SessionStats) { s.InputWhilePaused++ })
		return nil // the paused channel loses it; the client must resend
	}
	var deliver []ecsexec.Frame
	switch {
	case f.SequenceNumber == c.expectedIn:
		deliver = append(deliver, f)
		c.expectedIn++
		for {
			g, ok := c.inbuf[c.expectedIn]
			if !ok {
				break
			}
			delete(c.inbuf, c.expectedIn)
			deliver = append(deliver, g)
			c.expectedIn++
		}
	case f.SequenceNumber > c.expectedIn:
		c.inbuf[f.SequenceNumber] = f
	default:
		c.reg.update(func(s *SessionStats) { s.ClientResends++ })
	}
	c.mu.Unlock()

	if err := c.sendAck(f); err != nil {
		return err
	}
	for _, g := range deliver {
		c.deliver(g)
	}
	return nil
}

func (c *conn) sendAck(f ecsexec.Frame) error {
	body, _ := json.Marshal(ecsexec.AcknowledgeContent{
		MessageType:         f.MessageType,
		MessageID:           f.MessageID.String(),
		SequenceNumber:      f.SequenceNumber,
		IsSequentialMessage: true,
	})
	return c.write(frame(ecsexec.MessageAcknowledge, 0, ecsexec.FlagSYN|ecsexec.FlagFIN, 0, body))
}

// deliver hands handshake answers to the script; keystrokes and terminal sizes need
// no answer from a command that reads no input.
func (c *conn) deliver(f ecsexec.Frame) {
	switch f.PayloadType {
	case ecsexec.PayloadHandshakeResponse:
		var resp ecsexec.HandshakeResponsePayload
		if err := json.Unmarshal(f.Payload, &resp); err != nil {
			c.log.V(1).Info("unreadable handshake response", "error", err.Error())
			return
		}
		select {
		case c.respCh <- resp:
		default:
		}
	case ecsexec.PayloadEncChallengeResponse:
		var ch ecsexec.EncryptionChallenge
		if err := json.Unmarshal(f.Payload, &ch); err != nil {
			return
		}
		select {
		case c.challengeCh <- ch:
		default:
		}
	}
}
