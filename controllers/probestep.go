package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// ProbeStep is the production Prober: the probe manager starts, shares and
// runs probe tasks, and the diagnoser explains what is not as expected.
//
// Checks of one pool share a run: the first due check to reach a ready probe
// carries the due targets of every other due member in the same exec
// session, parks their results and wakes them to write their own status.
type ProbeStep struct {
	Probes    *probe.Manager
	Diagnoser *diagnose.Diagnoser
	// Reader reads the other members of a pool (the manager's cache).
	Reader client.Reader
	// Wake enqueues a check whose results were parked; nil when unused.
	Wake  func(types.NamespacedName)
	Clock clock.PassiveClock
	Log   logr.Logger

	mu        sync.Mutex
	poolLocks map[string]*sync.Mutex
	parked    map[types.NamespacedName]parkedRun
	ran       map[types.NamespacedName]runMark
}

// runMark remembers a check's last run, so that a reconcile reading a cache
// that does not show that run's status yet does not run the targets again.
type runMark struct {
	generation int64
	probeNow   string
	at         time.Time
}

// parkedRun is a run made by another member of the pool, waiting for its
// check's reconcile.
type parkedRun struct {
	generation int64
	results    []TargetResult
}

var _ Prober = (*ProbeStep)(nil)

// Probe resolves the check's service, acquires its probe and, when run is
// true, runs its targets.
func (s *ProbeStep) Probe(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck, run bool) (*ProbeOutcome, error) {
	id, svc, err := s.Probes.Resolve(ctx, clients, check)
	if err != nil {
		return failedOutcome(err), nil
	}
	out := &ProbeOutcome{}
	if svc != nil {
		out.Service = svc.Status()
		out.ServiceHealth, out.Findings = s.serviceHealth(ctx, clients, id, svc)
	}

	task, err := s.Probes.Acquire(ctx, clients, check, id)
	if err != nil {
		return withService(failedOutcome(err), out), nil
	}
	out.Probe = task.Status()
	if !task.Ready {
		out.Reason, out.Message, out.RetryAfter = task.Reason, task.Message, task.RetryAfter
		out.Phase = ProbeFailed
		if task.Reason == v1alpha1.ReasonProbeStarting {
			out.Phase = ProbeStarting
		}
		taskFindings := task.Findings
		if task.StopCode != "" || task.StoppedReason != "" {
			// Diagnosis restates the stop with what explains it; keep its
			// version of a finding the task state also has.
			taskFindings = overrideFindings(taskFindings, s.explainStop(ctx, clients, id, task))
		}
		taskFindings = overrideFindings(taskFindings, s.explainExec(ctx, clients, id, task, task.Reason, task.Message))
		out.Findings = append(out.Findings, taskFindings...)
		return out, nil
	}
	out.Phase = ProbeAvailable
	out.Reason = v1alpha1.ReasonProbeRunning
	out.Message = fmt.Sprintf("Probe task %s is %s and its ECS Exec agent is %s", task.TaskArn, task.LastStatus, task.ExecAgent)
	// Another member of the pool may have run this check's targets a little
	// ahead of its own due time.
	if results, ok := s.takeParked(types.NamespacedName{Namespace: check.Namespace, Name: check.Name}, check.Generation); ok {
		out.Ran, out.Results = true, results
		return out, nil
	}
	if !run || s.ranRecently(check) {
		return out, nil
	}

	results, err := s.run(ctx, clients, check, id, task)
	if err != nil {
		failed := failedOutcome(err)
		failed.Probe = out.Probe
		failed.Findings = append(failed.Findings, s.explainExec(ctx, clients, id, task, failed.Reason, failed.Message)...)
		return withService(failed, out), nil
	}
	out.Ran, out.Results = true, results
	return out, nil
}

// Release gives up the check's share of its probe and drops parked results.
func (s *ProbeStep) Release(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck) error {
	s.mu.Lock()
	delete(s.parked, types.NamespacedName{Namespace: check.Namespace, Name: check.Name})
	delete(s.ran, types.NamespacedName{Namespace: check.Namespace, Name: check.Name})
	s.mu.Unlock()
	return s.Probes.Release(ctx, clients, check)
}

