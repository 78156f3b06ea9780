package fakeagent

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// Agent-side timing. The retransmission timeout is the agent's initial one, doubled
// per attempt up to its one-second cap; the window keeps a fast producer from
// queueing the whole output in the socket, where acks would lag behind the RTO.
const (
	rto             = 200 * time.Millisecond
	maxRTO          = time.Second
	resendTick      = 50 * time.Millisecond
	window          = 512
	writeTimeout    = 10 * time.Second
	handshakeWait   = 10 * time.Second
	ackWait         = 30 * time.Second
	clientCloseWait = 5 * time.Second
)

// errDisconnected ends the script after Faults.DisconnectAfterFrames.
var errDisconnected = errors.New("fake agent dropped the connection")

// conn is one websocket connection of a session.
type conn struct {
	a   *Agent
	reg *registration
	cfg SessionConfig
	ws  *websocket.Conn
	log logr.Logger

	wmu sync.Mutex // gorilla allows one writer at a time

	mu         sync.Mutex
	cond       *sync.Cond // signalled when acks arrive or the reader ends
	nextSeq    int64
	unacked    []*pending
	expectedIn int64
	inbuf      map[int64]ecsexec.Frame
	dropLeft   int
	paused     bool
	readerDone bool
	sentFirst  int // stream messages sent, for DisconnectAfterFrames
	cipher     *agentCipher

	respCh      chan ecsexec.HandshakeResponsePayload
	challengeCh chan ecsexec.EncryptionChallenge
}

type pending struct {
	seq      int64
	data     []byte
	lastSent time.Time
	attempts int
}

func newConn(a *Agent, reg *registration, ws *websocket.Conn, log logr.Logger) *conn {
	c := &conn{
		a: a, reg: reg, cfg: reg.cfg, ws: ws, log: log,
		inbuf:       map[int64]ecsexec.Frame{},
		dropLeft:    reg.cfg.Faults.DropAcks,
		respCh:      make(chan ecsexec.HandshakeResponsePayload, 1),
		challengeCh: make(chan ecsexec.EncryptionChallenge, 1),
	}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// serve runs the session on this connection until it ends.
func (c *conn) serve() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.ws.SetPingHandler(func(data string) error {
		c.reg.update(func(s *SessionStats) { s.PingsReceived++ })
		return c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		c.readLoop()
		cancel() // the client is gone: stop the executor and the script
		c.mu.Lock()
		c.readerDone = true
		c.cond.Broadcast()
		c.mu.Unlock()
	}()
	go c.resendLoop(ctx)

	err := c.script(ctx)
	if errors.Is(err, errDisconnected) {
		return
	}
	if err != nil {
		c.log.V(1).Info("session ended early", "reason", err.Error())
	}
	// After channel_closed the client closes; give it a moment, then hang up.
	select {
	case <-readerDone:
	case <-time.After(clientCloseWait):
	}
}

// write sends one binary frame.
func (c *conn) write(data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	// Counted before the write, like ChannelClosed, so a client never sees more
	// frames than the counter; a failed write is undone.
	c.reg.update(func(s *SessionStats) { s.FramesSent++ })
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	err := c.ws.WriteMessage(websocket.BinaryMessage, data)
	if err != nil {
		c.reg.update(func(s *SessionStats) { s.FramesSent-- })
	}
	return err
}

// frame encodes an agent frame.
func frame(msgType string, seq int64, flags uint64, pt ecsexec.PayloadType, payload []byte) []byte {
	f := ecsexec.Frame{
		MessageType:    msgType,
		SchemaVersion:  1,
		CreatedDate:    uint64(time.Now().UnixMilli()),
		SequenceNumber: seq,
		Flags:          flags,
		MessageID:      uuid.New(),
		PayloadType:    pt,
		Payload:        payload,
	}
	data, err := f.MarshalBinary()
	if err != nil {
		panic(err) // only fixed message types are encoded here
	}
	return data
}
