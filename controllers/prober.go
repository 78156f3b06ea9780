package controllers

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Prober is the probe step of a reconcile: it resolves the service, brings
// up the check's probe and, when asked, runs the check's targets in it. It
// never blocks waiting for a task to start; it reports what it saw and the
// reconciler requeues.
type Prober interface {
	Probe(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck, run bool) (*ProbeOutcome, error)
	// Release gives up the check's share of its probe task as it is
	// deleted; the task stops when no other check uses it.
	Release(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck) error
	// Leave takes a check that stops probing (suspended, stalled) out of
	// its pool, with the same effect on the task.
	Leave(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) error
}

// ProbePhase is where the probe is.
type ProbePhase int

const (
	// ProbeStarting: the probe task or its exec agent is on its way up.
	ProbeStarting ProbePhase = iota
	// ProbeAvailable: the probe runs and ECS Exec reaches it.
	ProbeAvailable
	// ProbeFailed: the probe cannot run; retried at the next interval or
	// earlier when RetryAfter is set.
	ProbeFailed
	// ProbeStalled: the probe cannot run until the spec or the AWS account
	// changes (service or cluster not found).
	ProbeStalled
)

// ProbeOutcome is what the probe step saw.
type ProbeOutcome struct {
	Phase ProbePhase
	// Reason and Message explain the ProbeReady condition.
	Reason  string
	Message string
	// Probe is the probe task's status.
	Probe *v1alpha1.ProbeStatus
	// Service is set when spec.service is, with its health.
	Service       *v1alpha1.ServiceStatus
	ServiceHealth *Health
	// Findings about the probe or the service.
	Findings []v1alpha1.Finding
	// Ran is true when the targets ran at RanAt; Results then has one per
	// target the probe reported on, and ProbeNow the probe-now request the
	// run answered.
	Ran      bool
	RanAt    time.Time
	ProbeNow string
	Results  []probe.Outcome
	// NextRun is when the pool runs the check next; zero when unknown.
	NextRun time.Time
	// Persist asks the reconciler to write status now, before the pool can
	// start a task (the pool key that a deletion needs to stop it).
	Persist bool
	// RetryAfter asks for an earlier requeue, e.g. while a task starts.
	RetryAfter time.Duration
}

// Health is a condition's status, reason and message.
type Health struct {
	Status  metav1.ConditionStatus
	Reason  string
	Message string
}
