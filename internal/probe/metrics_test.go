package probe

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// countingMetrics is a Metrics that counts what it is told.
type countingMetrics struct {
	mu       sync.Mutex
	started  int
	failures map[string]int
	errors   map[string]int
	runs     []time.Duration
}

func newCountingMetrics() *countingMetrics {
	return &countingMetrics{failures: map[string]int{}, errors: map[string]int{}}
}

func (c *countingMetrics) ProbeTaskStarted() { c.mu.Lock(); c.started++; c.mu.Unlock() }
func (c *countingMetrics) ProbeTaskFailed(reason string) {
	c.mu.Lock()
	c.failures[reason]++
	c.mu.Unlock()
}
func (c *countingMetrics) ExecSessionError(kind string) { c.mu.Lock(); c.errors[kind]++; c.mu.Unlock() }
func (c *countingMetrics) ObserveRun(d time.Duration) {
	c.mu.Lock()
	c.runs = append(c.runs, d)
	c.mu.Unlock()
}

func (c *countingMetrics) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("started=%d failures=%v errors=%v runs=%v", c.started, c.failures, c.errors, c.runs)
}

func (e *env) useMetrics() *countingMetrics {
	c := newCountingMetrics()
	e.opts.Metrics = c
	e.m.opts.Metrics = c
	return c
}

// Seed 003: each AGENT entry of RunTask's failures[] counts, with its
// reason, and the task that finally starts counts once.
func TestMetricsCountRunTaskFailuresAndStarts(t *testing.T) {
	e := newEnv(t)
	c := e.useMetrics()
	agent := []ecstypes.Failure{{Arn: aws.String("arn:aws:ecs:ap-northeast-1:999999999999:container-instance/xxxxxxxx"), Reason: aws.String("AGENT")}}
	e.ecs.runFailures = [][]ecstypes.Failure{agent, agent, {{Reason: aws.String("RESOURCE:MEMORY")}}}
	chk := check("a")
	e.acquire(chk)
	e.acquire(chk) // within the backoff: no RunTask, nothing counted
	for range 3 {
		e.clock.Step(time.Minute)
		e.acquire(chk)
	}
	e.acquire(chk)
	if e.ecs.count("RunTask") != 4 {
		t.Fatalf("RunTask called %d times, want 4", e.ecs.count("RunTask"))
	}
	if c.failures["AGENT"] != 2 || c.failures["RESOURCE:MEMORY"] != 1 || len(c.failures) != 2 || c.started != 1 {
		t.Errorf("want 2 AGENT, 1 RESOURCE:MEMORY and 1 start: %s", c)
	}
}

// A stopped probe task counts once, with its stop code, however often its
// state is computed afterwards: further Acquires, other checks of the pool,
// and a status written before the stop that points the pool at it again.
func TestMetricsCountAStoppedTaskOnce(t *testing.T) {
	e := newEnv(t)
	c := e.useMetrics()
	a, b := check("a"), check("b")
	first := e.acquire(a)
	e.acquire(b)
	b.Status.Probe = first.Status() // b's status still names the first task
	e.ecs.stopTaskAs(first.TaskArn, ecstypes.TaskStopCodeTaskFailedToStart,
		"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/aws-cli/aws-cli:latest")
	for range 3 {
		e.acquire(a)
		e.acquire(b)
	}
	if c.failures["CannotPullContainer"] != 1 || len(c.failures) != 1 {
		t.Fatalf("want the stop counted once as CannotPullContainer: %s", c)
	}

	// The replacement stops too: another task, counted with its own code.
	e.clock.Step(5 * time.Second)
	second := e.acquire(a)
	if second.TaskArn == first.TaskArn || c.started != 2 {
		t.Fatalf("no replacement started: %+v; %s", second, c)
	}
	e.ecs.stopTaskAs(second.TaskArn, ecstypes.TaskStopCodeTaskFailedToStart, "ResourceInitializationError: unable to pull secrets or registry auth")
	e.acquire(a)
	// b's status sends the pool back to the first task, stopped long ago.
	e.acquire(b)
	e.acquire(b)
	if e.ecs.count("DescribeTasks") == 0 || c.failures["CannotPullContainer"] != 1 || c.failures["ResourceInitialization"] != 1 || len(c.failures) != 2 {
		t.Errorf("want each stopped task counted once: %s", c)
	}

	// A task the controller stopped itself is no failure.
	e.clock.Step(time.Minute)
	b.Status.Probe = nil
	mine := e.ready(a)
	if err := stopTask(e.ctx, e.ecs, clusterArn, mine.TaskArn, "replaced: older than the maximum probe age"); err != nil {
		t.Fatal(err)
	}
	e.acquire(a)
	if len(c.failures) != 2 {
		t.Errorf("a stop of the controller's own counted: %s", c)
	}
}

