package metrics

import (
	"slices"
	"strings"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Label values come from closed sets so that no series can be created per
// message, ARN or address: anything outside a set is counted as Other.
const Other = "Other"

// targetReasons are the reasons a target result can have (api/v1alpha1),
// including the AccessDenied* finding codes that awsAPI targets use.
var targetReasons = set(
	v1alpha1.ReasonConnected, v1alpha1.ReasonResolved, v1alpha1.ReasonHTTPStatus, v1alpha1.ReasonAPICallAllowed,
	v1alpha1.ReasonConnectionTimedOut, v1alpha1.ReasonConnectionRefused, v1alpha1.ReasonNoRouteToHost,
	v1alpha1.ReasonNameNotResolved, v1alpha1.ReasonPublicAddressResolved, v1alpha1.ReasonHTTPStatusUnexpected,
	v1alpha1.ReasonTLSError, v1alpha1.ReasonHTTPError, v1alpha1.ReasonAPICallTimedOut, v1alpha1.ReasonAPICallFailed,
	v1alpha1.ReasonConnectionFailed, v1alpha1.ReasonAccessDenied, v1alpha1.ReasonNotProbed,
	string(v1alpha1.FindingAccessDeniedNoIdentityPolicy), string(v1alpha1.FindingAccessDeniedExplicitIdentityPolicy),
	string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy), string(v1alpha1.FindingAccessDeniedServiceControlPolicy),
	string(v1alpha1.FindingAccessDeniedPermissionsBoundary), string(v1alpha1.FindingAccessDeniedResourcePolicy),
	string(v1alpha1.FindingAccessDeniedSessionPolicy),
)

// conditionReasons are the reasons of the check's conditions (api/v1alpha1).
var conditionReasons = set(
	v1alpha1.ReasonProbing, v1alpha1.ReasonAllTargetsAsExpected, v1alpha1.ReasonTargetsNotAsExpected,
	v1alpha1.ReasonProbeRunning, v1alpha1.ReasonProbeStarting, v1alpha1.ReasonRunTaskFailed, v1alpha1.ReasonProbeTaskStopped,
	v1alpha1.ReasonExecAgentNotRunning, v1alpha1.ReasonExecuteCommandDenied, v1alpha1.ReasonExecSessionFailed,
	v1alpha1.ReasonServiceNotFound, v1alpha1.ReasonClusterNotFound, v1alpha1.ReasonControllerNotAuthorized,
	v1alpha1.ReasonNoRunningServiceTask, v1alpha1.ReasonAWSThrottled, v1alpha1.ReasonAWSUnavailable, v1alpha1.ReasonAWSError,
	v1alpha1.ReasonInvalidConfiguration,
	v1alpha1.ReasonServiceStable, v1alpha1.ReasonServiceTasksMissing, v1alpha1.ReasonServiceTaskStartFailed, v1alpha1.ReasonNoService,
	v1alpha1.ReasonRoleNotAllowed, v1alpha1.ReasonImageNotAllowed, v1alpha1.ReasonNewGeneration, v1alpha1.ReasonProbeNow,
)

// conditionTypes are the conditions exported; others are ignored.
var conditionTypes = set(
	v1alpha1.ConditionReady, v1alpha1.ConditionProbeReady, v1alpha1.ConditionServiceHealthy,
	v1alpha1.ConditionReconciling, v1alpha1.ConditionStalled,
)

// Reasons a probe task fails to start or stops, for ProbeTaskFailed: RunTask
// failures[] reasons (seed 003) and stop codes (seed 001).
const (
	TaskFailureAgent                    = "AGENT"
	TaskFailureResource                 = "RESOURCE" // any RESOURCE:* (CPU, MEMORY, ENI, PORTS...)
	TaskFailureAttribute                = "ATTRIBUTE"
	TaskFailureMissing                  = "MISSING"
	TaskFailureCannotPullContainer      = "CannotPullContainer"
	TaskFailureResourceInitialization   = "ResourceInitialization"
	TaskFailureEssentialContainerExited = "EssentialContainerExited"
	TaskFailureTaskFailedToStart        = "TaskFailedToStart"
	TaskFailureSpotInterruption         = "SpotInterruption"
	TaskFailureExecAgentNotRunning      = "ExecAgentNotRunning"
)

var taskFailureReasons = set(
	TaskFailureAgent, TaskFailureResource, TaskFailureAttribute, TaskFailureMissing,
	TaskFailureCannotPullContainer, TaskFailureResourceInitialization, TaskFailureEssentialContainerExited,
	TaskFailureTaskFailedToStart, TaskFailureSpotInterruption, TaskFailureExecAgentNotRunning, Other,
)

// TaskFailureReason maps what ECS reports (a failures[] reason such as
// "RESOURCE:MEMORY", a stop code, or a stopped reason such as
// "CannotPullContainerError: ...") to a label value.
func TaskFailureReason(s string) string {
	switch {
	case taskFailureReasons[s]:
		return s
	case strings.HasPrefix(s, "RESOURCE:"):
		return TaskFailureResource
	case strings.HasPrefix(s, "CannotPullContainer"):
		return TaskFailureCannotPullContainer
	case strings.HasPrefix(s, "ResourceInitializationError"):
		return TaskFailureResourceInitialization
	case strings.HasPrefix(s, "Essential container in task exited"):
		return TaskFailureEssentialContainerExited
	}
	return Other
}

// execErrorKinds are the kinds the probe reports, Other among them.
var execErrorKinds = set(probe.ExecErrorKinds...)

func execErrorKind(kind string) string { return oneOf(execErrorKinds, kind) }

func targetReason(r string) string    { return oneOf(targetReasons, r) }
func conditionReason(r string) string { return oneOf(conditionReasons, r) }

func oneOf(values map[string]bool, v string) string {
	if values[v] {
		return v
	}
	return Other
}

func set(values ...string) map[string]bool {
	m := make(map[string]bool, len(values))
	for _, v := range values {
		m[v] = true
	}
	return m
}

// sortedKeys lists a set in a stable order (pre-initialised series).
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
