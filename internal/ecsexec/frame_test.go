package ecsexec

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/google/uuid"
)

var testID = uuid.MustParse("00112233-4455-6677-8899-aabbccddeeff")

// TestFrameLayout pins every field to its wire position, independently of the
// decoder, so that encoder and decoder cannot agree on a wrong layout.
func TestFrameLayout(t *testing.T) {
	f := Frame{
		MessageType:    MessageOutputStreamData,
		SchemaVersion:  1,
		CreatedDate:    0x0102030405060708,
		SequenceNumber: 42,
		Flags:          3,
		MessageID:      testID,
		PayloadType:    PayloadOutput,
		Payload:        []byte("hello\r\n"),
	}
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 120+7 {
		t.Fatalf("len = %d, want 127", len(b))
	}
	if got := binary.BigEndian.Uint32(b[0:]); got != 116 {
		t.Errorf("HeaderLength = %d, want 116", got)
	}
	wantType := append([]byte(MessageOutputStreamData), bytes.Repeat([]byte(" "), 32-len(MessageOutputStreamData))...)
	if !bytes.Equal(b[4:36], wantType) {
		t.Errorf("MessageType = %q, want space-padded %q", b[4:36], wantType)
	}
	if got := binary.BigEndian.Uint32(b[36:]); got != 1 {
		t.Errorf("SchemaVersion = %d", got)
	}
	if got := binary.BigEndian.Uint64(b[40:]); got != 0x0102030405060708 {
		t.Errorf("CreatedDate = %x", got)
	}
	if got := binary.BigEndian.Uint64(b[48:]); got != 42 {
		t.Errorf("SequenceNumber = %d", got)
	}
	if got := binary.BigEndian.Uint64(b[56:]); got != 3 {
		t.Errorf("Flags = %d", got)
	}
	wantID := []byte{0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77}
	if !bytes.Equal(b[64:80], wantID) {
		t.Errorf("MessageId = %x, want the UUID's halves swapped %x", b[64:80], wantID)
	}
	digest := sha256.Sum256([]byte("hello\r\n"))
	if !bytes.Equal(b[80:112], digest[:]) {
		t.Errorf("PayloadDigest = %x", b[80:112])
	}
	if got := binary.BigEndian.Uint32(b[112:]); got != 1 {
		t.Errorf("PayloadType = %d", got)
	}
	if got := binary.BigEndian.Uint32(b[116:]); got != 7 {
		t.Errorf("PayloadLength = %d", got)
	}
	if string(b[120:]) != "hello\r\n" {
		t.Errorf("Payload = %q", b[120:])
	}
}

func TestFrameRoundTripAllTypes(t *testing.T) {
	types := []string{MessageInputStreamData, MessageOutputStreamData, MessageAcknowledge, MessageChannelClosed, MessageStartPublication, MessagePausePublication, "agent_session_state"}
	for _, mt := range types {
		for pt := PayloadType(0); pt <= PayloadExitCode; pt++ {
			f := Frame{MessageType: mt, SchemaVersion: 1, CreatedDate: 1700000000123, SequenceNumber: -1 + int64(pt), Flags: uint64(pt), MessageID: uuid.New(), PayloadType: pt, Payload: []byte(`{"x":1}`)}
			b, err := f.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			g, err := DecodeFrame(b)
			if err != nil {
				t.Fatalf("%s/%d: %v", mt, pt, err)
			}
			if !reflect.DeepEqual(f, g) {
				t.Fatalf("%s/%d: round trip\n got %+v\nwant %+v", mt, pt, g, f)
			}
		}
	}
}

func TestDecodeTrimsNULPadding(t *testing.T) {
	f := Frame{MessageType: MessageAcknowledge, SchemaVersion: 1, MessageID: testID, Payload: []byte("{}")}
	b, _ := f.MarshalBinary()
	for i := 4 + len(MessageAcknowledge); i < 36; i++ {
		b[i] = 0
	}
	g, err := DecodeFrame(b)
	if err != nil || g.MessageType != MessageAcknowledge {
		t.Fatalf("got %q, %v", g.MessageType, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, _ := (&Frame{MessageType: MessageOutputStreamData, MessageID: testID, PayloadType: PayloadOutput, Payload: []byte("data")}).MarshalBinary()
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"short", good[:119], ErrMalformedFrame},
		{"digest", mutate(func(b []byte) []byte { b[80] ^= 1; return b }), ErrDigestInvalid},
		{"payload changed", mutate(func(b []byte) []byte { b[120] ^= 1; return b }), ErrDigestInvalid},
		{"length beyond frame", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[116:], 5); return b }), ErrMalformedFrame},
		{"huge length", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[116:], 0xffffffff); return b }), ErrMalformedFrame},
		{"header too short", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[0:], 100); return b }), ErrMalformedFrame},
		{"header beyond frame", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[0:], 0xfffffff0); return b }), ErrMalformedFrame},
		{"empty type", mutate(func(b []byte) []byte { copy(b[4:36], bytes.Repeat([]byte(" "), 32)); return b }), ErrMalformedFrame},
	}
	for _, c := range cases {
		if _, err := DecodeFrame(c.in); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

// Empty payloads are not digest-checked, as in the plugin, and publication signals
// are accepted even with a header the service may leave empty.
func TestDecodeLenientWherePluginIs(t *testing.T) {
	f := Frame{MessageType: MessageAcknowledge, MessageID: testID}
	b, _ := f.MarshalBinary()
	clear(b[80:112])
	if _, err := DecodeFrame(b); err != nil {
		t.Errorf("empty payload with zero digest: %v", err)
	}
	p := make([]byte, 120)
	copy(p[4:], MessagePausePublication)
	g, err := DecodeFrame(p)
	if err != nil || g.MessageType != MessagePausePublication {
		t.Errorf("bare pause_publication: %q, %v", g.MessageType, err)
	}
}

func TestEncodeRejectsLongType(t *testing.T) {
	f := Frame{MessageType: string(bytes.Repeat([]byte("x"), 33))}
	if _, err := f.MarshalBinary(); !errors.Is(err, ErrMalformedFrame) {
		t.Fatalf("err = %v", err)
	}
}

// AppendBinary must append, not overwrite what the buffer already holds.
func TestAppendBinaryAppends(t *testing.T) {
	f := Frame{MessageType: MessageAcknowledge, MessageID: testID, Payload: []byte("{}")}
	b, err := f.AppendBinary([]byte("prefix"))
	if err != nil || string(b[:6]) != "prefix" {
		t.Fatalf("%q %v", b[:6], err)
	}
	if _, err := DecodeFrame(b[6:]); err != nil {
		t.Fatal(err)
	}
}