// A session that drops counts as SessionDropped and its duration is
// observed; a denied ExecuteCommand counts without a session.
func TestMetricsCountExecSessionErrors(t *testing.T) {
	results := func(n string) string {
		return wire.FormatResult(n, "c0t0", wire.StatusOK, time.Millisecond, "10.0.1.169") + "\n" + wire.FormatExit(n, 0) + "\n"
	}
	for name, tc := range map[string]struct {
		exec    Executor
		execErr error
		kind    string
		runs    int
	}{
		"ok":              {exec: &scriptedExec{output: results}, runs: 1},
		"session dropped": {exec: &scriptedExec{err: fmt.Errorf("%w: read: connection reset", ecsexec.ErrSessionDropped)}, kind: ExecErrorSessionDropped, runs: 1},
		"connect":         {exec: &scriptedExec{err: fmt.Errorf("%w: dial: refused", ecsexec.ErrConnect)}, kind: ExecErrorConnect, runs: 1},
		"channel closed":  {exec: &scriptedExec{err: &ecsexec.ChannelClosedError{Output: "session terminated"}}, kind: ExecErrorChannelClosed, runs: 1},
		"handshake":       {exec: &scriptedExec{err: ecsexec.ErrHandshake}, kind: ExecErrorHandshake, runs: 1},
		"output limit":    {exec: &scriptedExec{err: ecsexec.ErrOutputLimit}, kind: ExecErrorOutputLimit, runs: 1},
		"bad digest":      {exec: &scriptedExec{err: ecsexec.ErrDigestInvalid}, kind: ExecErrorProtocol, runs: 1},
		"malformed frame": {exec: &scriptedExec{err: fmt.Errorf("frame 3: %w", ecsexec.ErrMalformedFrame)}, kind: ExecErrorProtocol, runs: 1},
		"no exit line":    {exec: &scriptedExec{output: func(string) string { return "sh: bash: not found\n" }}, kind: ExecErrorNoExitMarker, runs: 1},
		"timed out":       {exec: &scriptedExec{err: fmt.Errorf("ecsexec: session s: %w", context.DeadlineExceeded)}, kind: ExecErrorTimeout, runs: 1},
		"unknown":         {exec: &scriptedExec{err: errors.New("websocket: close 1006 (abnormal closure): unexpected EOF")}, kind: ExecErrorOther, runs: 1},
		"script failed": {exec: &scriptedExec{output: func(n string) string {
			return "ecscheck-probe: bad timeout\n" + wire.FormatExit(n, 2) + "\n"
		}}, kind: ExecErrorOther, runs: 1},
		"execute command denied": {exec: &scriptedExec{output: results},
			execErr: apiErr("AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/ecscheck/x is not authorized to perform: ecs:ExecuteCommand on resource: arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod with an explicit deny in an identity-based policy"),
			kind:    ExecErrorExecuteCommandDenied},
		"agent not connected": {exec: &scriptedExec{output: results}, execErr: apiErr("TargetNotConnectedException", "The execute command failed due to an internal error. Try again later."),
			kind: ExecErrorAgentNotRunning},
		"throttled": {exec: &scriptedExec{output: results}, execErr: apiErr("ThrottlingException", "Rate exceeded")},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			c := e.useMetrics()
			e.useExecutor(tc.exec)
			e.ecs.execErr = tc.execErr
			task := e.ready(check("a"))
			_, _ = e.m.Run(e.ctx, e.clients, task, []Job{{Check: key("a"), Timeout: time.Second, Targets: check("a").Spec.Targets}})
			want := map[string]int{}
			if tc.kind != "" {
				want[tc.kind] = 1
			}
			if fmt.Sprint(c.errors) != fmt.Sprint(want) || len(c.runs) != tc.runs {
				t.Errorf("want errors %v and %d observed runs: %s", want, tc.runs, c)
			}
		})
	}
}

// A caller that gives up is no session error.
func TestMetricsIgnoreACanceledCaller(t *testing.T) {
	e := newEnv(t)
	c := e.useMetrics()
	e.useExecutor(&scriptedExec{err: fmt.Errorf("ecsexec: session s: %w", context.Canceled)})
	task := e.ready(check("a"))
	_, err := e.m.Run(e.ctx, e.clients, task, []Job{{Check: key("a"), Timeout: time.Second, Targets: check("a").Spec.Targets}})
	if err == nil || len(c.errors) != 0 {
		t.Errorf("err %v; %s", err, c)
	}
}

// Every kind Run reports is one the metrics accept (internal/metrics
// checks the same from its side).
func TestExecErrorKindsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range ExecErrorKinds {
		if k == "" || seen[k] {
			t.Errorf("kind %q empty or repeated", k)
		}
		seen[k] = true
	}
}
