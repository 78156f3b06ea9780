package probe

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe/script"
)

func TestAcquireStartsAProbeTask(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	st := e.acquire(c)
	if st.Ready || st.Reason != v1alpha1.ReasonProbeStarting || st.TaskArn == "" || st.RetryAfter <= 0 {
		t.Fatalf("first Acquire: %+v", st)
	}
	id := st.Identity

	// The task definition.
	if len(e.ecs.registered) != 1 {
		t.Fatalf("%d task definitions registered", len(e.ecs.registered))
	}
	td := e.ecs.registered[0]
	ctr := td.ContainerDefinitions[0]
	if aws.ToString(td.Family) != "ecscheck-probe-"+id.PoolKey || td.NetworkMode != ecstypes.NetworkModeAwsvpc ||
		td.RequiresCompatibilities[0] != ecstypes.CompatibilityFargate || aws.ToString(td.TaskRoleArn) != taskRole ||
		aws.ToString(td.ExecutionRoleArn) != execRole || aws.ToString(td.Cpu) != "256" || aws.ToString(td.Memory) != "512" {
		t.Errorf("task definition %+v", td)
	}
	if aws.ToString(ctr.Name) != "probe" || !aws.ToBool(ctr.LinuxParameters.InitProcessEnabled) ||
		aws.ToString(ctr.Image) != DefaultImage || strings.Join(ctr.EntryPoint, " ") != "/bin/sh -c" ||
		ctr.Command[0] != `printf '%s\n' "$ECSCHECK_PROBE_SCRIPT" > /tmp/ecscheck-probe.sh && exec tail -f /dev/null` ||
		aws.ToString(ctr.Environment[0].Name) != ScriptEnv || aws.ToString(ctr.Environment[0].Value) != string(script.Bytes) {
		t.Errorf("container %+v", ctr)
	}
	if tagValue(td.Tags, TagManagedBy) != "ecscheck" || tagValue(td.Tags, TagPool) != id.PoolKey || tagValue(td.Tags, TagContentHash) == "" {
		t.Errorf("task definition tags %+v", td.Tags)
	}

	// The RunTask call.
	run := e.ecs.runs[0]
	vpc := run.NetworkConfiguration.AwsvpcConfiguration
	if !run.EnableExecuteCommand || aws.ToString(run.StartedBy) != "ecscheck-"+id.PoolKey || aws.ToString(run.Cluster) != clusterArn ||
		run.LaunchType != ecstypes.LaunchTypeFargate || aws.ToString(run.PlatformVersion) != "1.4.0" ||
		strings.Join(vpc.Subnets, ",") != "subnet-0a000000000000001,subnet-0b000000000000002" ||
		vpc.SecurityGroups[0] != "sg-0a1b2c3d4e5f60001" || vpc.AssignPublicIp != ecstypes.AssignPublicIpDisabled ||
		aws.ToString(run.ClientToken) == "" || len(aws.ToString(run.ClientToken)) > 64 ||
		tagValue(run.Tags, TagManagedBy) != "ecscheck" || tagValue(run.Tags, TagPool) != id.PoolKey {
		t.Errorf("RunTask %+v", run)
	}

	// RUNNING without its agent is still starting; with it, ready.
	e.ecs.setTask(st.TaskArn, "RUNNING", "PENDING")
	if st = e.acquire(c); st.Ready || st.Reason != v1alpha1.ReasonProbeStarting {
		t.Errorf("agent pending: %+v", st)
	}
	e.ecs.setTask(st.TaskArn, "RUNNING", "RUNNING")
	if st = e.acquire(c); !st.Ready || st.Reason != v1alpha1.ReasonProbeRunning || st.Status().ExecAgent != "RUNNING" {
		t.Errorf("running: %+v", st)
	}
	if n := e.ecs.count("RunTask") + e.ecs.count("RegisterTaskDefinition"); n != 2 {
		t.Errorf("%d RunTask+RegisterTaskDefinition calls, want 2", n)
	}
}

