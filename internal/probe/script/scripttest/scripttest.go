// Package scripttest runs the probe script in tests: real bash, real
// loopback listeners, and DNS kept on loopback. Nothing here ever sends a
// packet to a non-loopback address.
package scripttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/probe/script"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Install writes the script into a temporary directory and returns its path.
func Install(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ecscheck-probe.sh")
	if err := os.WriteFile(path, script.Bytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Command is exec.CommandContext, run inside a mount namespace whose
// resolv.conf names 127.0.0.1 when the machine allows it (see Isolated), so
// that names absent from /etc/hosts are looked up on loopback only.
func Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	if !Isolated() {
		return exec.CommandContext(ctx, name, args...)
	}
	wrapped := append([]string{"-m", "/bin/sh", "-c", `mount --bind "$0" /etc/resolv.conf && exec "$@"`, resolvConf, name}, args...)
	return exec.CommandContext(ctx, "unshare", wrapped...)
}

// Run executes the script the way ECS Exec does (/bin/sh, the script path,
// the base64 request) with env added to the environment, and parses its
// output with package wire. It fails the test unless the script exits 0 and
// prints the exit line.
func Run(t testing.TB, req wire.Request, env ...string) map[string]wire.Line {
	t.Helper()
	b64, err := wire.EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	return RunEncoded(t, req.Nonce, req.Timeout, b64, env...)
}

// RunUnchecked is Run for a request that package wire would refuse to
// encode: the header and the tab-separated target lines are written as
// given, to test the script's own checks.
func RunUnchecked(t testing.TB, nonce string, timeout time.Duration, region string, targets [][]string, env ...string) map[string]wire.Line {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\t%s\t%d\t%s\n", wire.Magic, nonce, int(timeout.Seconds()), region)
	for _, f := range targets {
		b.WriteString(strings.Join(f, "\t") + "\n")
	}
	return RunEncoded(t, nonce, timeout, base64.StdEncoding.EncodeToString([]byte(b.String())), env...)
}

// RunEncoded runs the script with the base64 request b64.
func RunEncoded(t testing.TB, nonce string, timeout time.Duration, b64 string, env ...string) map[string]wire.Line {
	t.Helper()
	path := Install(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	cmd := Command(ctx, "/bin/sh", path, b64)
	cmd.Env = append(Environ("TMPDIR="+filepath.Dir(path)), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("script: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	lines, exit, err := wire.ParseOutput(nonce, stdout.String())
	if err != nil || !exit {
		t.Fatalf("parse: %v, exit line seen: %v\n%s", err, exit, stdout.String())
	}
	return lines
}

// Environ is the test process's environment without any AWS_ variable, so
// that no real AWS configuration or credentials reach the aws CLI, plus add.
func Environ(add ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, add...)
}

var (
	isolateOnce sync.Once
	isolateOK   bool
	resolvConf  string
)

// Isolated reports whether Command keeps DNS on loopback (it needs unshare
// and mount, i.e. root).
func Isolated() bool {
	isolateOnce.Do(func() {
		f, err := os.CreateTemp("", "ecscheck-resolv-*.conf")
		if err != nil {
			return
		}
		fmt.Fprintln(f, "nameserver 127.0.0.1")
		f.Close()
		resolvConf = f.Name()
		out, err := exec.Command("unshare", "-m", "/bin/sh", "-c",
			`mount --bind "$0" /etc/resolv.conf && cat /etc/resolv.conf`, resolvConf).Output()
		isolateOK = err == nil && string(out) == "nameserver 127.0.0.1\n"
	})
	return isolateOK
}

// RequireIsolatedDNS skips a test that looks up names absent from
// /etc/hosts when such lookups could leave the machine.
func RequireIsolatedDNS(t testing.TB) {
	t.Helper()
	if !Isolated() {
		t.Skip("needs unshare -m and mount (root) to keep DNS lookups on loopback")
	}
}
