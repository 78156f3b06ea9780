package ecsexec

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
)

// The hand-written ack payload must be exactly what encoding/json produces.
func TestAppendAckJSONMatchesEncodingJSON(t *testing.T) {
	for _, seq := range []int64{0, 1, 123456789, -5} {
		f := Frame{MessageType: MessageOutputStreamData, MessageID: uuid.New(), SequenceNumber: seq}
		want, _ := json.Marshal(AcknowledgeContent{MessageType: f.MessageType, MessageID: f.MessageID.String(), SequenceNumber: seq, IsSequentialMessage: true})
		if got := appendAckJSON(nil, f); string(got) != string(want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
}
