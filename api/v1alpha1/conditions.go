package v1alpha1

// Condition types.
const (
	// ConditionReady summarises the check: True when the last run completed
	// and every target is as expected.
	ConditionReady = "Ready"
	// ConditionProbeReady is True when the probe task runs and ECS Exec reaches it.
	ConditionProbeReady = "ProbeReady"
	// ConditionServiceHealthy is True when the service runs its desired tasks
	// and none stopped recently for a start failure.
	ConditionServiceHealthy = "ServiceHealthy"
	// ConditionReconciling (kstatus) is present only while True.
	ConditionReconciling = "Reconciling"
	// ConditionStalled (kstatus) is present only while True: nothing changes
	// until the spec or the AWS account changes.
	ConditionStalled = "Stalled"
)

// Reasons of the Ready condition.
const (
	// ReasonProbing: no run has completed for this generation yet.
	ReasonProbing = "Probing"
	// ReasonAllTargetsAsExpected: the last run found every target as expected.
	ReasonAllTargetsAsExpected = "AllTargetsAsExpected"
	// ReasonTargetsNotAsExpected: some target is not as expected.
	ReasonTargetsNotAsExpected = "TargetsNotAsExpected"
)

// Reasons of the ProbeReady condition. Ready takes the same reason when the
// probe cannot run.
const (
	ReasonProbeRunning            = "ProbeRunning"
	ReasonProbeStarting           = "ProbeStarting"
	ReasonRunTaskFailed           = "RunTaskFailed"
	ReasonProbeTaskStopped        = "ProbeTaskStopped"
	ReasonExecAgentNotRunning     = "ExecAgentNotRunning"
	ReasonExecuteCommandDenied    = "ExecuteCommandDenied"
	ReasonExecSessionFailed       = "ExecSessionFailed"
	ReasonServiceNotFound         = "ServiceNotFound"
	ReasonClusterNotFound         = "ClusterNotFound"
	ReasonControllerNotAuthorized = "ControllerNotAuthorized"
	ReasonNoRunningServiceTask    = "NoRunningServiceTask"
	ReasonAWSThrottled            = "AWSThrottled"
	ReasonAWSUnavailable          = "AWSUnavailable"
	ReasonAWSError                = "AWSError"
	ReasonInvalidConfiguration    = "InvalidConfiguration"
)

// Reasons of the ServiceHealthy condition.
const (
	ReasonServiceStable          = "ServiceStable"
	ReasonServiceTasksMissing    = "ServiceTasksMissing"
	ReasonServiceTaskStartFailed = "ServiceTaskStartFailed"
	ReasonNoService              = "NoService"
)

// Reasons of the Stalled condition (besides ServiceNotFound and ClusterNotFound).
const (
	// ReasonRoleNotAllowed: spec.roleArn is not listed in the namespace's
	// connectivity.ecscheck.dev/allowed-role-arns annotation.
	// It is also the reason when spec.taskRoleArn or spec.executionRoleArn
	// is not listed in connectivity.ecscheck.dev/allowed-probe-role-arns.
	ReasonRoleNotAllowed = "RoleNotAllowed"
	// ReasonImageNotAllowed: spec.probe.image is neither the controller's
	// --probe-image nor listed in the namespace's
	// connectivity.ecscheck.dev/allowed-probe-images annotation or the
	// controller's --allowed-probe-images.
	ReasonImageNotAllowed = "ImageNotAllowed"
)

// Reasons of the Reconciling condition.
const (
	ReasonNewGeneration = "NewGeneration"
	ReasonProbeNow      = "ProbeNowRequested"
)

// Reasons of a target result.
const (
	// Reachable and allowed.
	ReasonConnected      = "Connected"
	ReasonResolved       = "Resolved"
	ReasonHTTPStatus     = "HTTPStatusReceived"
	ReasonAPICallAllowed = "APICallAllowed"

	// Network failures.
	ReasonConnectionTimedOut    = "ConnectionTimedOut"
	ReasonConnectionRefused     = "ConnectionRefused"
	ReasonNoRouteToHost         = "NoRouteToHost"
	ReasonNameNotResolved       = "NameNotResolved"
	ReasonPublicAddressResolved = "PublicAddressResolved"
	ReasonHTTPStatusUnexpected  = "HTTPStatusUnexpected"
	ReasonTLSError              = "TLSError"
	ReasonHTTPError             = "HTTPError"
	ReasonAPICallTimedOut       = "APICallTimedOut"
	ReasonAPICallFailed         = "APICallFailed"
	// ReasonConnectionFailed: a TCP connect failed in a way that is neither
	// refused, timed out nor unroutable (a local error in the probe task).
	ReasonConnectionFailed = "ConnectionFailed"

	// ReasonAccessDenied: an awsAPI call was denied with a message that
	// names no policy type (older services, S3's bare "Access Denied").
	// A denial that names one has that policy type's AccessDenied* code.
	ReasonAccessDenied = "AccessDenied"

	// ReasonNotProbed: the target has not run yet.
	ReasonNotProbed = "NotProbed"
)

// The AccessDenied reasons of an awsAPI target are the AccessDenied* finding
// codes below, named after the policy type AWS names in its message.
