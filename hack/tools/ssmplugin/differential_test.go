package ssmplugin

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/session-manager-plugin/src/message"
	twinuuid "github.com/twinj/uuid"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/google/uuid"
)

var messageTypes = []string{
	ecsexec.MessageInputStreamData, ecsexec.MessageOutputStreamData, ecsexec.MessageAcknowledge,
	ecsexec.MessageChannelClosed, ecsexec.MessageStartPublication, ecsexec.MessagePausePublication,
}

// Each message type with each payload type of the protocol, and payloads empty,
// small and a full 1024-byte chunk.
func eachCase(t *testing.T, f func(t *testing.T, mt string, pt ecsexec.PayloadType, payload []byte, seq int64)) {
	payloads := [][]byte{nil, []byte(`{"k":"v"}`), bytes.Repeat([]byte{0xfe}, 1024)}
	for _, mt := range messageTypes {
		for pt := ecsexec.PayloadType(0); pt <= ecsexec.PayloadExitCode; pt++ {
			for i, p := range payloads {
				t.Run(mt, func(t *testing.T) { f(t, mt, pt, p, int64(pt)*1000+int64(i)) })
			}
		}
	}
}

func TestOurFramesDecodeWithPlugin(t *testing.T) {
	eachCase(t, func(t *testing.T, mt string, pt ecsexec.PayloadType, payload []byte, seq int64) {
		ours := ecsexec.Frame{
			MessageType: mt, SchemaVersion: 1, CreatedDate: uint64(time.Now().UnixMilli()),
			SequenceNumber: seq, Flags: uint64(seq % 4), MessageID: uuid.New(), PayloadType: pt, Payload: payload,
		}
		b, err := ours.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var cm message.ClientMessage
		if err := cm.DeserializeClientMessage(quietLog{}, b); err != nil {
			t.Fatalf("plugin cannot deserialize: %v", err)
		}
		if err := cm.Validate(); err != nil {
			t.Fatalf("plugin rejects: %v", err)
		}
		digest := sha256.Sum256(payload)
		if cm.HeaderLength != ecsexec.HeaderLength || cm.MessageType != mt || cm.SchemaVersion != 1 ||
			cm.CreatedDate != ours.CreatedDate || cm.SequenceNumber != seq || cm.Flags != ours.Flags ||
			cm.MessageId.String() != ours.MessageID.String() || !bytes.Equal(cm.PayloadDigest, digest[:]) ||
			cm.PayloadType != uint32(pt) || cm.PayloadLength != uint32(len(payload)) || !bytes.Equal(cm.Payload, payload) {
			t.Fatalf("plugin decoded\n%+v\nfrom\n%+v", cm, ours)
		}
	})
}

