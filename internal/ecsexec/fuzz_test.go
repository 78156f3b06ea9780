package ecsexec

import (
	"errors"
	"reflect"
	"testing"

	"github.com/google/uuid"
)

// FuzzDecodeFrame: the decoder never panics, fails only with its two error kinds,
// and whatever it accepts re-encodes to a frame that decodes to the same value.
func FuzzDecodeFrame(f *testing.F) {
	for _, fr := range seedFrames() {
		b, err := fr.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	f.Add([]byte{})
	f.Add(make([]byte, 120))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedFrame) && !errors.Is(err, ErrDigestInvalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(fr.MessageType) == 0 || len(fr.MessageType) > 32 {
			t.Fatalf("accepted message type %q", fr.MessageType)
		}
		again, err := fr.MarshalBinary()
		if err != nil {
			// Only a type with inner padding characters cannot be re-encoded as is.
			return
		}
		fr2, err := DecodeFrame(again)
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		if fr.Payload == nil {
			fr.Payload = []byte{}
		}
		if !reflect.DeepEqual(fr, fr2) {
			t.Fatalf("round trip changed the frame\n got %+v\nwant %+v", fr2, fr)
		}
	})
}

func seedFrames() []Frame {
	id := uuid.MustParse("f47ac10b-58cc-4372-a567-0e02b2c3d479")
	return []Frame{
		{MessageType: MessageOutputStreamData, SchemaVersion: 1, CreatedDate: 1700000000000, SequenceNumber: 0, Flags: FlagSYN, MessageID: id, PayloadType: PayloadOutput, Payload: []byte("hello\r\n")},
		{MessageType: MessageOutputStreamData, SchemaVersion: 1, SequenceNumber: 1, MessageID: id, PayloadType: PayloadHandshakeRequest, Payload: []byte(`{"AgentVersion":"3.3.0.0","RequestedClientActions":[]}`)},
		{MessageType: MessageInputStreamData, SchemaVersion: 1, SequenceNumber: 7, MessageID: id, PayloadType: PayloadHandshakeResponse, Payload: []byte(`{"ClientVersion":"1.2.650.0"}`)},
		{MessageType: MessageAcknowledge, SchemaVersion: 1, Flags: 3, MessageID: id, Payload: []byte(`{"AcknowledgedMessageType":"output_stream_data","AcknowledgedMessageId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","AcknowledgedMessageSequenceNumber":0,"IsSequentialMessage":true}`)},
		{MessageType: MessageChannelClosed, SchemaVersion: 1, MessageID: id, Payload: []byte(`{"Output":""}`)},
		{MessageType: MessagePausePublication, MessageID: id},
		{MessageType: MessageStartPublication, MessageID: id},
	}
}
