package fakeagent

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

func TestRegisterPathAndUnknownSession(t *testing.T) {
	a := New(nil)
	path := a.Register(SessionConfig{SessionID: "ecs-execute-command-abc", TokenValue: "t"})
	if !strings.HasPrefix(path, "/v1/data-channel/ecs-execute-command-abc?") {
		t.Fatalf("path %q", path)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/data-channel/unknown")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := a.Register(SessionConfig{}); !strings.Contains(got, "/ecs-execute-command-") {
		t.Fatalf("generated session path %q", got)
	}
	if n := len(a.Sessions()); n != 2 {
		t.Fatalf("%d sessions", n)
	}
}

func say(out string) Executor {
	return func(context.Context, string) ([]byte, error) { return []byte(out), nil }
}

// A wrong token gets a policy-violation close and not a single frame.
func TestRejectsWrongToken(t *testing.T) {
	a := New(nil)
	srv := httptest.NewServer(a)
	defer srv.Close()
	ws := dial(t, srv, a.Register(SessionConfig{SessionID: "s1", TokenValue: "right", Executor: say("secret\n")}))
	open(t, ws, "wrong")
	_, _, err := ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
		t.Fatalf("err = %v, want close 1008", err)
	}
	if st := a.Sessions()[0]; st.TokenRejected != 1 || st.FramesSent != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Driven by a bare websocket, the fake behaves like the agent: SYN on the first
// message, retransmission until acknowledged, channel_closed once all is acknowledged.
func TestAgentRetransmitsUntilAcknowledged(t *testing.T) {
	a := New(nil)
	srv := httptest.NewServer(a)
	defer srv.Close()
	ws := dial(t, srv, a.Register(SessionConfig{SessionID: "s2", TokenValue: "tok", Executor: say("hi\n")}))
	open(t, ws, "tok")

	first := read(t, ws)
	if first.MessageType != ecsexec.MessageOutputStreamData || first.SequenceNumber != 0 || first.Flags != ecsexec.FlagSYN || string(first.Payload) != "hi\r\n" {
		t.Fatalf("first frame %+v", first)
	}
	start := time.Now()
	again := read(t, ws) // not acknowledged: must come again after the RTO
	if again.MessageID != first.MessageID || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("resend %+v after %v", again, time.Since(start))
	}
	ack, _ := json.Marshal(ecsexec.AcknowledgeContent{MessageType: first.MessageType, MessageID: first.MessageID.String(), SequenceNumber: 0, IsSequentialMessage: true})
	f := ecsexec.Frame{MessageType: ecsexec.MessageAcknowledge, SchemaVersion: 1, Flags: 3, Payload: ack}
	b, _ := f.MarshalBinary()
	if err := ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		t.Fatal(err)
	}
	for {
		g := read(t, ws)
		if g.MessageType == ecsexec.MessageChannelClosed {
			var cc ecsexec.ChannelClosed
			if err := json.Unmarshal(g.Payload, &cc); err != nil || cc.Output != "" || cc.SessionID != "s2" {
				t.Fatalf("channel_closed %s", g.Payload)
			}
			break
		}
		if g.SequenceNumber != 0 {
			t.Fatalf("unexpected frame %+v", g)
		}
	}
	if st := a.Sessions()[0]; st.Resends < 1 || st.AcksReceived != 1 || !st.ChannelClosed {
		t.Fatalf("stats %+v", st)
	}
}

func dial(t *testing.T, srv *httptest.Server, path string) *websocket.Conn {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // the upgrade's response has no body worth reading
	t.Cleanup(func() { ws.Close() })
	return ws
}

func open(t *testing.T, ws *websocket.Conn, token string) {
	t.Helper()
	body, _ := json.Marshal(ecsexec.OpenDataChannelInput{MessageSchemaVersion: "1.0", RequestID: "r", TokenValue: token, ClientID: "c", ClientVersion: "1"})
	if err := ws.WriteMessage(websocket.TextMessage, body); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, ws *websocket.Conn) ecsexec.Frame {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	f, err := ecsexec.DecodeFrame(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