func TestPluginFramesDecodeWithOurs(t *testing.T) {
	eachCase(t, func(t *testing.T, mt string, pt ecsexec.PayloadType, payload []byte, seq int64) {
		cm := message.ClientMessage{
			MessageType: mt, SchemaVersion: 1, CreatedDate: uint64(time.Now().UnixMilli()),
			SequenceNumber: seq, Flags: uint64(seq % 4), MessageId: twinuuid.NewV4(), PayloadType: uint32(pt), Payload: payload,
		}
		b, err := cm.SerializeClientMessage(quietLog{})
		if len(payload) == 0 {
			// The plugin's encoder cannot write an empty payload (its bounds check
			// rejects it), so it never sends one; there is nothing to compare.
			if err == nil {
				t.Fatal("the plugin encoded an empty payload; compare it")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		f, err := ecsexec.DecodeFrame(b)
		if err != nil {
			t.Fatalf("we cannot decode the plugin's frame: %v", err)
		}
		if f.MessageType != mt || f.SchemaVersion != 1 || f.CreatedDate != cm.CreatedDate || f.SequenceNumber != seq ||
			f.Flags != cm.Flags || f.MessageID.String() != cm.MessageId.String() || !bytes.Equal(f.MessageID[:], cm.MessageId.Bytes()) ||
			f.PayloadType != pt || !bytes.Equal(f.Payload, payload) {
			t.Fatalf("we decoded\n%+v\nfrom\n%+v", f, cm)
		}
		// Byte for byte: both encoders produce the same frame for the same message.
		ours := f
		ours.Payload = payload
		again, _ := ours.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs from the plugin's bytes")
		}
	})
}

func TestPluginAckDecodesWithOurs(t *testing.T) {
	ack := message.AcknowledgeContent{MessageType: message.OutputStreamMessage, MessageId: twinuuid.NewV4().String(), SequenceNumber: 77, IsSequentialMessage: true}
	b, err := message.SerializeClientMessageWithAcknowledgeContent(quietLog{}, ack)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ecsexec.DecodeFrame(b)
	if err != nil || f.MessageType != ecsexec.MessageAcknowledge {
		t.Fatalf("%+v %v", f, err)
	}
	var got ecsexec.AcknowledgeContent
	if err := json.Unmarshal(f.Payload, &got); err != nil {
		t.Fatal(err)
	}
	want := ecsexec.AcknowledgeContent{MessageType: ack.MessageType, MessageID: ack.MessageId, SequenceNumber: 77, IsSequentialMessage: true}
	if got != want {
		t.Fatalf("got %+v want %+v", got, want)
	}
}

// The JSON payloads agree field by field in both directions.
func TestPayloadsAgreeWithPlugin(t *testing.T) {
	roundTrip := func(t *testing.T, from, to any) {
		t.Helper()
		b, err := json.Marshal(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, to); err != nil {
			t.Fatal(err)
		}
	}

	st, _ := json.Marshal(message.SessionTypeRequest{SessionType: "InteractiveCommands", Properties: map[string]any{"commands": "ls"}})
	kmsReq, _ := json.Marshal(message.KMSEncryptionRequest{KMSKeyID: "arn:aws:kms:ap-northeast-1:123456789012:key/k"})
	var req ecsexec.HandshakeRequestPayload
	roundTrip(t, message.HandshakeRequestPayload{AgentVersion: "3.3.0.0", RequestedClientActions: []message.RequestedClientAction{
		{ActionType: message.SessionType, ActionParameters: st}, {ActionType: message.KMSEncryption, ActionParameters: kmsReq},
	}}, &req)
	var ours ecsexec.SessionTypeRequest
	var oursKMS ecsexec.KMSEncryptionRequest
	if req.AgentVersion != "3.3.0.0" || len(req.RequestedClientActions) != 2 || req.RequestedClientActions[1].ActionType != ecsexec.ActionKMSEncryption ||
		json.Unmarshal(req.RequestedClientActions[0].ActionParameters, &ours) != nil || ours.SessionType != ecsexec.SessionTypeInteractiveCommands ||
		json.Unmarshal(req.RequestedClientActions[1].ActionParameters, &oursKMS) != nil || oursKMS.KMSKeyID != "arn:aws:kms:ap-northeast-1:123456789012:key/k" {
		t.Fatalf("handshake request %+v", req)
	}

	result, _ := json.Marshal(ecsexec.KMSEncryptionResponse{KMSCipherTextKey: []byte{1, 2, 3}})
	var resp message.HandshakeResponsePayload
	roundTrip(t, ecsexec.HandshakeResponsePayload{ClientVersion: ecsexec.ClientVersion, ProcessedClientActions: []ecsexec.ProcessedClientAction{
		{ActionType: ecsexec.ActionSessionType, ActionStatus: ecsexec.ActionSuccess},
		{ActionType: ecsexec.ActionKMSEncryption, ActionStatus: ecsexec.ActionSuccess, ActionResult: result},
		{ActionType: "Other", ActionStatus: ecsexec.ActionUnsupported, Error: "Unsupported action Other"},
	}, Errors: []string{"Unsupported action Other"}}, &resp)
	var pluginKMS message.KMSEncryptionResponse
	r, _ := json.Marshal(resp.ProcessedClientActions[1].ActionResult)
	if resp.ClientVersion != ecsexec.ClientVersion || resp.ProcessedClientActions[0].ActionStatus != message.Success ||
		resp.ProcessedClientActions[2].ActionStatus != message.Unsupported || json.Unmarshal(r, &pluginKMS) != nil ||
		!bytes.Equal(pluginKMS.KMSCipherTextKey, []byte{1, 2, 3}) || !reflect.DeepEqual(resp.Errors, []string{"Unsupported action Other"}) {
		t.Fatalf("handshake response %+v", resp)
	}

	var hc ecsexec.HandshakeCompletePayload
	roundTrip(t, message.HandshakeCompletePayload{HandshakeTimeToComplete: 1500 * time.Millisecond, CustomerMessage: "hi"}, &hc)
	if hc.HandshakeTimeToComplete != 1500*time.Millisecond || hc.CustomerMessage != "hi" {
		t.Fatalf("handshake complete %+v", hc)
	}

	var chReq ecsexec.EncryptionChallenge
	roundTrip(t, message.EncryptionChallengeRequest{Challenge: []byte("sealed")}, &chReq)
	var chResp message.EncryptionChallengeResponse
	roundTrip(t, ecsexec.EncryptionChallenge{Challenge: []byte("resealed")}, &chResp)
	if string(chReq.Challenge) != "sealed" || string(chResp.Challenge) != "resealed" {
		t.Fatal("encryption challenge payloads differ")
	}

	var cc ecsexec.ChannelClosed
	roundTrip(t, message.ChannelClosed{MessageId: "m", CreatedDate: "d", DestinationId: "ecs:t", SessionId: "s", MessageType: "channel_closed", SchemaVersion: 1, Output: "bye"}, &cc)
	want := ecsexec.ChannelClosed{MessageID: "m", CreatedDate: "d", DestinationID: "ecs:t", SessionID: "s", MessageType: "channel_closed", SchemaVersion: 1, Output: "bye"}
	if cc != want {
		t.Fatalf("channel closed %+v", cc)
	}
}
