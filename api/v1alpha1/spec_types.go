package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ECSConnectivityCheckSpec is the expected reachability of one ECS service.
//
// +kubebuilder:validation:XValidation:rule="(has(self.service) && size(self.service) > 0) || (has(self.network) && has(self.network.subnets) && size(self.network.subnets) > 0)",message="set spec.service, or spec.network.subnets so the probe knows where to run"
// +kubebuilder:validation:XValidation:rule="self.probe.execInto != 'ServiceTask' || (has(self.service) && size(self.service) > 0)",message="probe.execInto: ServiceTask needs spec.service: it execs into a running task of that service"
// +kubebuilder:validation:XValidation:rule="self.probe.execInto != 'ServiceTask' || !has(self.probe.lifecycle)",message="probe.lifecycle applies only to execInto: ProbeTask; remove it when execInto is ServiceTask"
// +kubebuilder:validation:XValidation:rule="self.probe.execInto == 'ServiceTask' || !has(self.probe.container)",message="probe.container applies only to execInto: ServiceTask"
// +kubebuilder:validation:XValidation:rule="duration(self.timeout) < duration(self.interval)",message="timeout must be shorter than interval"
type ECSConnectivityCheckSpec struct {
	// Region of the cluster. Defaults to the controller's --default-region,
	// then to the region of the controller's AWS configuration.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`
	// +kubebuilder:validation:MaxLength=32
	Region string `json:"region,omitempty"`

	// Cluster is the ECS cluster's name or ARN.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9_-]{1,255}$') || self.matches('^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]{1,255}$')",message="cluster must be a cluster name (letters, digits, '-' and '_') or a cluster ARN"
	Cluster string `json:"cluster"`

	// Service is the ECS service whose network configuration and task role
	// the probe mirrors.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self == '' || self.matches('^[A-Za-z0-9_-]{1,255}$') || self.matches('^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:service/([A-Za-z0-9_-]{1,255}/)?[A-Za-z0-9_-]{1,255}$')",message="service must be a service name (letters, digits, '-' and '_') or a service ARN"
	Service string `json:"service,omitempty"`

	// Network is where the probe runs. Required without a service; with one,
	// each field set here overrides the service's.
	// +optional
	Network *NetworkSpec `json:"network,omitempty"`

	// TaskRoleArn overrides the service's task role for the probe.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`
	TaskRoleArn string `json:"taskRoleArn,omitempty"`

	// ExecutionRoleArn overrides the service's task execution role for the probe.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`
	ExecutionRoleArn string `json:"executionRoleArn,omitempty"`

	// RoleArn is a role the controller assumes for this check, for example in
	// another account. Honoured only when the namespace's annotation
	// connectivity.ecscheck.dev/allowed-role-arns lists it.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`
	RoleArn string `json:"roleArn,omitempty"`

	// Interval between runs, 30s to 24h.
	// +optional
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('30s') && duration(self) <= duration('24h')",message="interval must be between 30s and 24h"
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Timeout of each target, 1s to 60s.
	// +optional
	// +kubebuilder:default="5s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('60s')",message="timeout must be between 1s and 60s"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// FailureThreshold is the number of consecutive failed runs before a
	// target counts as not as expected.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	FailureThreshold int32 `json:"failureThreshold,omitempty"`

	// Suspend stops probing; the last results stay in status.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Probe says where and how the checks run.
	// +optional
	// +kubebuilder:default={}
	Probe ProbeSpec `json:"probe,omitempty"`

	// Targets are what the service is expected to reach, or not.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:XValidation:rule="self.all(t, self.exists_one(u, u.name == t.name))",message="target names must be unique"
	Targets []Target `json:"targets"`
}

// AssignPublicIP is the ECS assignPublicIp setting.
// +kubebuilder:validation:Enum=ENABLED;DISABLED
type AssignPublicIP string

// Values of AssignPublicIP.
const (
	AssignPublicIPEnabled  AssignPublicIP = "ENABLED"
	AssignPublicIPDisabled AssignPublicIP = "DISABLED"
)

