package ecsexec

import (
	"encoding/json"
	"time"
)

// OpenDataChannelInput is the text frame that opens the data channel; it carries the
// session token, which must never be logged.
type OpenDataChannelInput struct {
	MessageSchemaVersion string `json:"MessageSchemaVersion"`
	RequestID            string `json:"RequestId"`
	TokenValue           string `json:"TokenValue"`
	ClientID             string `json:"ClientId"`
	ClientVersion        string `json:"ClientVersion"`
}

// AcknowledgeContent is the payload of an acknowledge message.
type AcknowledgeContent struct {
	MessageType         string `json:"AcknowledgedMessageType"`
	MessageID           string `json:"AcknowledgedMessageId"`
	SequenceNumber      int64  `json:"AcknowledgedMessageSequenceNumber"`
	IsSequentialMessage bool   `json:"IsSequentialMessage"`
}

// ChannelClosed is the payload of a channel_closed message. A non-empty Output is the
// reason the session ended abnormally.
type ChannelClosed struct {
	MessageID     string `json:"MessageId"`
	CreatedDate   string `json:"CreatedDate"`
	DestinationID string `json:"DestinationId"`
	SessionID     string `json:"SessionId"`
	MessageType   string `json:"MessageType"`
	SchemaVersion int    `json:"SchemaVersion"`
	Output        string `json:"Output"`
}

// Handshake action types and statuses.
const (
	ActionKMSEncryption = "KMSEncryption"
	ActionSessionType   = "SessionType"

	ActionSuccess     = 1
	ActionFailed      = 2
	ActionUnsupported = 3
)

// Session types the agent may announce. ECS Exec uses InteractiveCommands.
const (
	SessionTypeInteractiveCommands    = "InteractiveCommands"
	SessionTypeNonInteractiveCommands = "NonInteractiveCommands"
	SessionTypeStandardStream         = "Standard_Stream"
)

// HandshakeRequestPayload is sent by the agent (payload type 5).
type HandshakeRequestPayload struct {
	AgentVersion           string                  `json:"AgentVersion"`
	RequestedClientActions []RequestedClientAction `json:"RequestedClientActions"`
}

// RequestedClientAction is one action of a handshake request.
type RequestedClientAction struct {
	ActionType       string          `json:"ActionType"`
	ActionParameters json.RawMessage `json:"ActionParameters"`
}

// SessionTypeRequest is the parameter of a SessionType action.
type SessionTypeRequest struct {
	SessionType string          `json:"SessionType"`
	Properties  json.RawMessage `json:"Properties,omitempty"`
}

// KMSEncryptionRequest is the parameter of a KMSEncryption action. Newer agents add a
// Challenge for the encryption context, used only if the client acknowledges it; like
// the plugin, this client does not, so the context stays SessionId and TargetId.
type KMSEncryptionRequest struct {
	KMSKeyID  string `json:"KMSKeyId"`
	Challenge string `json:"Challenge,omitempty"`
}

// KMSEncryptionResponse is the result of a successful KMSEncryption action.
type KMSEncryptionResponse struct {
	KMSCipherTextKey  []byte `json:"KMSCipherTextKey"`
	KMSCipherTextHash []byte `json:"KMSCipherTextHash,omitempty"`
}

// ProcessedClientAction reports the client's handling of one requested action.
type ProcessedClientAction struct {
	ActionType   string          `json:"ActionType"`
	ActionStatus int             `json:"ActionStatus"`
	ActionResult json.RawMessage `json:"ActionResult"`
	Error        string          `json:"Error"`
}

// HandshakeResponsePayload is sent by the client (payload type 6).
type HandshakeResponsePayload struct {
	ClientVersion          string                  `json:"ClientVersion"`
	ProcessedClientActions []ProcessedClientAction `json:"ProcessedClientActions"`
	Errors                 []string                `json:"Errors"`
}

// EncryptionChallenge is the payload of both challenge messages (types 8 and 9).
type EncryptionChallenge struct {
	Challenge []byte `json:"Challenge"`
}

// HandshakeCompletePayload is sent by the agent (payload type 7).
type HandshakeCompletePayload struct {
	HandshakeTimeToComplete time.Duration `json:"HandshakeTimeToComplete"`
	CustomerMessage         string        `json:"CustomerMessage"`
}
