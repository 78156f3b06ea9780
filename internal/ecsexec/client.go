package ecsexec

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"k8s.io/utils/clock"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// Defaults for a zero Client.
const (
	DefaultMaxOutputBytes = 1 << 20
	DefaultTimeout        = 10 * time.Minute
	DefaultPingInterval   = time.Minute
	DefaultAckTimeout     = 2 * time.Minute
)

// ClientVersion is what the client reports in OpenDataChannelInput and the handshake.
// Agents gate features on the plugin version they talk to, so this names the plugin
// release whose protocol this package implements, in the plugin's format.
const ClientVersion = "1.2.650.0"

const (
	messageSchemaVersion = "1.0"
	resendInterval       = 50 * time.Millisecond
	writeTimeout         = 10 * time.Second
	closeTimeout         = time.Second
	readLimit            = 4 << 20 // a frame is at most a few KiB; this only stops abuse
	maxBufferedFrames    = 4096
)

// Client runs commands through ECS Exec sessions. The zero value is usable.
type Client struct {
	// KMS generates the data key when the agent asks for KMS encryption; without it
	// such sessions fail with ErrHandshake.
	KMS KMSAPI
	Log logr.Logger
	// MaxOutputBytes bounds the output kept (default 1 MiB; negative: unbounded).
	MaxOutputBytes int
	// Timeout bounds a whole session in addition to the caller's context (default 10 min).
	Timeout time.Duration
	// PingInterval is the websocket keep-alive period (default 1 min).
	PingInterval time.Duration
	// AckTimeout ends the session when the agent acknowledges nothing for this long
	// while a client message waits (default 2 min).
	AckTimeout time.Duration
	// Dialer defaults to one with the environment's proxy and a 30 s handshake timeout.
	Dialer *websocket.Dialer
	// AllowInsecure permits ws:// to a non-loopback host. The token travels in the
	// first frame, so plain ws:// is otherwise only for tests on loopback.
	AllowInsecure bool
	// Clock defaults to the system clock.
	Clock clock.WithTicker
}

// Result is a completed command.
type Result struct {
	// Output is what the command printed, CRLF turned into LF and terminal escape
	// sequences removed, without the exit marker line.
	Output string
	// ExitCode is the status from the exit marker, -1 when unknown.
	ExitCode int
}

// Run reads the session to the end. The command given to ECS ExecuteCommand already
// prints, as its last line, "ECSCHECK-EXIT <nonce> <code>" (see ExitMarkerSuffix); Run
// strips that line from Output and returns the code, or an error wrapping
// ErrNoExitMarker if the line is absent.
//
// On error the Result is still returned, with the output received so far, so that a
// caller can show it; ExitCode is then -1 unless the marker had arrived.
func (c *Client) Run(ctx context.Context, s Session, nonce string) (*Result, error) {
	if !validNonce(nonce) {
		return nil, fmt.Errorf("ecsexec: nonce %q is not [a-z0-9]{%d}", nonce, nonceLen)
	}
	var raw bytes.Buffer
	err := c.Stream(ctx, s, &raw)
	res := &Result{Output: Normalize(raw.Bytes()), ExitCode: -1}
	out, code, found := cutExitMarker(res.Output, nonce)
	if found {
		res.Output, res.ExitCode = out, code
	}
	switch {
	case err != nil:
		return res, err
	case !found:
		return res, fmt.Errorf("%w: no line %q in %d bytes of output", ErrNoExitMarker, exitMarkerPrefix+nonce+" <code>", len(res.Output))
	}
	return res, nil
}

// Stream runs the session and writes the command's raw terminal output to w as it
// arrives, in order. It returns nil when the session ended with an empty
// channel_closed.
func (c *Client) Stream(ctx context.Context, s Session, w io.Writer) error {
	if s.StreamURL == "" || s.TokenValue == "" || s.SessionID == "" {
		return fmt.Errorf("%w: session needs SessionID, StreamURL and TokenValue", ErrConnect)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	log := c.Log.WithValues("sessionID", s.SessionID)

	conn, err := c.dial(ctx, s.StreamURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetReadLimit(readLimit)

	if err := openDataChannel(conn, s.TokenValue); err != nil {
		return err
	}
	log.V(1).Info("data channel open")
	sess := newSession(c, s, conn, w, log)
	err = sess.run(ctx)
	log.V(1).Info("session ended", "outputBytes", sess.written, "error", errString(err))
	return err
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) maxOutput() int {
	switch {
	case c.MaxOutputBytes < 0:
		return int(^uint(0) >> 1)
	case c.MaxOutputBytes == 0:
		return DefaultMaxOutputBytes
	}
	return c.MaxOutputBytes
}

func (c *Client) pingInterval() time.Duration {
	if c.PingInterval > 0 {
		return c.PingInterval
	}
	return DefaultPingInterval
}

func (c *Client) ackTimeout() time.Duration {
	if c.AckTimeout > 0 {
		return c.AckTimeout
	}
	return DefaultAckTimeout
}

func (c *Client) clock() clock.WithTicker {
	if c.Clock != nil {
		return c.Clock
	}
	return clock.RealClock{}
}

// newMessageID returns a random (version 4) UUID without going through an io.Reader
// interface, which would make every frame allocate.
func newMessageID(buf *[16]byte) uuid.UUID {
	if _, err := rand.Read(buf[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	id := uuid.UUID(*buf)
	id[6] = (id[6] & 0x0f) | 0x40
	id[8] = (id[8] & 0x3f) | 0x80
	return id
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
