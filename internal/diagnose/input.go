package diagnose

import (
	"strings"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
)

// Network is the network identity of a task: where it runs and as whom.
type Network struct {
	Region  string
	Account string
	// VPCID is optional; it is derived from Subnets when empty.
	VPCID          string
	Subnets        []string
	SecurityGroups []string
	AssignPublicIP bool
	// TaskRoleArn and ExecutionRoleArn may be ARNs or bare role names.
	TaskRoleArn      string
	ExecutionRoleArn string
	// LaunchType is FARGATE (the default when empty) or EC2.
	LaunchType      string
	PlatformVersion string
	// TaskSubnet and TaskAddress locate the task that saw the failure when
	// they are known (from the task's ENI attachment). Without them every
	// subnet is evaluated and the source is the subnet's CIDR.
	TaskSubnet  string
	TaskAddress string
}

func (n Network) fargate() bool { return n.LaunchType == "" || n.LaunchType == "FARGATE" }

// evalSubnets are the subnets whose path is evaluated.
func (n Network) evalSubnets() []string {
	if n.TaskSubnet != "" {
		return []string{n.TaskSubnet}
	}
	return n.Subnets
}

// Failure is what DiagnoseTarget explains: ConnectionFailure, APIDenial or
// DNSFailure.
type Failure interface{ isFailure() }

// ConnKind is how a connection failed inside the probe.
type ConnKind string

// Kinds of connection failure.
const (
	ConnTimeout    ConnKind = "Timeout"
	ConnRefused    ConnKind = "Refused"
	ConnNoRoute    ConnKind = "NoRoute"
	ConnUnresolved ConnKind = "Unresolved"
)

// ConnectionFailure is a TCP or HTTP target that did not connect, or an AWS
// API call that timed out (then Host is the service's endpoint name, see
// ServiceEndpointHost, and Port 443).
type ConnectionFailure struct {
	// Target is the target's name, used in messages.
	Target string
	Host   string
	// Addresses the host resolved to inside the task (or Host itself when it
	// is an IP literal).
	Addresses []string
	Port      int32
	Kind      ConnKind
	// Service is the AWS service whose endpoint Host is (sns, ecr.dkr, s3);
	// derived from Host when empty.
	Service string
}

// APIDenial is an awsAPI target that AWS refused: Message is the CLI's
// stderr or the error message ("User: ... is not authorized to perform: ...").
type APIDenial struct {
	Target string
	// Service is the CLI service name of the target (sns, s3api, ecr...).
	Service string
	// Action is the API operation (ListTopics).
	Action  string
	Message string
}

// DNSFailure is a dns target that resolved to public addresses where private
// ones were expected, or did not resolve.
type DNSFailure struct {
	Target        string
	Name          string
	Addresses     []string
	ExpectPrivate bool
}

func (ConnectionFailure) isFailure() {}
func (APIDenial) isFailure()         {}
func (DNSFailure) isFailure()        {}

// Container is what diagnosis needs of a container definition, and of the
// container's runtime state when the task stopped.
type Container struct {
	Name      string
	Image     string
	Essential bool
	// LogDriver and LogOptions are the logConfiguration.
	LogDriver  string
	LogOptions map[string]string
	Secrets    []Secret
	// RepositoryCredentials is the credentialsParameter of a private
	// registry (a Secrets Manager ARN).
	RepositoryCredentials  string
	ReadonlyRootFilesystem bool
	InitProcessEnabled     bool
	// Reason and ExitCode are the stopped container's (DescribeTasks).
	Reason   string
	ExitCode *int32
}

// Secret is a secrets[] entry: ValueFrom is a Secrets Manager ARN, an SSM
// parameter ARN or an SSM parameter name.
type Secret struct {
	Name      string
	ValueFrom string
}

// TaskStop is a stopped task of the probe or of the service.
type TaskStop struct {
	TaskArn string
	// StopCode is ECS's stopCode (TaskFailedToStart, EssentialContainerExited...).
	StopCode      string
	StoppedReason string
	// Containers are the task definition's containers with their runtime
	// reason and exit code.
	Containers []Container
}

// ExecState is what ECS reports about a task ECS Exec failed to reach.
type ExecState struct {
	// Subject names the task in messages ("probe task", "task of service orders-api").
	Subject string
	TaskArn string
	Cluster string
	// EnableExecuteCommand as DescribeTasks reports it.
	EnableExecuteCommand bool
	// AgentStatus and AgentReason of the ExecuteCommandAgent managed agent.
	AgentStatus string
	AgentReason string
	// LaunchType and PlatformVersion of the task as DescribeTasks reports
	// them; the Network's are used when empty.
	LaunchType      string
	PlatformVersion string
	// OSFamily is the task definition's runtimePlatform.operatingSystemFamily
	// (LINUX, WINDOWS_SERVER_2022_CORE...); empty means Linux.
	OSFamily string
	// Container is the container exec'd into; Containers its definitions.
	Container  string
	Containers []Container
	// ExecuteCommandError is the error text of the controller's
	// ecs:ExecuteCommand call, empty when the call succeeded or was not made.
	ExecuteCommandError string
}

// ConnKindOf is the connection failure a target's reason means; ok is
// false for reasons that are not one (HTTP status, TLS, denials).
func ConnKindOf(reason string) (kind ConnKind, ok bool) {
	switch reason {
	case v1alpha1.ReasonConnectionTimedOut, v1alpha1.ReasonAPICallTimedOut:
		return ConnTimeout, true
	case v1alpha1.ReasonConnectionRefused:
		return ConnRefused, true
	case v1alpha1.ReasonNoRouteToHost:
		return ConnNoRoute, true
	case v1alpha1.ReasonNameNotResolved:
		return ConnUnresolved, true
	}
	return "", false
}

func (e ExecState) windows() bool { return strings.HasPrefix(strings.ToUpper(e.OSFamily), "WINDOWS") }
