package fakeaws

// Scenario is the whole world the fake serves. It is read from YAML (see
// testdata/ for examples) and is also the live state: the admin API hands the
// same structure to callers under the server's lock, and resources created by
// API calls (tasks, task definition revisions) are appended to it.
//
// Field names follow the AWS JSON shapes where one exists, so that a task
// definition or container definition from AWS documentation can be pasted in.
type Scenario struct {
	// Region is the default region of every resource that names none, and the
	// region assumed for requests whose signature carries none.
	Region   string     `json:"region,omitempty"`
	Accounts []*Account `json:"accounts"`

	Lifecycle Lifecycle    `json:"lifecycle,omitempty"`
	Exec      ExecSettings `json:"exec,omitempty"`

	// Outcomes are what a probe observes (network, DNS, HTTP) and what an AWS
	// API call answers for a given caller. The first matching entry wins.
	Outcomes []*Outcome `json:"outcomes,omitempty"`

	// Faults are keyed by operation ("ecs:RunTask", "RunTask", "ecs:*", "*").
	Faults map[string]*Fault `json:"faults,omitempty"`
	// TaskFaults change how tasks started by RunTask behave.
	TaskFaults []*TaskFault `json:"taskFaults,omitempty"`
	// ExecFaults change ECS Exec sessions.
	ExecFaults []*ExecFault `json:"execFaults,omitempty"`

	// Seed makes fault rates reproducible; 0 means 1.
	Seed int64 `json:"seed,omitempty"`
}

// Account holds the resources of one AWS account. Resources of every region
// live in the same lists and carry their Region (default Scenario.Region).
type Account struct {
	ID          string        `json:"id"`
	Credentials []*Credential `json:"credentials,omitempty"`

	VPCs              []*VPC              `json:"vpcs,omitempty"`
	Subnets           []*Subnet           `json:"subnets,omitempty"`
	RouteTables       []*RouteTable       `json:"routeTables,omitempty"`
	NetworkACLs       []*NetworkACL       `json:"networkAcls,omitempty"`
	SecurityGroups    []*SecurityGroup    `json:"securityGroups,omitempty"`
	VPCEndpoints      []*VPCEndpoint      `json:"vpcEndpoints,omitempty"`
	NetworkInterfaces []*NetworkInterface `json:"networkInterfaces,omitempty"`
	NATGateways       []*NATGateway       `json:"natGateways,omitempty"`
	InternetGateways  []*InternetGateway  `json:"internetGateways,omitempty"`
	PrefixLists       []*PrefixList       `json:"prefixLists,omitempty"`

	Roles    []*Role          `json:"roles,omitempty"`
	Policies []*ManagedPolicy `json:"policies,omitempty"`
	KMSKeys  []*KMSKey        `json:"kmsKeys,omitempty"`

	Clusters        []*Cluster        `json:"clusters,omitempty"`
	TaskDefinitions []*TaskDefinition `json:"taskDefinitions,omitempty"`
	Services        []*Service        `json:"services,omitempty"`
	Tasks           []*Task           `json:"tasks,omitempty"`
}

// Credential maps an access key to a principal. ARN is an IAM user, an IAM
// role (the caller is then a session of it, named SessionName) or the root.
type Credential struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey,omitempty"`
	ARN             string `json:"arn"`
	SessionName     string `json:"sessionName,omitempty"`
}

// Lifecycle sets how long a task started by RunTask spends in each state.
type Lifecycle struct {
	Provisioning Duration `json:"provisioning,omitempty"` // PROVISIONING → PENDING
	Pending      Duration `json:"pending,omitempty"`      // PENDING → RUNNING
	ExecAgent    Duration `json:"execAgent,omitempty"`    // task RUNNING → ExecuteCommandAgent RUNNING
	Stopping     Duration `json:"stopping,omitempty"`     // StopTask → STOPPED
}

// ExecSettings shapes ECS Exec sessions and shell mode.
type ExecSettings struct {
	// Shell runs every task's container command and every exec command with
	// the local /bin/sh instead of answering from Outcomes.
	Shell bool `json:"shell,omitempty"`
	// Mode is Plain (default: what the agent does without a KMS key, it
	// skips the handshake unless "RequireHandshake() || encryptionEnabled",
	// amazon-ssm-agent agent/session/plugins/sessionplugin/sessionplugin.go),
	// Handshake (a handshake without encryption, for client tests), or
	// HandshakeKMS (always when the cluster names a KMS key).
	Mode             string   `json:"mode,omitempty"`
	FirstOutputDelay Duration `json:"firstOutputDelay,omitempty"`
	ChunkSize        int      `json:"chunkSize,omitempty"`
	// RealTime makes the outcome-answering agent wait for the longest
	// elapsed time of the run before answering, as a real probe would.
	RealTime bool `json:"realTime,omitempty"`
	// TaskRoleSessionName is the session name of task role credentials
	// (default: the task ID, as on Fargate).
	TaskRoleSessionName string `json:"taskRoleSessionName,omitempty"`
}

// Tags are resource tags; rendered sorted by key.
type Tags map[string]string
