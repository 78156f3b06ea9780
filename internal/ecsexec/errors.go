package ecsexec

import (
	"errors"
	"fmt"
)

// Errors a caller can tell apart with errors.Is. ErrConnect and ErrSessionDropped are
// infrastructure faults (the channel to the task failed), not results of the command.
var (
	// ErrConnect: the data channel could not be opened (dial or upgrade failed).
	ErrConnect = errors.New("ecsexec: cannot open the data channel")
	// ErrSessionDropped: the websocket ended, or the agent stopped acknowledging,
	// before channel_closed; the output may be incomplete.
	ErrSessionDropped = errors.New("ecsexec: session dropped before channel_closed")
	// ErrChannelClosed: the service ended the session with a non-empty reason; the
	// error is a *ChannelClosedError carrying that text.
	ErrChannelClosed = errors.New("ecsexec: channel closed with an error")
	// ErrOutputLimit: the command printed more than Client.MaxOutputBytes.
	ErrOutputLimit = errors.New("ecsexec: output limit exceeded")
	// ErrDigestInvalid: a frame's SHA-256 payload digest did not match its payload.
	ErrDigestInvalid = errors.New("ecsexec: payload digest invalid")
	// ErrMalformedFrame: a frame could not be parsed.
	ErrMalformedFrame = errors.New("ecsexec: malformed frame")
	// ErrHandshake: the agent's handshake could not be completed (unknown session
	// type, KMS unavailable or failing, wrong encryption).
	ErrHandshake = errors.New("ecsexec: handshake failed")
	// ErrNoExitMarker: the session completed but the output has no exit marker line
	// for the nonce, so the command's exit status is unknown.
	ErrNoExitMarker = errors.New("ecsexec: exit marker not found in output")
)

// ChannelClosedError is returned when channel_closed carries a non-empty Output.
type ChannelClosedError struct {
	Output string
}

func (e *ChannelClosedError) Error() string {
	return fmt.Sprintf("ecsexec: channel closed: %s", e.Output)
}

// Is makes errors.Is(err, ErrChannelClosed) true.
func (e *ChannelClosedError) Is(target error) bool { return target == ErrChannelClosed }