// run takes the check's parked results if another member already ran its
// targets, or runs them together with every other due member of the pool.
func (s *ProbeStep) run(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck, id *probe.Identity, task *probe.TaskState) ([]TargetResult, error) {
	lock := s.poolLock(task.PoolKey)
	lock.Lock()
	defer lock.Unlock()

	key := types.NamespacedName{Namespace: check.Namespace, Name: check.Name}
	if results, ok := s.takeParked(key, check.Generation); ok {
		return results, nil
	}

	checks := map[types.NamespacedName]*v1alpha1.ECSConnectivityCheck{key: check}
	jobs := []probe.Job{{Check: key, Targets: check.Spec.Targets, Timeout: check.Spec.TimeoutDuration()}}
	if id.ExecInto == v1alpha1.ExecIntoProbeTask && id.Lifecycle != v1alpha1.LifecyclePerRun {
		for _, m := range s.Probes.Members(task.PoolKey) {
			other := s.dueMember(ctx, m, key, task.PoolKey)
			if other == nil {
				continue
			}
			checks[m] = other
			jobs = append(jobs, probe.Job{Check: m, Targets: other.Spec.Targets, Timeout: other.Spec.TimeoutDuration()})
		}
	}

	res, err := s.Probes.Run(ctx, clients, task, jobs)
	if err != nil {
		return nil, err
	}
	var mine []TargetResult
	for name, c := range checks {
		results := s.results(ctx, clients, id, c, res.Outcomes[name])
		s.markRun(c)
		if name == key {
			mine = results
			continue
		}
		s.park(name, c.Generation, results)
		if s.Wake != nil {
			s.Wake(name)
		}
	}
	return mine, nil
}

// dueMember returns another check of the pool when its targets are due now
// or within its jitter (a tenth of its interval) and a timeout: checks
// created together then keep sharing one session run after run.
func (s *ProbeStep) dueMember(ctx context.Context, m, self types.NamespacedName, poolKey string) *v1alpha1.ECSConnectivityCheck {
	if m == self || s.Reader == nil {
		return nil
	}
	other := &v1alpha1.ECSConnectivityCheck{}
	if err := s.Reader.Get(ctx, m, other); err != nil {
		return nil
	}
	if other.Spec.Suspend || !other.DeletionTimestamp.IsZero() {
		return nil
	}
	now := s.Clock.Now()
	if due, _ := isDue(other, now); due {
		return other
	}
	horizon := other.Spec.IntervalDuration()/10 + other.Spec.TimeoutDuration()
	if next := other.Status.NextProbeTime; next != nil && next.Sub(now) <= horizon {
		return other
	}
	return nil
}

func (s *ProbeStep) poolLock(key string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.poolLocks == nil {
		s.poolLocks = map[string]*sync.Mutex{}
	}
	l := s.poolLocks[key]
	if l == nil {
		l = &sync.Mutex{}
		s.poolLocks[key] = l
	}
	return l
}

func (s *ProbeStep) park(key types.NamespacedName, generation int64, results []TargetResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parked == nil {
		s.parked = map[types.NamespacedName]parkedRun{}
	}
	s.parked[key] = parkedRun{generation: generation, results: results}
}

// takeParked returns results parked for this generation of the check; a
// spec change since makes them stale.
func (s *ProbeStep) takeParked(key types.NamespacedName, generation int64) ([]TargetResult, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.parked[key]
	delete(s.parked, key)
	return p.results, ok && p.generation == generation
}

func (s *ProbeStep) markRun(check *v1alpha1.ECSConnectivityCheck) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ran == nil {
		s.ran = map[types.NamespacedName]runMark{}
	}
	s.ran[types.NamespacedName{Namespace: check.Namespace, Name: check.Name}] = runMark{
		generation: check.Generation, probeNow: check.Annotations[v1alpha1.ProbeNowAnnotation], at: s.Clock.Now(),
	}
}

// ranRecently is true when this generation ran within half an interval and
// no new probe-now was asked since: the check looks due only because its
// status in the cache predates that run.
func (s *ProbeStep) ranRecently(check *v1alpha1.ECSConnectivityCheck) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.ran[types.NamespacedName{Namespace: check.Namespace, Name: check.Name}]
	return ok && m.generation == check.Generation && m.probeNow == check.Annotations[v1alpha1.ProbeNowAnnotation] &&
		s.Clock.Now().Sub(m.at) < check.Spec.IntervalDuration()/2
}

// failedOutcome turns a probe error into an outcome: stalled when only a
// spec or account change helps, failed otherwise.
func failedOutcome(err error) *ProbeOutcome {
	pe := probe.AsError(err)
	o := &ProbeOutcome{Phase: ProbeFailed, Reason: pe.Reason, Message: pe.Message, RetryAfter: pe.RetryAfter, Findings: pe.Findings}
	if pe.Stalled() {
		o.Phase = ProbeStalled
	}
	return o
}

// withService keeps the service's state, read before the probe failed.
func withService(o, from *ProbeOutcome) *ProbeOutcome {
	o.Service, o.ServiceHealth = from.Service, from.ServiceHealth
	o.Findings = append(from.Findings, o.Findings...)
	return o
}

// overrideFindings is base with every finding whose code also appears in
// better replaced by better's, followed by better's other findings.
func overrideFindings(base, better []v1alpha1.Finding) []v1alpha1.Finding {
	codes := map[v1alpha1.FindingCode]bool{}
	for _, f := range better {
		codes[f.Code] = true
	}
	out := make([]v1alpha1.Finding, 0, len(base)+len(better))
	for _, f := range base {
		if !codes[f.Code] {
			out = append(out, f)
		}
	}
	return append(out, better...)
}
