package ecsexec

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// dial opens the websocket: wss, or ws only to loopback unless AllowInsecure.
func (c *Client) dial(ctx context.Context, rawURL string) (*websocket.Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: stream URL: %w", ErrConnect, err)
	}
	switch u.Scheme {
	case "wss":
	case "ws":
		if !c.AllowInsecure && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%w: refusing ws:// to non-loopback host %s (the token would travel unencrypted)", ErrConnect, u.Hostname())
		}
	default:
		return nil, fmt.Errorf("%w: stream URL scheme %q, want wss", ErrConnect, u.Scheme)
	}
	d := c.Dialer
	if d == nil {
		d = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 30 * time.Second}
	}
	conn, resp, err := d.DialContext(ctx, u.String(), nil)
	if err != nil {
		status := ""
		if resp != nil {
			status = " (HTTP " + resp.Status + ")"
			resp.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s%s: %w", ErrConnect, u.Host, status, err)
	}
	return conn, nil
}

// openDataChannel sends the one text frame that authenticates the channel.
func openDataChannel(conn *websocket.Conn, token string) error {
	body, err := json.Marshal(OpenDataChannelInput{
		MessageSchemaVersion: messageSchemaVersion,
		RequestID:            uuid.NewString(),
		TokenValue:           token,
		ClientID:             uuid.NewString(),
		ClientVersion:        ClientVersion,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConnect, err)
	}
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := conn.WriteMessage(websocket.TextMessage, body); err != nil {
		return fmt.Errorf("%w: sending OpenDataChannelInput: %w", ErrConnect, err)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