// NetworkSpec is an awsvpc network configuration.
type NetworkSpec struct {
	// Subnets the probe task runs in.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:Pattern=`^subnet-[0-9a-f]{8,17}$`
	Subnets []string `json:"subnets,omitempty"`

	// SecurityGroups of the probe task.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=5
	// +kubebuilder:validation:items:Pattern=`^sg-[0-9a-f]{8,17}$`
	SecurityGroups []string `json:"securityGroups,omitempty"`

	// AssignPublicIP gives the probe task a public IP.
	// +optional
	AssignPublicIP AssignPublicIP `json:"assignPublicIp,omitempty"`
}

// ExecInto chooses what the checks run in.
// +kubebuilder:validation:Enum=ProbeTask;ServiceTask
type ExecInto string

// Values of ExecInto.
const (
	// ExecIntoProbeTask runs a dedicated aws-cli task.
	ExecIntoProbeTask ExecInto = "ProbeTask"
	// ExecIntoServiceTask execs into a running task of the service.
	ExecIntoServiceTask ExecInto = "ServiceTask"
)

// ProbeLifecycle is how long a probe task lives.
// +kubebuilder:validation:Enum=Persistent;PerRun
type ProbeLifecycle string

// Values of ProbeLifecycle.
const (
	// LifecyclePersistent keeps one task running, shared by every check with
	// the same network identity.
	LifecyclePersistent ProbeLifecycle = "Persistent"
	// LifecyclePerRun starts a task for each run and stops it afterwards.
	LifecyclePerRun ProbeLifecycle = "PerRun"
)

// LaunchType is the ECS launch type of the probe task.
// +kubebuilder:validation:Enum=FARGATE;EC2
type LaunchType string

// Values of LaunchType.
const (
	LaunchTypeFargate LaunchType = "FARGATE"
	LaunchTypeEC2     LaunchType = "EC2"
)

// ProbeSpec says where and how the checks run.
type ProbeSpec struct {
	// ExecInto is ProbeTask (a dedicated aws-cli task) or ServiceTask (a
	// running task of the service).
	// +optional
	// +kubebuilder:default=ProbeTask
	ExecInto ExecInto `json:"execInto,omitempty"`

	// Container to exec into with ServiceTask; default the first essential one.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]{1,255}$`
	Container string `json:"container,omitempty"`

	// Lifecycle of a ProbeTask; default Persistent.
	// +optional
	Lifecycle ProbeLifecycle `json:"lifecycle,omitempty"`

	// Image of the probe; default the controller's --probe-image.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9._/:@-]*$`
	Image string `json:"image,omitempty"`

	// CPU units of the probe task.
	// +optional
	// +kubebuilder:default="256"
	// +kubebuilder:validation:Pattern=`^[1-9][0-9]{1,5}$`
	CPU string `json:"cpu,omitempty"`

	// Memory of the probe task in MiB.
	// +optional
	// +kubebuilder:default="512"
	// +kubebuilder:validation:Pattern=`^[1-9][0-9]{1,6}$`
	Memory string `json:"memory,omitempty"`

	// LaunchType of the probe; default the service's, else FARGATE.
	// +optional
	LaunchType LaunchType `json:"launchType,omitempty"`

	// PlatformVersion on Fargate; default the service's, else LATEST.
	// +optional
	// +kubebuilder:validation:Pattern=`^(LATEST|[0-9]+\.[0-9]+\.[0-9]+)$`
	PlatformVersion string `json:"platformVersion,omitempty"`

	// LogGroup is an awslogs group for the probe container.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9._/#-]{1,512}$`
	LogGroup string `json:"logGroup,omitempty"`
}

// Expectation is what a target is expected to show.
// +kubebuilder:validation:Enum=Reachable;Unreachable;Allowed;Denied
type Expectation string

// Values of Expectation.
const (
	ExpectReachable   Expectation = "Reachable"
	ExpectUnreachable Expectation = "Unreachable"
	ExpectAllowed     Expectation = "Allowed"
	ExpectDenied      Expectation = "Denied"
)

