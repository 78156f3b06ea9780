package ssmplugin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/ecsexec/fakeagent"
)

const pluginPackage = "github.com/aws/session-manager-plugin/src/sessionmanagerplugin-main"

var (
	buildOnce sync.Once
	buildDir  string
	pluginBin string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// pluginBinary builds the real session-manager-plugin from the module this tool
// module pins (SESSION_MANAGER_PLUGIN may name an already built one).
func pluginBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SESSION_MANAGER_PLUGIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "ssmplugin-"); buildErr != nil {
			return
		}
		pluginBin = filepath.Join(buildDir, "session-manager-plugin")
		out, err := exec.Command("go", "build", "-o", pluginBin, pluginPackage).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build %s: %v\n%s", pluginPackage, err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return pluginBin
}

// TestRealPluginAgainstFakeAgent runs the plugin exactly as `aws ecs
// execute-command` does, against the fake agent on loopback, and expects the
// command's output on stdout and a clean exit.
func TestRealPluginAgainstFakeAgent(t *testing.T) {
	bin := pluginBinary(t)
	var body strings.Builder
	for i := 0; i < 300; i++ { // ~12 KB: a dozen 1024-byte frames
		fmt.Fprintf(&body, "probe line %03d: TCP connect to 10.0.1.169:443 ok\n", i)
	}
	body.WriteString("ünïcode ✓ and the end\n")

	// The last case checks that the fake's faults stay within the protocol: the
	// real plugin copes with duplicated and reordered frames and publication pauses.
	// (Not with dropped acks: the plugin does not re-acknowledge a duplicate, so the
	// agent would resend until it gives up.)
	cases := []struct {
		name   string
		mode   fakeagent.Mode
		faults fakeagent.Faults
	}{
		{"plain", fakeagent.ModePlain, fakeagent.Faults{}},
		{"handshake", fakeagent.ModeHandshake, fakeagent.Faults{}},
		{"handshake-kms", fakeagent.ModeHandshakeKMS, fakeagent.Faults{}},
		{"handshake-faults", fakeagent.ModeHandshake, fakeagent.Faults{DuplicateFrames: true, ReorderFrames: true, PausePublication: true}},
	}
	for _, tc := range cases {
		mode := tc.mode
		t.Run(tc.name, func(t *testing.T) {
			k := fakeagent.NewKMS()
			agent := fakeagent.New(k.Decrypt)
			mux := http.NewServeMux()
			mux.Handle("/v1/data-channel/", agent)
			mux.Handle("/", k) // the KMS API (awsJson1_1 posts to /)
			srv := httptest.NewServer(mux)
			defer srv.Close()

			cfg := fakeagent.SessionConfig{
				SessionID:  "ecs-execute-command-" + randomHex(8),
				TokenValue: "token-" + randomHex(32),
				TargetID:   "ecs:prod_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef-1234567890",
				Command:    "/bin/sh",
				Executor: func(context.Context, string) ([]byte, error) {
					return []byte(body.String()), nil
				},
				Mode:             mode,
				Faults:           tc.faults,
				KMSKeyID:         "arn:aws:kms:ap-northeast-1:123456789012:key/plugin-test",
				FirstOutputDelay: 100 * time.Millisecond,
			}
			path := agent.Register(cfg)
			// What ECS ExecuteCommand returned, as the CLI passes it on.
			session, _ := json.Marshal(map[string]string{
				"sessionId":  cfg.SessionID,
				"streamUrl":  "ws" + strings.TrimPrefix(srv.URL, "http") + path,
				"tokenValue": cfg.TokenValue,
			})
			params, _ := json.Marshal(map[string]string{"Target": cfg.TargetID})

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, string(session), "ap-northeast-1", "StartSession", "", string(params), srv.URL)
			home := t.TempDir()
			cmd.Dir = home
			cmd.Env = []string{
				"PATH=" + os.Getenv("PATH"),
				"HOME=" + home,
				// Credentials and endpoints stay local: static keys, no instance
				// metadata, no shared config, KMS on the test server.
				"AWS_ACCESS_KEY_ID=AKIDFAKEAGENTTEST",
				"AWS_SECRET_ACCESS_KEY=fake-secret",
				"AWS_EC2_METADATA_DISABLED=true",
				"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
				"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials"),
				"AWS_ENDPOINT_URL_KMS=" + srv.URL,
			}
			// The plugin reads keystrokes from stdin and ends on EOF, so stdin stays
			// open until the plugin exits by itself on channel_closed.
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("plugin: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			out := strings.ReplaceAll(stdout.String(), "\r", "")
			if !strings.Contains(out, body.String()) {
				t.Fatalf("the plugin did not print the output; stdout:\n%s\nstderr:\n%s", out, stderr.String())
			}
			if !strings.Contains(out, "Exiting session with sessionId: "+cfg.SessionID+".") {
				t.Fatalf("no clean end of session in stdout:\n%s", out)
			}
			st := agent.Sessions()[0]
			if !st.ChannelClosed || st.TokenRejected != 0 {
				t.Fatalf("stats %+v", st)
			}
			if mode != fakeagent.ModePlain && !st.HandshakeCompleted {
				t.Fatalf("handshake not completed: %+v", st)
			}
			if mode == fakeagent.ModeHandshakeKMS && (!st.Encrypted || !strings.Contains(out, "This session is encrypted using AWS KMS.")) {
				t.Fatalf("session not encrypted: %+v\n%s", st, out)
			}
			t.Logf("%s: %d output frames, %d resends, %d acks", tc.name, st.OutputFrames, st.Resends, st.AcksReceived)
		})
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
