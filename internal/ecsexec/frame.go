package ecsexec

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/google/uuid"
)

// Message types carried in a frame's 32-byte MessageType field.
const (
	MessageInputStreamData  = "input_stream_data"
	MessageOutputStreamData = "output_stream_data"
	MessageAcknowledge      = "acknowledge"
	MessageChannelClosed    = "channel_closed"
	MessageStartPublication = "start_publication"
	MessagePausePublication = "pause_publication"
)

// PayloadType says how a stream message's payload is to be read.
type PayloadType uint32

// Payload types, numbered as in the Session Manager protocol.
const (
	PayloadOutput               PayloadType = 1
	PayloadError                PayloadType = 2
	PayloadSize                 PayloadType = 3
	PayloadParameter            PayloadType = 4
	PayloadHandshakeRequest     PayloadType = 5
	PayloadHandshakeResponse    PayloadType = 6
	PayloadHandshakeComplete    PayloadType = 7
	PayloadEncChallengeRequest  PayloadType = 8
	PayloadEncChallengeResponse PayloadType = 9
	PayloadFlag                 PayloadType = 10
	PayloadStdErr               PayloadType = 11
	PayloadExitCode             PayloadType = 12
)

// Frame layout. All integers are big-endian. HeaderLength counts the bytes before the
// PayloadLength field, so the payload starts at HeaderLength+4.
const (
	HeaderLength = 116

	offHeaderLength   = 0
	offMessageType    = 4
	lenMessageType    = 32
	offSchemaVersion  = 36
	offCreatedDate    = 40
	offSequenceNumber = 48
	offFlags          = 56
	offMessageID      = 64
	offPayloadDigest  = 80
	offPayloadType    = 112
	offPayloadLength  = 116
	offPayload        = 120
)

// Flags bits as the agent sets them: SYN on the first message of a stream, FIN on the last.
const (
	FlagSYN uint64 = 1
	FlagFIN uint64 = 2
)

// Frame is one binary data-channel message.
type Frame struct {
	MessageType    string
	SchemaVersion  uint32
	CreatedDate    uint64 // milliseconds since the Unix epoch
	SequenceNumber int64
	Flags          uint64
	MessageID      uuid.UUID
	PayloadType    PayloadType
	Payload        []byte
}

// EncodedLen is the size of the frame on the wire.
func (f *Frame) EncodedLen() int { return offPayload + len(f.Payload) }

// MarshalBinary encodes the frame into a new slice.
func (f *Frame) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(make([]byte, 0, f.EncodedLen()))
}

// AppendBinary appends the encoded frame to dst, so a caller can reuse one buffer for
// every frame it sends.
func (f *Frame) AppendBinary(dst []byte) ([]byte, error) {
	if len(f.MessageType) == 0 || len(f.MessageType) > lenMessageType {
		return dst, fmt.Errorf("%w: message type %q must be 1..%d bytes", ErrMalformedFrame, f.MessageType, lenMessageType)
	}
	if uint64(len(f.Payload)) > uint64(^uint32(0)) {
		return dst, fmt.Errorf("%w: payload of %d bytes is too large", ErrMalformedFrame, len(f.Payload))
	}
	start := len(dst)
	dst = append(dst, make([]byte, f.EncodedLen())...)
	b := dst[start:]
	binary.BigEndian.PutUint32(b[offHeaderLength:], HeaderLength)
	// The type is space-padded, as the plugin and the agent write it.
	n := copy(b[offMessageType:offMessageType+lenMessageType], f.MessageType)
	for i := offMessageType + n; i < offMessageType+lenMessageType; i++ {
		b[i] = ' '
	}
	binary.BigEndian.PutUint32(b[offSchemaVersion:], f.SchemaVersion)
	binary.BigEndian.PutUint64(b[offCreatedDate:], f.CreatedDate)
	binary.BigEndian.PutUint64(b[offSequenceNumber:], uint64(f.SequenceNumber))
	binary.BigEndian.PutUint64(b[offFlags:], f.Flags)
	putMessageID(b[offMessageID:offMessageID+16], f.MessageID)
	digest := sha256.Sum256(f.Payload)
	copy(b[offPayloadDigest:offPayloadDigest+sha256.Size], digest[:])
	binary.BigEndian.PutUint32(b[offPayloadType:], uint32(f.PayloadType))
	binary.BigEndian.PutUint32(b[offPayloadLength:], uint32(len(f.Payload)))
	copy(b[offPayload:], f.Payload)
	return dst, nil
}

