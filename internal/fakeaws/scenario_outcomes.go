package fakeaws

// Outcome says what a probe observes for one target, or what an AWS API call
// answers. Selectors left empty match anything; the first matching outcome in
// the list wins, so put specific entries before general ones.
//
// Exactly one of DNS, TCP, HTTP, API names the target:
//
//	dns:  a host name                      results OK | Unresolved | Timeout
//	tcp:  "host:port"                      results OK | Refused | Timeout | NoRoute | Unresolved | Error
//	http: a URL                            results OK | Curl | Timeout
//	api:  "<service>:<Operation>"          results Allowed | Denied | Timeout | Error
//
// API outcomes apply both to the probe's aws CLI calls answered by the fake
// agent and to real requests reaching the fake (from the controller, or from
// the aws CLI running in a shell-mode task), keyed by the caller's principal.
type Outcome struct {
	// Selectors: the task's subnet must be one of Subnets, and every group of
	// SecurityGroups must be attached to the task. Principal is matched (with
	// * wildcards) against the caller's ARN and, for role sessions, the role's
	// ARN; for probe calls the caller is the task role.
	Subnets        []string `json:"subnets,omitempty"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	Principal      string   `json:"principal,omitempty"`

	DNS  string `json:"dns,omitempty"`
	TCP  string `json:"tcp,omitempty"`
	HTTP string `json:"http,omitempty"`
	API  string `json:"api,omitempty"`

	Result string `json:"result"`
	// Addresses a name resolves to (dns OK; for tcp/http OK the first is the
	// address connected to).
	Addresses []string `json:"addresses,omitempty"`
	Status    int      `json:"status,omitempty"`   // http status
	CurlExit  int      `json:"curlExit,omitempty"` // http Curl
	Detail    string   `json:"detail,omitempty"`   // error text
	ElapsedMs int      `json:"elapsedMs,omitempty"`

	// API denials: Deny picks AWS's wording (NoIdentityPolicy,
	// ExplicitIdentityPolicy, VPCEndpointPolicy, NoVPCEndpointPolicy,
	// ServiceControlPolicy, PermissionsBoundary, ResourcePolicy,
	// SessionPolicy); Code and Message override the error code and text
	// (Message may use ${caller}, ${region}, ${account}).
	Deny     string `json:"deny,omitempty"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
	Resource string `json:"resource,omitempty"`
}

// Fault changes how an operation answers. Kind is Throttle, ServerError,
// Error (Code/Message/Status), RunTaskFailure (RunTask answers failures[]
// with Reason, default AGENT) or empty (latency only).
type Fault struct {
	Kind    string   `json:"kind,omitempty"`
	Code    string   `json:"code,omitempty"`
	Message string   `json:"message,omitempty"`
	Status  int      `json:"status,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Rate    float64  `json:"rate,omitempty"`  // fraction of calls affected; 0 means all
	Times   int      `json:"times,omitempty"` // only the next N affected calls; 0 means no limit
	Latency Duration `json:"latency,omitempty"`

	used int
}

// TaskFault changes tasks started by RunTask (optionally only of one family).
type TaskFault struct {
	Family string `json:"family,omitempty"`
	Times  int    `json:"times,omitempty"` // next N tasks; 0 means all
	// StoppedReason makes the task stop before RUNNING with this reason
	// (e.g. "CannotPullContainerError: ..."); StopCode defaults to
	// TaskFailedToStart.
	StoppedReason string `json:"stoppedReason,omitempty"`
	StopCode      string `json:"stopCode,omitempty"`
	// ExecAgent pins the ExecuteCommandAgent status (e.g. PENDING: the agent
	// never starts).
	ExecAgent string `json:"execAgent,omitempty"`

	used int
}

// ExecFault is handed to the fake agent for the next Times sessions (0: all).
type ExecFault struct {
	Times                 int      `json:"times,omitempty"`
	DuplicateFrames       bool     `json:"duplicateFrames,omitempty"`
	ReorderFrames         bool     `json:"reorderFrames,omitempty"`
	DropAcks              int      `json:"dropAcks,omitempty"`
	PausePublication      bool     `json:"pausePublication,omitempty"`
	DisconnectAfterFrames int      `json:"disconnectAfterFrames,omitempty"`
	CorruptDigest         bool     `json:"corruptDigest,omitempty"`
	CloseError            string   `json:"closeError,omitempty"`
	FirstOutputDelay      Duration `json:"firstOutputDelay,omitempty"`

	used int
}