func TestAcquireAgentThatNeverStarts(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	st := e.acquire(c)
	e.ecs.setTask(st.TaskArn, "RUNNING", "PENDING")
	e.clock.Step(3 * time.Minute)
	st = e.acquire(c)
	if st.Ready || st.Reason != v1alpha1.ReasonExecAgentNotRunning || len(st.Findings) != 1 ||
		st.Findings[0].Code != v1alpha1.FindingExecAgentNotRunning || !strings.Contains(st.Message, "ssmmessages") {
		t.Errorf("%+v", st)
	}
}

// A controller restart between RunTask and the status write must not start
// a second task: the new process finds it by startedBy and tags.
func TestAcquireAfterRestartFindsTheTaskBeforeRunning(t *testing.T) {
	e := newEnv(t)
	first := e.acquire(check("a"))
	// Someone else's task with our startedBy but without our tags is not ours.
	e.ecs.mu.Lock()
	e.ecs.addTaskLocked(StartedBy(first.PoolKey), nil, "RUNNING", "RUNNING")
	e.ecs.mu.Unlock()

	e.restart()
	st := e.acquire(check("a")) // status not written: no hint
	if st.TaskArn != first.TaskArn || e.ecs.count("RunTask") != 1 || e.ecs.count("RegisterTaskDefinition") != 1 {
		t.Errorf("after restart: task %s (first %s), RunTask %d, Register %d", st.TaskArn, first.TaskArn,
			e.ecs.count("RunTask"), e.ecs.count("RegisterTaskDefinition"))
	}
}

// With the status written, the task in it is used directly.
func TestAcquireUsesTheTaskInStatus(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	st := e.ready(c)
	c.Status.Probe = st.Status()
	e.restart()
	lookups := e.ecs.poolLookups()
	if got := e.acquire(c); !got.Ready || got.TaskArn != st.TaskArn || e.ecs.poolLookups() != lookups {
		t.Errorf("%+v, lookups by startedBy %d → %d", got, lookups, e.ecs.poolLookups())
	}
}

// Seed 003: RunTask answers failures[] with reason AGENT. It is retried with
// backoff and reported as RunTaskFailed only when the attempts are spent.
func TestAcquireRetriesRunTaskFailures(t *testing.T) {
	e := newEnv(t)
	agent := []ecstypes.Failure{{Arn: aws.String("arn:aws:ecs:ap-northeast-1:999999999999:container-instance/xxxxxxxx"), Reason: aws.String("AGENT")}}
	e.ecs.runFailures = [][]ecstypes.Failure{agent, agent, agent, agent}
	c := check("a")

	st := e.acquire(c)
	if st.Ready || st.Reason != v1alpha1.ReasonProbeStarting || !strings.Contains(st.Message, "AGENT") ||
		!strings.Contains(st.Message, "attempt 1 of 3") || st.RetryAfter != 5*time.Second {
		t.Fatalf("attempt 1: %+v", st)
	}
	// Within the backoff nothing is called again.
	if st = e.acquire(c); e.ecs.count("RunTask") != 1 || st.Reason != v1alpha1.ReasonProbeStarting {
		t.Errorf("during backoff: RunTask %d, %+v", e.ecs.count("RunTask"), st)
	}
	e.clock.Step(5 * time.Second)
	if st = e.acquire(c); st.Reason != v1alpha1.ReasonProbeStarting || st.RetryAfter != 10*time.Second {
		t.Errorf("attempt 2: %+v", st)
	}
	e.clock.Step(10 * time.Second)
	st = e.acquire(c)
	if st.Reason != v1alpha1.ReasonRunTaskFailed || len(st.Findings) != 1 || st.Findings[0].Code != v1alpha1.FindingRunTaskAgent {
		t.Fatalf("attempt 3: %+v", st)
	}
	// Tokens differ per attempt so that ECS does not replay a failure.
	if e.ecs.runs[0].ClientToken == e.ecs.runs[1].ClientToken {
		t.Error("retries reuse the client token")
	}
	e.clock.Step(20 * time.Second)
	if st = e.acquire(c); st.Reason != v1alpha1.ReasonRunTaskFailed {
		t.Errorf("attempt 4: %+v", st)
	}
	e.clock.Step(time.Minute)
	if st = e.acquire(c); st.Reason != v1alpha1.ReasonProbeStarting || st.TaskArn == "" {
		t.Errorf("recovered: %+v", st)
	}
}