// DecodeFrame parses one binary message and checks its payload digest. The returned
// Payload aliases b.
//
// It is as lenient as the plugin where the plugin is lenient (an empty payload is not
// digest-checked; publication messages are control signals whose header is not
// checked) and stricter where leniency would hide corruption (a payload that does not
// fit the declared length is an error).
func DecodeFrame(b []byte) (Frame, error) {
	var f Frame
	if len(b) < offPayload {
		return f, fmt.Errorf("%w: %d bytes is shorter than the %d-byte header", ErrMalformedFrame, len(b), offPayload)
	}
	f.MessageType = messageTypeString(b[offMessageType : offMessageType+lenMessageType])
	if f.MessageType == "" {
		return f, fmt.Errorf("%w: empty message type", ErrMalformedFrame)
	}
	f.SchemaVersion = binary.BigEndian.Uint32(b[offSchemaVersion:])
	f.CreatedDate = binary.BigEndian.Uint64(b[offCreatedDate:])
	f.SequenceNumber = int64(binary.BigEndian.Uint64(b[offSequenceNumber:]))
	f.Flags = binary.BigEndian.Uint64(b[offFlags:])
	f.MessageID = getMessageID(b[offMessageID : offMessageID+16])
	f.PayloadType = PayloadType(binary.BigEndian.Uint32(b[offPayloadType:]))
	payloadLen := uint64(binary.BigEndian.Uint32(b[offPayloadLength:]))

	control := f.MessageType == MessageStartPublication || f.MessageType == MessagePausePublication
	headerLen := uint64(binary.BigEndian.Uint32(b[offHeaderLength:]))
	if headerLen < HeaderLength {
		if !control {
			return f, fmt.Errorf("%w: header length %d, want at least %d", ErrMalformedFrame, headerLen, HeaderLength)
		}
		headerLen = HeaderLength
	}
	start := headerLen + 4
	if start > uint64(len(b)) || payloadLen > uint64(len(b))-start {
		if control {
			return f, nil
		}
		return f, fmt.Errorf("%w: payload length %d exceeds the %d bytes after the header", ErrMalformedFrame, payloadLen, uint64(len(b))-min(start, uint64(len(b))))
	}
	f.Payload = b[start : start+payloadLen : start+payloadLen]
	if payloadLen > 0 && !control {
		digest := sha256.Sum256(f.Payload)
		if !bytes.Equal(digest[:], b[offPayloadDigest:offPayloadDigest+sha256.Size]) {
			return f, fmt.Errorf("%w: %s seq %d", ErrDigestInvalid, f.MessageType, f.SequenceNumber)
		}
	}
	return f, nil
}

// messageTypeString trims the padding (spaces and NULs, as peers differ) and returns
// the constant for known types so that decoding allocates no string for them.
func messageTypeString(raw []byte) string {
	t := bytes.Trim(raw, " \x00")
	switch string(t) {
	case MessageOutputStreamData:
		return MessageOutputStreamData
	case MessageAcknowledge:
		return MessageAcknowledge
	case MessageInputStreamData:
		return MessageInputStreamData
	case MessageChannelClosed:
		return MessageChannelClosed
	case MessageStartPublication:
		return MessageStartPublication
	case MessagePausePublication:
		return MessagePausePublication
	}
	return string(t)
}

// putMessageID writes the UUID with its halves swapped: the service serialises a UUID
// as (least significant 64 bits, most significant 64 bits), Java style.
func putMessageID(dst []byte, id uuid.UUID) {
	copy(dst[0:8], id[8:16])
	copy(dst[8:16], id[0:8])
}

func getMessageID(src []byte) uuid.UUID {
	var id uuid.UUID
	copy(id[0:8], src[8:16])
	copy(id[8:16], src[0:8])
	return id
}
