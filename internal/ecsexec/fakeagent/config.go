package fakeagent

import (
	"context"
	"time"
)

// Executor answers the session's command with its output. A non-nil error ends the
// session with a channel_closed whose Output is the error text (after any output).
type Executor func(ctx context.Context, command string) (output []byte, err error)

// Mode selects the agent's opening of the session.
type Mode int

const (
	// ModePlain starts output at once, as ECS Exec usually does.
	ModePlain Mode = iota
	// ModeHandshake sends a HandshakeRequest with the SessionType action first.
	ModeHandshake
	// ModeHandshakeKMS also requests KMS encryption and an encryption challenge; the
	// Agent needs a KMSDecrypter.
	ModeHandshakeKMS
)

func (m Mode) String() string {
	switch m {
	case ModePlain:
		return "plain"
	case ModeHandshake:
		return "handshake"
	case ModeHandshakeKMS:
		return "handshake-kms"
	}
	return "unknown"
}

// Faults are injected on request; the zero value is a well-behaved agent.
type Faults struct {
	// DuplicateFrames sends every output frame twice.
	DuplicateFrames bool
	// ReorderFrames swaps each pair of consecutive output frames.
	ReorderFrames bool
	// DropAcks ignores this many client frames (acks or stream messages) so that the
	// agent must resend its output and the client its messages.
	DropAcks int
	// PausePublication sends pause_publication, after the handshake request when there
	// is one, and start_publication PauseDuration later; client stream messages that
	// arrive in between are counted as violations and ignored.
	PausePublication bool
	// DisconnectAfterFrames drops the TCP connection, without a close frame, after
	// this many output_stream_data messages (first transmissions); 0 = never.
	DisconnectAfterFrames int
	// CorruptDigest sends every command-output frame with a wrong payload digest.
	CorruptDigest bool
	// CloseError ends the session with a channel_closed carrying this Output.
	CloseError string
}

// PauseDuration is how long Faults.PausePublication holds the client.
const PauseDuration = 300 * time.Millisecond

// MaxChunkSize is the agent's stream payload size: it reads the pty 1024 bytes at a time.
const MaxChunkSize = 1024

// SessionConfig describes one session the fake will serve.
type SessionConfig struct {
	SessionID  string
	TokenValue string
	// TargetID is the KMS encryption context's aws:ssm:TargetId.
	TargetID string
	Command  string
	Executor Executor
	Mode     Mode
	KMSKeyID string
	// Refuse, when set, ends the session with this reason before the
	// command runs, as the agent does when a check of its own fails (the
	// encryption of the session's log group or bucket).
	Refuse string
	// Decrypt, when set, is this session's kms:Decrypt in place of the
	// agent's: the real agent calls KMS as the task role, so one task may
	// be refused what another is allowed.
	Decrypt KMSDecrypter
	// FirstOutputDelay holds the first output back, like a command that takes time.
	FirstOutputDelay time.Duration
	// ChunkSize is the largest output payload (default and max 1024).
	ChunkSize int
	Faults    Faults
}

func (c SessionConfig) chunkSize() int {
	if c.ChunkSize <= 0 || c.ChunkSize > MaxChunkSize {
		return MaxChunkSize
	}
	return c.ChunkSize
}

// KMSDecrypter decrypts the data key the client generated, as kms:Decrypt would for
// the agent; it must check the encryption context.
type KMSDecrypter func(ctx context.Context, ciphertext []byte, encryptionContext map[string]string) ([]byte, error)