// Target is one thing to check from inside the probe.
//
// +kubebuilder:validation:XValidation:rule="[has(self.tcp), has(self.dns), has(self.http), has(self.awsAPI)].filter(x, x).size() == 1",message="a target needs exactly one of tcp, dns, http or awsAPI"
// +kubebuilder:validation:XValidation:rule="!has(self.expect) || (has(self.awsAPI) ? self.expect in ['Allowed', 'Denied'] : self.expect in ['Reachable', 'Unreachable'])",message="expect must be Reachable or Unreachable for tcp, dns and http targets, and Allowed or Denied for awsAPI targets"
type Target struct {
	// Name identifies the target in status, events and metrics.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="target name must be lower-case letters, digits and '-', starting and ending with a letter or digit"
	Name string `json:"name"`

	// TCP opens a connection to host:port.
	// +optional
	TCP *TCPTarget `json:"tcp,omitempty"`
	// DNS resolves a name.
	// +optional
	DNS *DNSTarget `json:"dns,omitempty"`
	// HTTP requests a URL.
	// +optional
	HTTP *HTTPTarget `json:"http,omitempty"`
	// AWSAPI calls a read-only AWS API action with the task role.
	// +optional
	AWSAPI *AWSAPITarget `json:"awsAPI,omitempty"`

	// Expect is Reachable (default) or Unreachable for tcp, dns and http;
	// Allowed (default) or Denied for awsAPI.
	// +optional
	Expect Expectation `json:"expect,omitempty"`
}

// TCPTarget opens a TCP connection.
type TCPTarget struct {
	// Host is a DNS name or an IP address.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\\\.?$') || isIP(self)",message="host must be a DNS name (RFC 1123: letters, digits, '-' and '.') or an IP address, with no spaces, quotes or shell characters"
	Host string `json:"host"`

	// Port is 1..65535.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
}

// DNSTarget resolves a name inside the task.
type DNSTarget struct {
	// Name to resolve.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\\\.?$')",message="name must be a DNS name (RFC 1123: letters, digits, '-' and '.'), with no spaces, quotes or shell characters"
	Name string `json:"name"`

	// ExpectPrivateAddress requires every address to be private (inside the
	// VPC), as it is through an interface VPC endpoint with private DNS.
	// +optional
	ExpectPrivateAddress bool `json:"expectPrivateAddress,omitempty"`
}

// HTTPTarget requests a URL.
type HTTPTarget struct {
	// URL to GET, http or https.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^https?://[^\\\\s\\\\x27\"`$;&|<>(){}\\\\\\\\^!*]+$') && isURL(self)",message="url must be an http:// or https:// URL with no spaces, quotes or shell metacharacters ($ ; & | < > ( ) { } ` \\ ^ ! *)"
	URL string `json:"url"`

	// ExpectStatus lists the status codes that count as reachable; default
	// any status below 500.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Minimum=100
	// +kubebuilder:validation:items:Maximum=599
	ExpectStatus []int32 `json:"expectStatus,omitempty"`
}

// AWSAPITarget calls a read-only AWS API action with the probe's task role.
type AWSAPITarget struct {
	// Service is the AWS CLI service name, e.g. sns, s3api, secretsmanager.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9][a-z0-9-]*$')",message="awsAPI.service must be an AWS CLI service name: lower-case letters, digits and '-', starting with a letter or digit (e.g. sns, s3api)"
	Service string `json:"service"`

	// Action is a read-only API action: List*, Describe*, Get* or Head*.
	// +required
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self.matches('^(List|Describe|Get|Head)[A-Z][A-Za-z0-9]*$')",message="awsAPI.action must be a read-only action named List*, Describe*, Get* or Head* as in the API reference (e.g. ListTopics, GetQueueUrl); write actions are never called"
	Action string `json:"action"`

	// Args are the action's request parameters, named as in the API
	// reference (the request members: Bucket, TopicArn, MaxResults; ECS,
	// ECR and CloudWatch Logs name theirs in lower camel case: cluster,
	// logGroupNamePrefix), with string or integer values, e.g.
	// {Bucket: my-bucket}. The probe hands them to the aws CLI as one
	// --cli-input-json document: they are data, never CLI options.
	// +optional
	// +kubebuilder:validation:MaxProperties=10
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z][A-Za-z0-9]{0,127}$'))",message="awsAPI.args keys must be the action's request parameter names as in the API reference, letters and digits only (e.g. Bucket, TopicArn, MaxResults); CLI options such as --bucket or --endpoint-url are not accepted"
	// +kubebuilder:validation:XValidation:rule="self.all(k, type(self[k]) != string || size(self[k]) <= 1024)",message="awsAPI.args values may be at most 1024 characters long"
	Args map[string]intstr.IntOrString `json:"args,omitempty"`
}
