package controllers

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// Prober is the probe step of a reconcile: it resolves the service, brings
// up the check's probe and, when asked, runs the check's targets in it. It
// never blocks waiting for a task to start; it reports what it saw and the
// reconciler requeues.
type Prober interface {
	Probe(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck, run bool) (*ProbeOutcome, error)
	// Release gives up the check's share of its probe task; the task stops
	// when no other check uses it.
	Release(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck) error
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
	// Ran is true when the targets ran; Results then has one per target.
	Ran     bool
	Results []TargetResult
	// RetryAfter asks for an earlier requeue, e.g. while a task starts.
	RetryAfter time.Duration
}

// Health is a condition's status, reason and message.
type Health struct {
	Status  metav1.ConditionStatus
	Reason  string
	Message string
}

// TargetResult is what one target showed in a run.
type TargetResult struct {
	Name   string
	Result v1alpha1.TargetResult
	// AsExpected is decided by the probe: it knows expect, expectStatus
	// and expectPrivateAddress.
	AsExpected     bool
	Reason         string
	Message        string
	Addresses      []string
	ViaVPCEndpoint bool
	Latency        time.Duration
	Findings       []v1alpha1.Finding
}
