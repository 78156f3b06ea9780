package ssmplugin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/session-manager-plugin/src/encryption"
	"github.com/aws/session-manager-plugin/src/message"
	"github.com/aws/session-manager-plugin/src/service"
	"github.com/gorilla/websocket"
	twinuuid "github.com/twinj/uuid"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/ecsexec/fakeagent"
)

// TestClientFramesAgainstPluginCodec drives the ecsexec client with an agent built
// from the plugin's own code: its message package encodes every agent frame and
// decodes every frame the client sends (the open frame, acks, the handshake and
// challenge responses), and its encryption package seals and opens the payloads.
func TestClientFramesAgainstPluginCodec(t *testing.T) {
	k := fakeagent.NewKMS()
	s := ecsexec.Session{SessionID: "ecs-execute-command-wire", TokenValue: "token-wire", TargetID: "ecs:c_t_r"}
	nonce := ecsexec.NewNonce()
	output := "hello from the plugin codec\r\nECSCHECK-EXIT " + nonce + " 3\r\n"

	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer ws.Close()
		if err := pluginAgent(ws, k, s, output); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	s.StreamURL = "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/data-channel/" + s.SessionID

	c := ecsexec.Client{KMS: k}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.Run(ctx, s, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != "hello from the plugin codec\n" || res.ExitCode != 3 {
		t.Fatalf("%+v", res)
	}
}

// pluginAgent is the agent side of one encrypted session, written with the plugin's
// packages. It returns the first disagreement it finds.
func pluginAgent(ws *websocket.Conn, k *fakeagent.KMS, s ecsexec.Session, output string) error {
	_ = ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	var open service.OpenDataChannelInput
	mt, data, err := ws.ReadMessage()
	if err != nil || mt != websocket.TextMessage || json.Unmarshal(data, &open) != nil {
		return fmt.Errorf("open frame: type %d, %v, %s", mt, err, data)
	}
	if *open.MessageSchemaVersion != "1.0" || *open.TokenValue != s.TokenValue || len(*open.RequestId) < 16 || *open.ClientId == "" || *open.ClientVersion == "" {
		return fmt.Errorf("OpenDataChannelInput %s", data)
	}

	var seq int64
	send := func(msgType string, pt message.PayloadType, payload []byte) (twinuuid.UUID, error) {
		id := twinuuid.NewV4()
		cm := message.ClientMessage{MessageType: msgType, SchemaVersion: 1, CreatedDate: uint64(time.Now().UnixMilli()), SequenceNumber: seq, MessageId: id, PayloadType: uint32(pt), Payload: payload}
		if msgType == message.OutputStreamMessage {
			seq++
		}
		b, err := cm.SerializeClientMessage(quietLog{})
		if err != nil {
			return nil, err
		}
		return id, ws.WriteMessage(websocket.BinaryMessage, b)
	}
	// expect reads the client's next frames: the ack of agent message `acked`, and,
	// when wantPayload is not 0, the client stream message of that payload type,
	// which it acknowledges with the plugin's own ack encoder.
	expect := func(acked twinuuid.UUID, ackedSeq int64, wantPayload message.PayloadType, wantSeq int64) ([]byte, error) {
		var got []byte
		gotAck := false
		for !gotAck || (wantPayload != 0 && got == nil) {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return nil, err
			}
			var cm message.ClientMessage
			if err := cm.DeserializeClientMessage(quietLog{}, data); err != nil {
				return nil, fmt.Errorf("plugin cannot deserialize a client frame: %v", err)
			}
			if err := cm.Validate(); err != nil {
				return nil, fmt.Errorf("plugin rejects a client frame: %v", err)
			}
			switch cm.MessageType {
			case message.AcknowledgeMessage:
				ack, err := cm.DeserializeDataStreamAcknowledgeContent(quietLog{})
				if err != nil || ack.SequenceNumber != ackedSeq || ack.MessageId != acked.String() || ack.MessageType != message.OutputStreamMessage || !ack.IsSequentialMessage {
					return nil, fmt.Errorf("ack %+v (%v), want seq %d id %s", ack, err, ackedSeq, acked)
				}
				gotAck = true
			case message.InputStreamMessage:
				if cm.PayloadType != uint32(wantPayload) || cm.SequenceNumber != wantSeq {
					return nil, fmt.Errorf("client message payload type %d seq %d, want %d seq %d", cm.PayloadType, cm.SequenceNumber, wantPayload, wantSeq)
				}
				got = cm.Payload
				b, err := message.SerializeClientMessageWithAcknowledgeContent(quietLog{}, message.AcknowledgeContent{MessageType: cm.MessageType, MessageId: cm.MessageId.String(), SequenceNumber: cm.SequenceNumber, IsSequentialMessage: true})
				if err != nil {
					return nil, err
				}
				if err := ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("unexpected client message %q", cm.MessageType)
			}
		}
		return got, nil
	}

	// Handshake request: session type and KMS encryption.
	st, _ := json.Marshal(message.SessionTypeRequest{SessionType: "InteractiveCommands"})
	kr, _ := json.Marshal(message.KMSEncryptionRequest{KMSKeyID: "alias/wire"})
	req, _ := json.Marshal(message.HandshakeRequestPayload{AgentVersion: "3.3.0.0", RequestedClientActions: []message.RequestedClientAction{
		{ActionType: message.SessionType, ActionParameters: st}, {ActionType: message.KMSEncryption, ActionParameters: kr},
	}})
	id, err := send(message.OutputStreamMessage, message.HandshakeRequestPayloadType, req)
	if err != nil {
		return err
	}
	payload, err := expect(id, 0, message.HandshakeResponsePayloadType, 0)
	if err != nil {
		return err
	}
	var resp message.HandshakeResponsePayload
	if err := json.Unmarshal(payload, &resp); err != nil || len(resp.ProcessedClientActions) != 2 || len(resp.Errors) != 0 {
		return fmt.Errorf("handshake response %s (%v)", payload, err)
	}
	var kmsResult message.KMSEncryptionResponse
	raw, _ := json.Marshal(resp.ProcessedClientActions[1].ActionResult)
	if resp.ProcessedClientActions[1].ActionStatus != message.Success || json.Unmarshal(raw, &kmsResult) != nil {
		return fmt.Errorf("KMS action %+v", resp.ProcessedClientActions[1])
	}
	key, err := k.Decrypt(context.Background(), kmsResult.KMSCipherTextKey, map[string]string{"aws:ssm:SessionId": s.SessionID, "aws:ssm:TargetId": s.TargetID})
	if err != nil {
		return fmt.Errorf("data key: %v", err)
	}
	agent, err := agentEncrypter(key)
	if err != nil {
		return err
	}

	// Encryption challenge.
	challenge := make([]byte, 64)
	_, _ = rand.Read(challenge)
	sealed, _ := agent.Encrypt(quietLog{}, challenge)
	body, _ := json.Marshal(message.EncryptionChallengeRequest{Challenge: sealed})
	if id, err = send(message.OutputStreamMessage, message.EncChallengeRequest, body); err != nil {
		return err
	}
	if payload, err = expect(id, 1, message.EncChallengeResponse, 1); err != nil {
		return err
	}
	var chResp message.EncryptionChallengeResponse
	if err := json.Unmarshal(payload, &chResp); err != nil {
		return err
	}
	if back, err := agent.Decrypt(quietLog{}, chResp.Challenge); err != nil || !bytes.Equal(back, challenge) {
		return fmt.Errorf("challenge response does not match (%v)", err)
	}

	// Handshake complete, encrypted output, channel closed.
	hc, _ := json.Marshal(message.HandshakeCompletePayload{HandshakeTimeToComplete: time.Second, CustomerMessage: "This session is encrypted using AWS KMS."})
	if id, err = send(message.OutputStreamMessage, message.HandshakeCompletePayloadType, hc); err != nil {
		return err
	}
	if _, err = expect(id, 2, 0, 0); err != nil {
		return err
	}
	enc, _ := agent.Encrypt(quietLog{}, []byte(output))
	if id, err = send(message.OutputStreamMessage, message.Output, enc); err != nil {
		return err
	}
	if _, err = expect(id, 3, 0, 0); err != nil {
		return err
	}
	cc, _ := json.Marshal(message.ChannelClosed{MessageId: twinuuid.NewV4().String(), SessionId: s.SessionID, MessageType: message.ChannelClosedMessage, SchemaVersion: 1})
	_, err = send(message.ChannelClosedMessage, 0, cc)
	return err
}

// agentEncrypter builds the plugin's Encrypter in the agent's role: the plugin (a
// client) receives with the first half of the data key and sends with the second,
// so handing it the halves swapped gives the agent's keys.
func agentEncrypter(key []byte) (*encryption.Encrypter, error) {
	swapped := append(append([]byte{}, key[32:]...), key[:32]...)
	return encryption.NewEncrypter(quietLog{}, "alias/wire", nil, staticKey(swapped))
}

type staticKey []byte

func (s staticKey) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return &kms.GenerateDataKeyOutput{Plaintext: s, CiphertextBlob: []byte("unused")}, nil
}

func (s staticKey) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return &kms.DecryptOutput{Plaintext: s}, nil
}
