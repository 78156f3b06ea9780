package ecsexec

import (
	"encoding/json"
	"strconv"
)

// appendAckJSON appends the acknowledge payload for f. It is written by hand because
// one ack goes out per output frame and encoding/json would dominate allocations; the
// fields are a known message type, a UUID and an integer, so no escaping is needed.
func appendAckJSON(dst []byte, f Frame) []byte {
	dst = append(dst, `{"AcknowledgedMessageType":"`...)
	dst = append(dst, f.MessageType...)
	dst = append(dst, `","AcknowledgedMessageId":"`...)
	dst = appendUUID(dst, f.MessageID)
	dst = append(dst, `","AcknowledgedMessageSequenceNumber":`...)
	dst = strconv.AppendInt(dst, f.SequenceNumber, 10)
	dst = append(dst, `,"IsSequentialMessage":true}`...)
	return dst
}

// appendUUID appends the canonical lowercase 8-4-4-4-12 form.
func appendUUID(dst []byte, id [16]byte) []byte {
	const hex = "0123456789abcdef"
	for i, b := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hex[b>>4], hex[b&0x0f])
	}
	return dst
}

func parseAck(payload []byte) (AcknowledgeContent, error) {
	var a AcknowledgeContent
	err := json.Unmarshal(payload, &a)
	return a, err
}

func parseChannelClosed(payload []byte) (ChannelClosed, error) {
	var cc ChannelClosed
	err := json.Unmarshal(payload, &cc)
	return cc, err
}
