package pool

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// fakeProber is a probe manager whose tasks are always ready. Each Run is
// reported on runs and may be held until the test lets it go.
type fakeProber struct {
	mu sync.Mutex
	// starting is how many more looks find the task still starting.
	starting int
	acquires int
	// acquireGate, when set, holds the next Acquire until it is closed.
	acquireGate chan struct{}
	runs        chan session
	hold        chan struct{} // when set, Run waits for it (or its context)
	stops       []string
	scopes      map[string]string // pool key → credentials scope of its sessions
}

type session struct {
	pool    string
	members []string
	scope   string
}

func newFakeProber() *fakeProber {
	return &fakeProber{runs: make(chan session, 100), scopes: map[string]string{}}
}

func (f *fakeProber) Acquire(_ context.Context, _ *awsclient.Clients, id *probe.Identity, _ string, _ time.Duration) (*probe.TaskState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acquires++
	if gate := f.acquireGate; gate != nil {
		f.acquireGate = nil
		f.mu.Unlock()
		<-gate
		f.mu.Lock()
	}
	if f.starting > 0 {
		f.starting--
		return &probe.TaskState{Identity: id, PoolKey: id.PoolKey, TaskArn: "task-" + id.PoolKey, LastStatus: "PENDING",
			Reason: v1alpha1.ReasonProbeStarting, RetryAfter: 500 * time.Millisecond}, nil
	}
	return &probe.TaskState{Identity: id, PoolKey: id.PoolKey, TaskArn: "task-" + id.PoolKey, LastStatus: "RUNNING", ExecAgent: "RUNNING",
		Ready: true, Reason: v1alpha1.ReasonProbeRunning}, nil
}

func (f *fakeProber) Run(ctx context.Context, c *awsclient.Clients, task *probe.TaskState, jobs []probe.Job) (*probe.RunResult, error) {
	f.mu.Lock()
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	res := &probe.RunResult{TaskArn: task.TaskArn, Started: time.Time{}, Outcomes: map[types.NamespacedName][]probe.Outcome{}}
	s := session{pool: task.PoolKey, scope: c.Scope()}
	for _, j := range jobs {
		s.members = append(s.members, j.Check.Name)
		for _, t := range j.Targets {
			res.Outcomes[j.Check] = append(res.Outcomes[j.Check], probe.Outcome{Target: t.Name, Probed: true, AsExpected: true, Result: v1alpha1.ResultReachable})
		}
	}
	slices.Sort(s.members)
	f.runs <- s
	return res, nil
}

func (f *fakeProber) StopPool(_ context.Context, _ *awsclient.Clients, _, poolKey, _, _ string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stops = append(f.stops, poolKey)
	return []string{"task-" + poolKey}, nil
}

func (f *fakeProber) Stale(string) {}

func (f *fakeProber) acquired() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.acquires
}

func (f *fakeProber) stopped() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.stops)
}

type world struct {
	t     *testing.T
	clock *clocktesting.FakeClock
	probe *fakeProber
	pools *Pools
	inUse map[string]bool
	woken chan types.NamespacedName

	mu sync.Mutex
	// onTheirWay are the checks Arriving reports until they join.
	onTheirWay []string
}

func newWorld(t *testing.T) *world {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := &world{t: t, clock: clocktesting.NewFakeClock(t0), probe: newFakeProber(), inUse: map[string]bool{},
		woken: make(chan types.NamespacedName, 100)}
	w.pools = New(ctx, Options{
		Probes: w.probe, Clock: w.clock, Log: testr.New(t), Gather: time.Second,
		Wake: func(n types.NamespacedName) { w.woken <- n },
		InUse: func(_ context.Context, key string, _ func(types.NamespacedName) bool) (bool, error) {
			return w.inUse[key], nil
		},
		Arriving: func(_ context.Context, _ string, placements []string, member func(types.NamespacedName) bool) (bool, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			for _, n := range w.onTheirWay {
				if slices.Contains(placements, "svc") && !member(newMember(n, 0).Check) {
					return true, nil
				}
			}
			return false, nil
		},
	})
	return w
}

var controllerClients = &awsclient.Clients{Region: "ap-northeast-1"}

func ident(key string) *probe.Identity {
	return &probe.Identity{PoolKey: key, Cluster: "prod", ExecInto: v1alpha1.ExecIntoProbeTask}
}

