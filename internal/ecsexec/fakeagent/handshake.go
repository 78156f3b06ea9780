package fakeagent

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// agentVersion is what the fake announces in its handshake request.
const agentVersion = "3.3.0.0"

// handshake runs the agent's side: request (session type, and KMS encryption in
// ModeHandshakeKMS), response, encryption challenge, complete. Its errors become the
// channel_closed reason, worded like the agent's.
func (c *conn) handshake(ctx context.Context) error {
	start := time.Now()
	kms := c.cfg.Mode == ModeHandshakeKMS
	if kms && c.a.decrypt == nil && c.cfg.Decrypt == nil {
		return errors.New("fake agent: KMS session without a KMSDecrypter")
	}
	req, err := c.handshakeRequest(kms)
	if err != nil {
		return err
	}
	send := func() error { return c.sendStream(ctx, ecsexec.PayloadHandshakeRequest, req) }
	if c.cfg.Faults.PausePublication {
		err = c.pause(ctx, send)
	} else {
		err = send()
	}
	if err != nil {
		return err
	}

	resp, err := awaitResponse(ctx, c.respCh, "Handshake")
	if err != nil {
		return err
	}
	if err := c.processResponse(ctx, resp, kms); err != nil {
		return err
	}
	if kms {
		if err := c.challenge(ctx); err != nil {
			return err
		}
	}
	complete := ecsexec.HandshakeCompletePayload{HandshakeTimeToComplete: time.Since(start)}
	if kms {
		complete.CustomerMessage = "This session is encrypted using AWS KMS."
	}
	body, _ := json.Marshal(complete)
	if err := c.sendStream(ctx, ecsexec.PayloadHandshakeComplete, body); err != nil {
		return err
	}
	c.reg.update(func(s *SessionStats) { s.HandshakeCompleted = true })
	return nil
}

func (c *conn) handshakeRequest(kms bool) ([]byte, error) {
	st, _ := json.Marshal(ecsexec.SessionTypeRequest{
		SessionType: ecsexec.SessionTypeInteractiveCommands,
		Properties:  json.RawMessage(`{"commands":` + mustJSON(c.cfg.Command) + `}`),
	})
	req := ecsexec.HandshakeRequestPayload{
		AgentVersion:           agentVersion,
		RequestedClientActions: []ecsexec.RequestedClientAction{{ActionType: ecsexec.ActionSessionType, ActionParameters: st}},
	}
	if kms {
		var ch [16]byte
		_, _ = rand.Read(ch[:])
		p, _ := json.Marshal(ecsexec.KMSEncryptionRequest{KMSKeyID: c.cfg.KMSKeyID, Challenge: base64.StdEncoding.EncodeToString(ch[:])})
		req.RequestedClientActions = append(req.RequestedClientActions, ecsexec.RequestedClientAction{ActionType: ecsexec.ActionKMSEncryption, ActionParameters: p})
	}
	return json.Marshal(req)
}

// processResponse checks every processed action and, for KMS, decrypts the data key
// the client generated, under the session's encryption context.
func (c *conn) processResponse(ctx context.Context, resp ecsexec.HandshakeResponsePayload, kms bool) error {
	gotKMS := false
	for _, a := range resp.ProcessedClientActions {
		if a.ActionStatus != ecsexec.ActionSuccess {
			return fmt.Errorf("%s failed on client with status %d error: %s", a.ActionType, a.ActionStatus, a.Error)
		}
		if a.ActionType != ecsexec.ActionKMSEncryption {
			continue
		}
		var r ecsexec.KMSEncryptionResponse
		if err := json.Unmarshal(a.ActionResult, &r); err != nil {
			return fmt.Errorf("KMSEncryption result: %w", err)
		}
		decrypt := c.a.decrypt
		if c.cfg.Decrypt != nil {
			decrypt = c.cfg.Decrypt
		}
		key, err := decrypt(ctx, r.KMSCipherTextKey, map[string]string{
			ecsexec.EncryptionContextSessionID: c.cfg.SessionID,
			ecsexec.EncryptionContextTargetID:  c.cfg.TargetID,
		})
		if err != nil {
			return fmt.Errorf("Fetching data key failed: Unable to retrieve data key, %w", err) //nolint:staticcheck // the agent's own words
		}
		ciph, err := newAgentCipher(key)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.cipher = ciph
		c.mu.Unlock()
		gotKMS = true
		c.reg.update(func(s *SessionStats) { s.Encrypted = true })
	}
	if kms && !gotKMS {
		return errors.New("KMSEncryption was requested but the client did not process it")
	}
	return nil
}

// challenge makes the client prove it holds the data key.
func (c *conn) challenge(ctx context.Context) error {
	plain := make([]byte, 64)
	_, _ = rand.Read(plain)
	body, _ := json.Marshal(ecsexec.EncryptionChallenge{Challenge: c.cipher.encrypt(plain)})
	if err := c.sendStream(ctx, ecsexec.PayloadEncChallengeRequest, body); err != nil {
		return err
	}
	resp, err := awaitResponse(ctx, c.challengeCh, "Encryption challenge")
	if err != nil {
		return err
	}
	got, err := c.cipher.decrypt(resp.Challenge)
	if err != nil || !bytes.Equal(got, plain) {
		return errors.New("Encryption challenge does not match!") //nolint:staticcheck // the agent's own words
	}
	return nil
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
