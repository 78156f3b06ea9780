package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/pool"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Resolver works out where and as whom a check's probe runs
// (*probe.Manager): cached, batched reads of the check's service.
type Resolver interface {
	Resolve(ctx context.Context, c *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck) (*probe.Identity, *probe.ServiceState, error)
}

// Pools is the pool registry as the probe step uses it (*pool.Pools).
type Pools interface {
	Join(ctx context.Context, c *awsclient.Clients, id *probe.Identity, m pool.Member) (pool.Report, error)
	Leave(ctx context.Context, check types.NamespacedName) error
	Release(ctx context.Context, c *awsclient.Clients, check types.NamespacedName, cluster string, recorded *v1alpha1.ProbeStatus, execInto v1alpha1.ExecInto) error
}

var (
	_ Resolver = (*probe.Manager)(nil)
	_ Pools    = (*pool.Pools)(nil)
)

// ProbeStep is the production Prober: it resolves the check's identity,
// joins the check to its pool and reads back what the pool last saw. The
// pool runs the targets; a check whose results came from its pool's run
// makes no AWS call of its own.
type ProbeStep struct {
	Resolver Resolver
	Pools    Pools
	// Explain explains the service's health (ServiceHealthy's findings).
	Explain *Explainer
}

var _ Prober = (*ProbeStep)(nil)

// Probe reports the check's probe and its latest results. run says whether
// the check's status shows its targets due.
func (s *ProbeStep) Probe(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck, run bool) (*ProbeOutcome, error) {
	id, svc, err := s.Resolver.Resolve(ctx, clients, check)
	if err != nil {
		return failedOutcome(err), nil
	}
	out := &ProbeOutcome{}
	if svc != nil {
		out.Service = svc.Status()
		out.ServiceHealth, out.Findings = s.Explain.ServiceHealth(ctx, clients, id, svc)
	}
	// The pool key reaches status before the pool can start a task for
	// it, so a deletion, even after a crash, knows what to stop: until the
	// member is recorded, its pool starts none for it.
	m := s.member(check, run)
	m.Recorded = check.Status.Probe != nil && check.Status.Probe.PoolKey == id.PoolKey
	rep, err := s.Pools.Join(ctx, clients, id, m)
	if err != nil {
		return nil, err
	}
	s.fromReport(out, check, rep)
	out.Persist = !m.Recorded
	return out, nil
}

// member is the check as its pool schedules it.
func (s *ProbeStep) member(check *v1alpha1.ECSConnectivityCheck, run bool) pool.Member {
	m := pool.Member{
		Check:      types.NamespacedName{Namespace: check.Namespace, Name: check.Name},
		Generation: check.Generation,
		Targets:    check.Spec.Targets,
		Timeout:    check.Spec.TimeoutDuration(),
		Interval:   check.Spec.IntervalDuration(),
		Placement:  Placement(check),
	}
	if v := check.Annotations[v1alpha1.ProbeNowAnnotation]; v != "" && v != check.Status.LastHandledProbeNow {
		m.ProbeNow = v
	}
	if p := check.Status.Probe; p != nil {
		m.Hint = p.TaskArn
	}
	if !run && check.Status.NextProbeTime != nil {
		m.Due = check.Status.NextProbeTime.Time
	}
	return m
}

// fromReport turns what the pool saw into the check's outcome.
func (s *ProbeStep) fromReport(out *ProbeOutcome, check *v1alpha1.ECSConnectivityCheck, rep pool.Report) {
	out.NextRun = rep.Due
	out.Probe = &v1alpha1.ProbeStatus{PoolKey: rep.PoolKey}
	if rep.Task != nil {
		out.Probe = rep.Task.Status()
	}
	switch {
	case rep.Err != nil:
		out.Phase, out.Reason, out.Message, out.RetryAfter = ProbeFailed, rep.Err.Reason, rep.Err.Message, rep.Err.RetryAfter
		out.Findings = append(out.Findings, rep.Findings...)
	case rep.Task == nil:
		out.Phase, out.Reason, out.Message = ProbeStarting, v1alpha1.ReasonProbeStarting, "Waiting for the pool's probe task"
	case !rep.Task.Ready:
		out.Phase, out.Reason, out.Message, out.RetryAfter = ProbeFailed, rep.Task.Reason, rep.Task.Message, rep.Task.RetryAfter
		if rep.Task.Reason == v1alpha1.ReasonProbeStarting {
			out.Phase = ProbeStarting
		}
		out.Findings = append(out.Findings, rep.Findings...)
	default:
		out.Phase, out.Reason = ProbeAvailable, v1alpha1.ReasonProbeRunning
		out.Message = fmt.Sprintf("Probe task %s is %s and its ECS Exec agent is %s", rep.Task.TaskArn, rep.Task.LastStatus, rep.Task.ExecAgent)
		out.Findings = append(out.Findings, rep.Findings...)
	}
	d := rep.Delivery
	if d == nil || d.Generation != check.Generation {
		return
	}
	if inStatus(check, d) {
		return
	}
	out.Ran, out.RanAt, out.ProbeNow = true, d.At, d.ProbeNow
	for _, o := range d.Outcomes {
		if o.Probed {
			out.Results = append(out.Results, o)
		}
	}
}

// inStatus tells whether status already holds delivery d, so that the
// same results never count twice towards a failure threshold. Status
// keeps whole seconds: a run in the same second as the last one is new
// only when it answers what the last one did not, a probe-now request or
// a new generation.
func inStatus(check *v1alpha1.ECSConnectivityCheck, d *pool.Delivery) bool {
	last := check.Status.LastProbeTime
	switch {
	case last == nil || d.At.Truncate(time.Second).After(last.Time):
		return false
	case d.At.Truncate(time.Second).Before(last.Time):
		return true
	}
	answersProbeNow := d.ProbeNow != "" && d.ProbeNow != check.Status.LastHandledProbeNow
	return !answersProbeNow && check.Status.ObservedGeneration == d.Generation
}

// Release gives up the check's share of its pool as it is deleted.
func (s *ProbeStep) Release(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck) error {
	return s.Pools.Release(ctx, clients, types.NamespacedName{Namespace: check.Namespace, Name: check.Name},
		check.Spec.Cluster, check.Status.Probe, check.Spec.Probe.ExecInto)
}

// Leave takes a check that stopped probing out of its pool.
func (s *ProbeStep) Leave(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) error {
	return s.Pools.Leave(ctx, types.NamespacedName{Namespace: check.Namespace, Name: check.Name})
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