func newMember(name string, interval time.Duration) Member {
	return Member{Check: types.NamespacedName{Namespace: "payments", Name: name}, Generation: 1, Interval: interval, Placement: "svc", Recorded: true,
		Timeout: 5 * time.Second, Targets: []v1alpha1.Target{{Name: "t", TCP: &v1alpha1.TCPTarget{Host: "example.com", Port: 443}}}}
}

func (w *world) join(key string, m Member) Report {
	return w.joinAs(controllerClients, key, m)
}

func (w *world) joinAs(c *awsclient.Clients, key string, m Member) Report {
	w.t.Helper()
	r, err := w.pools.Join(context.Background(), c, ident(key), m)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// idle waits until every pool goroutine sleeps on the clock (not a timed
// wait: it polls a condition).
func (w *world) idle() {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !w.parked() {
		if time.Now().After(deadline) {
			w.t.Fatal("no pool is waiting on the clock")
		}
		time.Sleep(time.Millisecond)
	}
}

// parked reports whether every pool's loop sleeps until its next action,
// which is still ahead.
func (w *world) parked() bool {
	w.pools.mu.Lock()
	defer w.pools.mu.Unlock()
	for _, p := range w.pools.pools {
		p.mu.Lock()
		// A timer at or before now has fired and its tick is under way.
		ok := p.parked && p.armed.Equal(p.next) && len(p.kick) == 0 &&
			(p.armed.IsZero() || p.armed.After(w.clock.Now()))
		p.mu.Unlock()
		if !ok {
			return false
		}
	}
	return true
}

// advance moves the clock by d and returns the sessions that ran for it.
func (w *world) advance(d time.Duration, sessions int) []session {
	w.t.Helper()
	w.idle()
	w.clock.Step(d)
	var out []session
	for range sessions {
		select {
		case s := <-w.probe.runs:
			out = append(out, s)
		case <-time.After(10 * time.Second):
			w.t.Fatalf("waited for %d sessions, got %v", sessions, out)
		}
	}
	return out
}

func (w *world) noSession() {
	w.t.Helper()
	w.idle()
	select {
	case s := <-w.probe.runs:
		w.t.Fatalf("unexpected session %+v", s)
	default:
	}
}

func TestMembersCreatedAtDifferentTimesConvergeOnOneSessionPerTick(t *testing.T) {
	w := newWorld(t)
	w.join("p", newMember("a", time.Minute))
	if s := w.advance(time.Second, 1); fmt.Sprint(s[0].members) != "[a]" {
		t.Fatalf("first run %v", s)
	}
	w.advance(20*time.Second, 0)
	w.join("p", newMember("b", time.Minute))
	// b is due now: after the gather, one session carries b and a, which
	// is due before the next tick.
	if s := w.advance(time.Second, 1); fmt.Sprint(s[0].members) != "[a b]" {
		t.Fatalf("b's first run %v", s)
	}
	for i := range 3 {
		w.advance(59*time.Second, 0)
		w.noSession()
		if s := w.advance(time.Second, 1); fmt.Sprint(s[0].members) != "[a b]" {
			t.Fatalf("tick %d: %v", i, s)
		}
	}
}

func TestMembersJoiningTogetherShareTheFirstSession(t *testing.T) {
	w := newWorld(t)
	for _, n := range []string{"a", "b", "c"} {
		w.join("p", newMember(n, time.Minute))
	}
	if s := w.advance(time.Second, 1); fmt.Sprint(s[0].members) != "[a b c]" {
		t.Fatalf("%v", s)
	}
	w.noSession()
}

func TestAMemberWithAShorterInterval(t *testing.T) {
	w := newWorld(t)
	w.join("p", newMember("slow", time.Minute))
	w.join("p", newMember("fast", 30*time.Second))
	w.advance(2*time.Second, 1)
	var got []string
	for range 4 {
		s := w.advance(30*time.Second, 1)
		got = append(got, fmt.Sprint(s[0].members))
	}
	if fmt.Sprint(got) != "[[fast] [fast slow] [fast] [fast slow]]" {
		t.Fatalf("sessions %v", got)
	}
}

func TestAMemberLeavingMidRun(t *testing.T) {
	w := newWorld(t)
	w.join("p", newMember("a", time.Minute))
	w.join("p", newMember("b", time.Minute))
	hold := make(chan struct{})
	w.probe.mu.Lock()
	w.probe.hold = hold
	w.probe.mu.Unlock()
	w.idle()
	w.clock.Step(2 * time.Second)
	// The session is under way; b leaves.
	if err := w.pools.Leave(context.Background(), newMember("b", 0).Check); err != nil {
		t.Fatal(err)
	}
	close(hold)
	<-w.probe.runs
	w.idle()
	if r, ok := w.pools.Report(newMember("a", 0).Check); !ok || r.Delivery == nil {
		t.Fatalf("a got no results: %+v", r)
	}
	if _, ok := w.pools.Report(newMember("b", 0).Check); ok {
		t.Fatal("b is still a member")
	}
	if len(w.probe.stopped()) != 0 {
		t.Fatalf("a's task was stopped: %v", w.probe.stopped())
	}
	// The last member leaving during a session ends it and stops the task.
	w.probe.mu.Lock()
	w.probe.hold = make(chan struct{})
	w.probe.mu.Unlock()
	w.clock.Step(time.Minute)
	if err := w.pools.Leave(context.Background(), newMember("a", 0).Check); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(w.probe.stopped()) != "[p]" {
		t.Fatalf("stops %v", w.probe.stopped())
	}
}

func TestProbeNowOnOneMember(t *testing.T) {
	w := newWorld(t)
	w.join("p", newMember("a", time.Minute))
	w.join("p", newMember("b", time.Minute))
	w.advance(2*time.Second, 1)
	w.advance(10*time.Second, 0)
	now := newMember("a", time.Minute)
	now.ProbeNow = "2026-11-22T03:00:11Z"
	w.join("p", now)
	s := w.advance(time.Second, 1)
	w.idle() // the session's results are delivered
	r, _ := w.pools.Report(now.Check)
	if r.Delivery == nil || r.Delivery.ProbeNow != now.ProbeNow || !slices.Contains(s[0].members, "a") {
		t.Fatalf("probe-now not answered: %+v, %v", r.Delivery, s)
	}
	// Joining again with the same request does not run again.
	w.join("p", now)
	w.noSession()
}

func TestAMemberWhoseSpecChangesPool(t *testing.T) {
	w := newWorld(t)
	w.join("p1", newMember("a", time.Minute))
	w.advance(time.Second, 1)
	moved := newMember("a", time.Minute)
	moved.Generation = 2
	w.join("p2", moved)
	if fmt.Sprint(w.probe.stopped()) != "[p1]" {
		t.Fatalf("the old pool's task was not stopped: %v", w.probe.stopped())
	}
	if s := w.advance(time.Second, 1); s[0].pool != "p2" {
		t.Fatalf("%v", s)
	}
	if keys := w.pools.Keys(); len(keys) != 1 || !keys["p2"] {
		t.Fatalf("pools %v", keys)
	}
}

func TestEachPoolRunsWithItsMembersCredentials(t *testing.T) {
	w := newWorld(t)
	tenantA := &awsclient.Clients{Region: "ap-northeast-1", RoleArn: "arn:aws:iam::111122223333:role/a", ExternalID: "team-a"}
	tenantB := &awsclient.Clients{Region: "ap-northeast-1", RoleArn: "arn:aws:iam::111122223333:role/b", ExternalID: "team-b"}
	// The pool key carries the credentials (probe.Identity), so the same
	// network under two roles is two pools.
	w.joinAs(tenantA, "net-as-a", newMember("a", time.Minute))
	w.joinAs(tenantB, "net-as-b", newMember("b", time.Minute))
	got := map[string]string{}
	for _, s := range w.advance(time.Second, 2) {
		got[fmt.Sprint(s.members)] = s.scope
	}
	if got["[a]"] != tenantA.Scope() || got["[b]"] != tenantB.Scope() {
		t.Fatalf("sessions ran with %v", got)
	}
}

func TestReleaseAfterRestartAsksTheIndex(t *testing.T) {
	w := newWorld(t)
	rec := &v1alpha1.ProbeStatus{PoolKey: "p", TaskArn: "task-p"}
	w.inUse["p"] = true
	if err := w.pools.Release(context.Background(), controllerClients, newMember("a", 0).Check, "prod", rec, ""); err != nil {
		t.Fatal(err)
	}
	if len(w.probe.stopped()) != 0 {
		t.Fatal("stopped a task another check's status names")
	}
	w.inUse["p"] = false
	if err := w.pools.Release(context.Background(), controllerClients, newMember("b", 0).Check, "prod", rec, ""); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(w.probe.stopped()) != "[p]" {
		t.Fatalf("stops %v", w.probe.stopped())
	}
	// A service's own task is never ours to stop.
	if err := w.pools.Release(context.Background(), controllerClients, newMember("c", 0).Check, "prod", &v1alpha1.ProbeStatus{PoolKey: "svc"},
		v1alpha1.ExecIntoServiceTask); err != nil || len(w.probe.stopped()) != 1 {
		t.Fatalf("%v, stops %v", err, w.probe.stopped())
	}
}

// Checks applied together reach their pool one reconcile at a time: the
// run waits Gather after the latest join, so they share one session.
func TestABurstOfJoinsSharesOneSession(t *testing.T) {
	w := newWorld(t)
	for i := range 10 {
		w.join("p", newMember(fmt.Sprintf("m%d", i), time.Minute))
		w.advance(800*time.Millisecond, 0)
	}
	w.noSession()
	if s := w.advance(2*time.Second, 1); len(s[0].members) != 10 {
		t.Fatalf("the burst took sessions %v", s)
	}
}

// A bulk apply: the checks exist, but their reconciles reach the pool
// seconds apart. The first members' run waits while the others are on their
// way, then carries them all.
func TestAPoolWaitsForTheChecksOnTheirWay(t *testing.T) {
	w := newWorld(t)
	w.arrive("b", "c")
	w.join("p", newMember("a", time.Minute))
	w.advance(5*time.Second, 0)
	w.join("p", newMember("b", time.Minute))
	w.advance(5*time.Second, 0)
	w.noSession()
	w.join("p", newMember("c", time.Minute))
	if s := w.advance(time.Second, 1); fmt.Sprint(s[0].members) != "[a b c]" {
		t.Fatalf("%v", s)
	}
	// A scheduled tick never waits for newcomers.
	w.arrive("d")
	if s := w.advance(time.Minute, 1); fmt.Sprint(s[0].members) != "[a b c]" {
		t.Fatalf("the tick %v", s)
	}
}

// Checks that never arrive (their reconcile keeps failing) hold the first
// members' results for half the tick at most.
func TestTheWaitForArrivingChecksIsBounded(t *testing.T) {
	w := newWorld(t)
	w.arrive("never")
	w.join("p", newMember("a", time.Minute))
	for range 29 {
		w.advance(time.Second, 0)
	}
	w.noSession()
	if s := w.advance(time.Second, 1); fmt.Sprint(s[0].members) != "[a]" {
		t.Fatalf("%v", s)
	}
	// So does an endless trickle of joins.
	w.advance(time.Minute, 1)
	for i := range 40 {
		w.join("p", newMember(fmt.Sprintf("late%02d", i), time.Minute))
		if i < 37 {
			w.advance(800*time.Millisecond, 0)
		}
	}
	w.noSession()
	if s := w.advance(time.Second, 1); len(s[0].members) < 38 {
		t.Fatalf("the capped run carried %v", s)
	}
}

// A look at a starting probe that finds it ready runs nobody before their
// due time: members joining meanwhile still share the run.
func TestAProbeThatBecomesReadyWaitsForTheGather(t *testing.T) {
	w := newWorld(t)
	gate := make(chan struct{})
	w.probe.mu.Lock()
	w.probe.starting, w.probe.acquireGate = 1, gate
	w.probe.mu.Unlock()
	w.join("p", newMember("a", time.Minute)) // due at +1s
	w.idle()
	w.clock.Step(time.Second)
	for w.probe.acquired() == 0 {
		time.Sleep(time.Millisecond) // the first look is under way
	}
	// b joins while the pool looks at its starting probe: both are due
	// at +2s, and the look, which finds the probe starting, asks to look
	// again at +1.5s.
	w.join("p", newMember("b", time.Minute))
	close(gate)
	w.advance(500*time.Millisecond, 0) // the probe is ready, nobody is due
	w.noSession()
	if s := w.advance(500*time.Millisecond, 1); fmt.Sprint(s[0].members) != "[a b]" {
		t.Fatalf("%v", s)
	}
}

func (w *world) arrive(names ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onTheirWay = names
}