// Capacity failures (RESOURCE:*) are retried the same way.
func TestAcquireRetriesCapacityFailures(t *testing.T) {
	e := newEnv(t)
	e.ecs.runFailures = [][]ecstypes.Failure{{{Reason: aws.String("RESOURCE:MEMORY")}}}
	c := check("a")
	if st := e.acquire(c); st.Reason != v1alpha1.ReasonProbeStarting || !strings.Contains(st.Message, "RESOURCE:MEMORY") {
		t.Errorf("%+v", st)
	}
	e.clock.Step(5 * time.Second)
	if st := e.acquire(c); st.TaskArn == "" {
		t.Errorf("no task after the retry: %+v", st)
	}
}

// A probe task that stops reports its stop code and reason at once, and a
// new one is started after a backoff.
func TestAcquireReportsAStoppedTask(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	st := e.acquire(c)
	e.ecs.stopTaskAs(st.TaskArn, ecstypes.TaskStopCodeTaskFailedToStart,
		"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/aws-cli/aws-cli:latest")
	st = e.acquire(c)
	if st.Ready || st.Reason != v1alpha1.ReasonProbeTaskStopped || st.StopCode != "CannotPullContainer" ||
		!strings.Contains(st.Message, "CannotPullContainerError") || len(st.Findings) != 1 || st.Findings[0].Code != v1alpha1.FindingCannotPullContainer ||
		st.Status().TaskArn == "" || st.RetryAfter != 5*time.Second {
		t.Fatalf("stopped: %+v", st)
	}
	if st = e.acquire(c); e.ecs.count("RunTask") != 1 || st.Reason != v1alpha1.ReasonProbeTaskStopped {
		t.Errorf("during backoff: RunTask %d, %+v", e.ecs.count("RunTask"), st)
	}
	e.clock.Step(5 * time.Second)
	next := e.acquire(c)
	if next.Reason != v1alpha1.ReasonProbeStarting || next.TaskArn == st.TaskArn || e.ecs.count("RunTask") != 2 {
		t.Fatalf("after backoff: %+v", next)
	}
	// A second stop in a row backs off longer.
	e.ecs.stopTaskAs(next.TaskArn, ecstypes.TaskStopCodeTaskFailedToStart, "ResourceInitializationError: unable to pull secrets or registry auth")
	if st = e.acquire(c); st.StopCode != "ResourceInitialization" || st.RetryAfter != 10*time.Second {
		t.Errorf("second stop: %+v", st)
	}
}

// A task the controller stopped itself (reaper, release) is replaced without
// reporting a failure.
func TestAcquireReplacesATaskItStopped(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	st := e.ready(c)
	if err := stopTask(e.ctx, e.ecs, clusterArn, st.TaskArn, "replaced: older than the maximum probe age"); err != nil {
		t.Fatal(err)
	}
	// A ready task's state is trusted for the pool's tick (a minute here).
	described := e.ecs.count("DescribeTasks")
	if again := e.acquire(c); again.TaskArn != st.TaskArn || e.ecs.count("DescribeTasks") != described {
		t.Fatalf("a fresh ready state was read again: %d DescribeTasks", e.ecs.count("DescribeTasks"))
	}
	e.clock.Step(time.Minute)
	next := e.acquire(c)
	if next.TaskArn == st.TaskArn || next.Reason != v1alpha1.ReasonProbeStarting || e.ecs.count("RunTask") != 2 {
		t.Errorf("%+v", next)
	}
	if e.ecs.runs[0].ClientToken == e.ecs.runs[1].ClientToken {
		t.Error("the replacement reuses the first task's client token")
	}
}
