package ecsexec

import "fmt"

// Session is what ECS ExecuteCommand returned, plus the target for KMS.
type Session struct {
	SessionID  string
	StreamURL  string
	TokenValue string // secret: never logged; String and MarshalLog omit it
	// TargetID is the KMS encryption context's aws:ssm:TargetId; for ECS it is
	// "ecs:<cluster>_<taskID>_<runtimeID>".
	TargetID string
}

// String omits the token so that a Session printed by accident leaks nothing.
func (s Session) String() string {
	return fmt.Sprintf("Session{SessionID:%s StreamURL:%s TargetID:%s TokenValue:<redacted>}", s.SessionID, s.StreamURL, s.TargetID)
}

// GoString keeps %#v from printing the token.
func (s Session) GoString() string { return s.String() }

// MarshalLog implements logr.Marshaler: structured loggers log this instead of the
// struct's fields.
func (s Session) MarshalLog() any {
	return struct {
		SessionID, StreamURL, TargetID string
	}{s.SessionID, s.StreamURL, s.TargetID}
}
