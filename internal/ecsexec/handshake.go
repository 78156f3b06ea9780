package ecsexec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// onHandshakeRequest answers the agent's handshake (payload type 5). Every requested
// action gets a processed action in the response, successful or not, so the agent
// can end the session with a reason; a failed action also ends the session here.
func (s *session) onHandshakeRequest(ctx context.Context, payload []byte) error {
	var req HandshakeRequestPayload
	if err := json.Unmarshal(payload, &req); err != nil {
		return fmt.Errorf("%w: handshake request: %w", ErrHandshake, err)
	}
	s.handshakeRequested = true
	s.log.V(1).Info("handshake requested", "agentVersion", req.AgentVersion, "actions", len(req.RequestedClientActions))

	resp := HandshakeResponsePayload{ClientVersion: ClientVersion, ProcessedClientActions: []ProcessedClientAction{}}
	var failures []string
	for _, a := range req.RequestedClientActions {
		pa := ProcessedClientAction{ActionType: a.ActionType, ActionStatus: ActionSuccess}
		var err error
		switch a.ActionType {
		case ActionSessionType:
			err = checkSessionType(a.ActionParameters)
		case ActionKMSEncryption:
			pa.ActionResult, err = s.setUpEncryption(ctx, a.ActionParameters)
		default:
			pa.ActionStatus = ActionUnsupported
			err = fmt.Errorf("unsupported action %s", a.ActionType)
		}
		if err != nil {
			if pa.ActionStatus == ActionSuccess {
				pa.ActionStatus = ActionFailed
			}
			pa.Error = fmt.Sprintf("Failed to process action %s: %v", a.ActionType, err)
			failures = append(failures, pa.Error)
		}
		resp.ProcessedClientActions = append(resp.ProcessedClientActions, pa)
	}
	resp.Errors = failures
	body, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	if err := s.sendStream(PayloadHandshakeResponse, body); err != nil {
		return err
	}
	if len(failures) > 0 {
		return fmt.Errorf("%w: %s", ErrHandshake, strings.Join(failures, "; "))
	}
	return nil
}

// checkSessionType accepts the shell-like session types; a port-forwarding session
// would need a different client.
func checkSessionType(params json.RawMessage) error {
	var st SessionTypeRequest
	if err := json.Unmarshal(params, &st); err != nil {
		return fmt.Errorf("session type parameters: %w", err)
	}
	switch st.SessionType {
	case SessionTypeInteractiveCommands, SessionTypeNonInteractiveCommands, SessionTypeStandardStream:
		return nil
	}
	return fmt.Errorf("unknown session type %q", st.SessionType)
}

// setUpEncryption gets a data key from KMS and switches the session to AES-GCM. The
// agent encrypts from its next message on, so the cipher is active at once.
func (s *session) setUpEncryption(ctx context.Context, params json.RawMessage) (json.RawMessage, error) {
	var req KMSEncryptionRequest
	if err := json.Unmarshal(params, &req); err != nil {
		return nil, fmt.Errorf("KMS parameters: %w", err)
	}
	if s.c.KMS == nil {
		return nil, errors.New("the session requires KMS encryption but the client has no KMS API")
	}
	plain, blob, err := generateDataKey(ctx, s.c.KMS, req.KMSKeyID, s.s)
	if err != nil {
		return nil, err
	}
	c, err := newClientCipher(plain)
	clear(plain) // the AEADs hold their own key schedules
	if err != nil {
		return nil, err
	}
	s.cipher = c
	s.log.V(1).Info("session encryption enabled", "kmsKeyID", req.KMSKeyID)
	return json.Marshal(KMSEncryptionResponse{KMSCipherTextKey: blob})
}

// onEncChallenge proves to the agent that the client holds the data key: decrypt the
// challenge with the receiving key, encrypt it back with the sending key.
func (s *session) onEncChallenge(payload []byte) error {
	if s.cipher == nil {
		return fmt.Errorf("%w: encryption challenge before KMS encryption was set up", ErrHandshake)
	}
	var req EncryptionChallenge
	if err := json.Unmarshal(payload, &req); err != nil {
		return fmt.Errorf("%w: encryption challenge: %w", ErrHandshake, err)
	}
	plain, err := s.cipher.decrypt(req.Challenge)
	if err != nil {
		return fmt.Errorf("%w: decrypting the encryption challenge: %w", ErrHandshake, err)
	}
	sealed, err := s.cipher.encrypt(plain)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	body, err := json.Marshal(EncryptionChallenge{Challenge: sealed})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	return s.sendStream(PayloadEncChallengeResponse, body)
}

func (s *session) onHandshakeComplete(payload []byte) error {
	var hc HandshakeCompletePayload
	if err := json.Unmarshal(payload, &hc); err != nil {
		return fmt.Errorf("%w: handshake complete: %w", ErrHandshake, err)
	}
	s.handshakeComplete = true
	s.log.V(1).Info("handshake complete", "took", hc.HandshakeTimeToComplete, "customerMessage", hc.CustomerMessage)
	return nil
}
