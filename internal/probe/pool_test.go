package probe

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

func TestChecksOfOnePoolShareATask(t *testing.T) {
	e := newEnv(t)
	a, b := check("a"), check("b")
	ta, tb := e.ready(a), e.acquire(b)
	if ta.TaskArn != tb.TaskArn || !tb.Ready || e.ecs.count("RunTask") != 1 {
		t.Fatalf("a %s, b %s (%s), RunTask %d", ta.TaskArn, tb.TaskArn, tb.Reason, e.ecs.count("RunTask"))
	}
	// A check with another security group gets its own probe.
	c := check("c")
	c.Spec.Network = &v1alpha1.NetworkSpec{SecurityGroups: []string{"sg-0ffffffffffffff01"}}
	if tc := e.acquire(c); tc.TaskArn == ta.TaskArn || tc.PoolKey == ta.PoolKey {
		t.Errorf("c shares a's probe")
	}
	// So does a check with other credentials, even on the same network.
	other := *e.clients
	other.RoleArn, other.ExternalID = otherRole, "payments"
	id, _, err := e.m.Resolve(e.ctx, &other, check("d"))
	if err != nil || id.PoolKey == ta.PoolKey {
		t.Errorf("a check with another role shares the pool (%v)", err)
	}

	// Stopping the pool stops its task, found even after a restart.
	e.restart()
	stopped, err := e.m.StopPool(e.ctx, e.clients, "prod", ta.PoolKey, "", "released: no check uses this pool")
	if err != nil || len(stopped) != 1 || len(e.ecs.stops) != 1 || aws.ToString(e.ecs.stops[0].Task) != ta.TaskArn ||
		!strings.HasPrefix(aws.ToString(e.ecs.stops[0].Reason), "ecscheck: released") {
		t.Errorf("stopped %v (%v), stops %+v", stopped, err, e.ecs.stops)
	}
}

func TestServiceTaskChoice(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	c.Spec.Probe.ExecInto = v1alpha1.ExecIntoServiceTask
	if st := e.acquire(c); st.Ready || st.Reason != v1alpha1.ReasonNoRunningServiceTask {
		t.Errorf("no tasks: %+v", st)
	}
	add := func(status, agent string, exec bool) string {
		e.ecs.mu.Lock()
		defer e.ecs.mu.Unlock()
		tk := e.ecs.addTaskLocked("ecs-svc/1", nil, status, agent)
		tk.Group, tk.Containers[0].Name, tk.EnableExecuteCommand = aws.String("service:"+serviceName), aws.String("app"), exec
		return aws.ToString(tk.TaskArn)
	}
	add("RUNNING", "", false)
	st := e.acquire(c)
	if st.Ready || st.Reason != v1alpha1.ReasonExecAgentNotRunning || len(st.Findings) != 1 || st.Findings[0].Code != v1alpha1.FindingExecNotEnabled {
		t.Errorf("exec disabled: %+v", st)
	}
	add("PENDING", "", true)
	want := add("RUNNING", "RUNNING", true)
	add("RUNNING", "RUNNING", true)
	for i := 0; i < 3; i++ {
		if st = e.acquire(c); !st.Ready || st.TaskArn != want || st.Container != "app" {
			t.Errorf("pick %d: %+v", i, st)
		}
	}
	c.Spec.Probe.Container = "sidecar"
	if st = e.acquire(c); st.Ready {
		t.Errorf("ready in a container the task does not have: %+v", st)
	}
}

func TestReap(t *testing.T) {
	e := newEnv(t)
	e.opts.MaxAge, e.opts.ReapGrace = 24*time.Hour, 10*time.Minute
	e.restart()
	mk := func(pool, lifecycle string, age time.Duration) string {
		e.ecs.mu.Lock()
		defer e.ecs.mu.Unlock()
		tags := ecsTags(TagManagedBy, ManagedByValue, TagPool, pool, TagLifecycle, lifecycle)
		tk := e.ecs.addTaskLocked(StartedBy(pool), tags, "RUNNING", "RUNNING")
		at := epoch.Add(-age)
		tk.CreatedAt, tk.StartedAt = &at, &at
		return aws.ToString(tk.TaskArn)
	}
	usedYoung := mk("aaaaaaaaaaaa", "Persistent", time.Hour)
	usedOld := mk("bbbbbbbbbbbb", "Persistent", 25*time.Hour)
	unusedOld := mk("cccccccccccc", "Persistent", time.Hour)
	unusedYoung := mk("dddddddddddd", "Persistent", time.Minute)
	perRunLeft := mk("eeeeeeeeeeee", "PerRun", 20*time.Minute)
	e.ecs.mu.Lock()
	foreign := aws.ToString(e.ecs.addTaskLocked("ecs-svc/1", nil, "RUNNING", "RUNNING").TaskArn)
	e.ecs.mu.Unlock()

	inUse := map[string]bool{"aaaaaaaaaaaa": true, "bbbbbbbbbbbb": true, "eeeeeeeeeeee": true}
	reaped, err := e.m.Reap(e.ctx, e.clients, []string{"prod", "gone"}, inUse)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range reaped {
		got[r.TaskArn] = r.Why
	}
	for arn, want := range map[string]string{usedOld: "replaced", unusedOld: "reaped: no check", perRunLeft: "reaped: per-run"} {
		if !strings.HasPrefix(got[arn], want) {
			t.Errorf("%s: %q, want %q", arn, got[arn], want)
		}
	}
	for _, arn := range []string{usedYoung, unusedYoung, foreign} {
		if _, ok := got[arn]; ok {
			t.Errorf("reaped %s", arn)
		}
	}
}

// Reap stops a replaced task; the pool's next Acquire starts a new one.
func TestReapedTaskIsReplaced(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	st := e.ready(c)
	e.clock.Step(25 * time.Hour)
	if r, err := e.m.Reap(e.ctx, e.clients, []string{clusterArn}, map[string]bool{st.PoolKey: true}); err != nil || len(r) != 1 {
		t.Fatalf("%v %v", r, err)
	}
	if next := e.acquire(c); next.TaskArn == st.TaskArn || next.Reason != v1alpha1.ReasonProbeStarting {
		t.Errorf("%+v", next)
	}
}

// Reconciles of several checks of one pool may run at once; they start one task.
func TestConcurrentAcquireStartsOneTask(t *testing.T) {
	e := newEnv(t)
	ids := map[string]*Identity{}
	for _, n := range []string{"a", "b", "c", "d"} {
		ids[n] = e.resolve(check(n))
	}
	var wg sync.WaitGroup
	arns := make(chan string, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := e.m.Acquire(e.ctx, e.clients, id, "", time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			arns <- st.TaskArn
		}()
	}
	wg.Wait()
	close(arns)
	seen := map[string]bool{}
	for a := range arns {
		seen[a] = true
	}
	if len(seen) != 1 || e.ecs.count("RunTask") != 1 {
		t.Errorf("tasks %v, RunTask %d", seen, e.ecs.count("RunTask"))
	}
}
