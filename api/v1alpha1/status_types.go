package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ECSConnectivityCheckStatus is what the last runs found.
type ECSConnectivityCheckStatus struct {
	// ObservedGeneration is the generation last reconciled (probed or stalled).
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Summary is "<targets as expected>/<targets>".
	// +optional
	Summary string `json:"summary,omitempty"`

	// LastProbeTime is when the last run completed.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`

	// NextProbeTime is when the next run is due.
	// +optional
	NextProbeTime *metav1.Time `json:"nextProbeTime,omitempty"`

	// LastHandledProbeNow is the last value of the probe-now annotation that
	// triggered a run.
	// +optional
	LastHandledProbeNow string `json:"lastHandledProbeNow,omitempty"`

	// Conditions: Ready, ProbeReady, ServiceHealthy, and while true
	// Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Probe is the task the checks run in.
	// +optional
	Probe *ProbeStatus `json:"probe,omitempty"`

	// Service is the state of spec.service.
	// +optional
	Service *ServiceStatus `json:"service,omitempty"`

	// Findings about the probe and the service, as opposed to one target.
	// +optional
	Findings []Finding `json:"findings,omitempty"`

	// Targets holds one result per spec target.
	// +optional
	// +listType=map
	// +listMapKey=name
	Targets []TargetStatus `json:"targets,omitempty"`
}

// ProbeStatus describes the probe task.
type ProbeStatus struct {
	// TaskArn of the probe task.
	// +optional
	TaskArn string `json:"taskArn,omitempty"`
	// LastStatus of the task as ECS reports it (PROVISIONING, RUNNING...).
	// +optional
	LastStatus string `json:"lastStatus,omitempty"`
	// ExecAgent is the status of the ExecuteCommandAgent managed agent.
	// +optional
	ExecAgent string `json:"execAgent,omitempty"`
	// StartedAt is when the task started running.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// PoolKey is the network identity this probe serves.
	// +optional
	PoolKey string `json:"poolKey,omitempty"`
}

// ServiceStatus is the state of the ECS service.
type ServiceStatus struct {
	// DesiredCount of the service.
	DesiredCount int32 `json:"desiredCount"`
	// RunningCount of the service.
	RunningCount int32 `json:"runningCount"`
	// RecentStopReasons of the service's stopped tasks.
	// +optional
	RecentStopReasons []StopReason `json:"recentStopReasons,omitempty"`
}

// StopReason is why a task stopped.
type StopReason struct {
	// TaskArn of the stopped task.
	TaskArn string `json:"taskArn"`
	// Code is the ECS stop code or the error prefix of the reason, e.g.
	// CannotPullContainer.
	// +optional
	Code string `json:"code,omitempty"`
	// StoppedReason as ECS reports it.
	// +optional
	StoppedReason string `json:"stoppedReason,omitempty"`
	// StoppedAt is when the task stopped.
	// +optional
	StoppedAt *metav1.Time `json:"stoppedAt,omitempty"`
}

// Finding explains a failure down to the AWS resource that causes it.
type Finding struct {
	// Code names the kind of problem.
	Code FindingCode `json:"code"`
	// Resource is the ID or ARN of the resource to change.
	// +optional
	Resource string `json:"resource,omitempty"`
	// Message says what is wrong and what to change.
	Message string `json:"message"`
}

// TargetResult is what a target showed.
// +kubebuilder:validation:Enum=Reachable;Unreachable;Allowed;Denied;Unknown
type TargetResult string

// Values of TargetResult.
const (
	ResultReachable   TargetResult = "Reachable"
	ResultUnreachable TargetResult = "Unreachable"
	ResultAllowed     TargetResult = "Allowed"
	ResultDenied      TargetResult = "Denied"
	ResultUnknown     TargetResult = "Unknown"
)

// TargetStatus is the last result of one target.
type TargetStatus struct {
	// Name of the target.
	Name string `json:"name"`
	// Result of the last run.
	Result TargetResult `json:"result"`
	// AsExpected is whether the target counts as expected, after
	// failureThreshold.
	AsExpected bool `json:"asExpected"`
	// Reason is a CamelCase reason for the result.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message is what the probe saw.
	// +optional
	Message string `json:"message,omitempty"`
	// Addresses the host resolved to inside the task.
	// +optional
	Addresses []string `json:"addresses,omitempty"`
	// ViaVPCEndpoint is true when the name resolved inside the VPC's CIDR.
	// +optional
	ViaVPCEndpoint bool `json:"viaVPCEndpoint,omitempty"`
	// LatencyMilliseconds of the last attempt.
	// +optional
	LatencyMilliseconds int64 `json:"latencyMilliseconds,omitempty"`
	// ConsecutiveFailures counts runs in a row whose result was not as expected.
	// +optional
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`
	// LastTransitionTime is when AsExpected last changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
	// LastSuccessTime is when the target was last as expected.
	// +optional
	LastSuccessTime *metav1.Time `json:"lastSuccessTime,omitempty"`
	// Findings explain why the target is not as expected.
	// +optional
	Findings []Finding `json:"findings,omitempty"`
}
