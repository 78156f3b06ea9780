package probe

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/probe/script/scripttest"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// localExec stands in for the ECS Exec client: it runs the command that was
// given to ExecuteCommand with the local /bin/sh and the real probe script,
// the script's path rewritten to a temporary directory as fakeaws does.
type localExec struct {
	t   *testing.T
	ecs *fakeECS
	env []string

	mu       sync.Mutex
	sessions []ecsexec.Session
}

func (l *localExec) Run(ctx context.Context, s ecsexec.Session, nonce string) (*ecsexec.Result, error) {
	l.mu.Lock()
	l.sessions = append(l.sessions, s)
	l.mu.Unlock()
	dir := l.t.TempDir()
	path := scripttest.Install(l.t)
	cmdline := strings.ReplaceAll(l.ecs.command(s.SessionID), wire.ScriptPath, filepath.Join(dir, "ecscheck-probe.sh"))
	if !strings.Contains(cmdline, "base64 -d") { // a probe task: its start command wrote the script
		cmdline = strings.ReplaceAll(cmdline, filepath.Join(dir, "ecscheck-probe.sh"), path)
	}
	cmd := scripttest.Command(ctx, "/bin/sh", "-c", cmdline)
	cmd.Env = scripttest.Environ(append([]string{"TMPDIR=" + dir}, l.env...)...)
	out, err := cmd.Output()
	if err != nil {
		return &ecsexec.Result{Output: string(out), ExitCode: -1}, fmt.Errorf("%w: %w", ecsexec.ErrNoExitMarker, err)
	}
	return cutExit(string(out), nonce)
}

// cutExit does what ecsexec.Client.Run does with the exit line.
func cutExit(out, nonce string) (*ecsexec.Result, error) {
	marker := wire.ExitMarker + " " + nonce + " "
	i := strings.LastIndex(out, marker)
	if i < 0 {
		return &ecsexec.Result{Output: out, ExitCode: -1}, ecsexec.ErrNoExitMarker
	}
	line, rest, _ := strings.Cut(out[i+len(marker):], "\n")
	code, _ := strconv.Atoi(strings.TrimSpace(line))
	return &ecsexec.Result{Output: out[:i] + rest, ExitCode: code}, nil
}

// scriptedExec answers every session with fixed output, or an error.
type scriptedExec struct {
	output func(nonce string) string
	err    error
}

func (s *scriptedExec) Run(_ context.Context, _ ecsexec.Session, nonce string) (*ecsexec.Result, error) {
	if s.err != nil {
		return &ecsexec.Result{Output: "partial", ExitCode: -1}, s.err
	}
	return cutExit(s.output(nonce), nonce)
}

func (e *env) useExecutor(x Executor) {
	e.opts.NewExecutor = func(*awsclient.Clients) Executor { return x }
	e.m.opts.NewExecutor = e.opts.NewExecutor
}
