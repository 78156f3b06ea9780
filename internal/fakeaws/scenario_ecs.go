package fakeaws

import (
	"encoding/json"
	"time"
)

// Cluster is an ECS cluster. ExecuteCommand is its
// configuration.executeCommandConfiguration.
type Cluster struct {
	Name           string          `json:"name"`
	Region         string          `json:"region,omitempty"`
	Status         string          `json:"status,omitempty"` // ACTIVE (default) | INACTIVE
	ExecuteCommand *ExecCommandCfg `json:"executeCommandConfiguration,omitempty"`
	Tags           Tags            `json:"tags,omitempty"`
}

type ExecCommandCfg struct {
	KMSKeyID         string          `json:"kmsKeyId,omitempty"`
	Logging          string          `json:"logging,omitempty"` // DEFAULT | NONE | OVERRIDE
	LogConfiguration json.RawMessage `json:"logConfiguration,omitempty"`
}

// TaskDefinition keeps the ECS JSON of its container definitions as given, so
// DescribeTaskDefinition returns what RegisterTaskDefinition was sent.
type TaskDefinition struct {
	Family                  string            `json:"family"`
	Revision                int               `json:"revision,omitempty"` // default: next in family
	Region                  string            `json:"region,omitempty"`
	TaskRoleARN             string            `json:"taskRoleArn,omitempty"`
	ExecutionRoleARN        string            `json:"executionRoleArn,omitempty"`
	NetworkMode             string            `json:"networkMode,omitempty"`
	RequiresCompatibilities []string          `json:"requiresCompatibilities,omitempty"`
	CPU                     string            `json:"cpu,omitempty"`
	Memory                  string            `json:"memory,omitempty"`
	ContainerDefinitions    []json.RawMessage `json:"containerDefinitions"`
	RuntimePlatform         json.RawMessage   `json:"runtimePlatform,omitempty"`
	Volumes                 json.RawMessage   `json:"volumes,omitempty"`
	Status                  string            `json:"status,omitempty"` // ACTIVE | INACTIVE
	Tags                    Tags              `json:"tags,omitempty"`
	RegisteredAt            time.Time         `json:"registeredAt,omitempty"`
	DeregisteredAt          *time.Time        `json:"deregisteredAt,omitempty"`
}

// Network is an awsvpcConfiguration.
type Network struct {
	Subnets        []string `json:"subnets"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	AssignPublicIP string   `json:"assignPublicIp,omitempty"` // ENABLED | DISABLED (default)
}

// Service is an ECS service. Running and pending counts are counted from its
// tasks (group "service:<name>") unless given.
type Service struct {
	Name                 string          `json:"name"`
	Cluster              string          `json:"cluster"`
	Region               string          `json:"region,omitempty"`
	Status               string          `json:"status,omitempty"`
	TaskDefinition       string          `json:"taskDefinition"` // family, family:rev or ARN
	DesiredCount         int             `json:"desiredCount"`
	RunningCount         *int            `json:"runningCount,omitempty"`
	PendingCount         *int            `json:"pendingCount,omitempty"`
	LaunchType           string          `json:"launchType,omitempty"` // FARGATE (default) | EC2
	PlatformVersion      string          `json:"platformVersion,omitempty"`
	Network              *Network        `json:"network,omitempty"`
	EnableExecuteCommand bool            `json:"enableExecuteCommand,omitempty"`
	Events               []*ServiceEvent `json:"events,omitempty"`
	Tags                 Tags            `json:"tags,omitempty"`
	CreatedAt            time.Time       `json:"createdAt,omitempty"`
}

type ServiceEvent struct {
	ID        string    `json:"id,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitempty"`
	Message   string    `json:"message"`
}

// Task is an ECS task. Tasks written in the scenario keep the status they
// are given; tasks started by RunTask move through the lifecycle on their own.
type Task struct {
	ID                   string          `json:"id"`
	Cluster              string          `json:"cluster"`
	Region               string          `json:"region,omitempty"`
	TaskDefinition       string          `json:"taskDefinition"`
	LastStatus           string          `json:"lastStatus,omitempty"`    // default RUNNING
	DesiredStatus        string          `json:"desiredStatus,omitempty"` // default from LastStatus
	LaunchType           string          `json:"launchType,omitempty"`
	PlatformVersion      string          `json:"platformVersion,omitempty"`
	StartedBy            string          `json:"startedBy,omitempty"`
	Group                string          `json:"group,omitempty"`
	Network              *Network        `json:"network,omitempty"`
	EnableExecuteCommand bool            `json:"enableExecuteCommand,omitempty"`
	ExecAgentStatus      string          `json:"execAgentStatus,omitempty"` // default RUNNING when exec is enabled and the task runs
	StopCode             string          `json:"stopCode,omitempty"`
	StoppedReason        string          `json:"stoppedReason,omitempty"`
	ContainerReason      string          `json:"containerReason,omitempty"`
	ExitCode             *int            `json:"exitCode,omitempty"`
	TaskRoleARN          string          `json:"taskRoleArn,omitempty"` // override of the task definition's
	Overrides            json.RawMessage `json:"overrides,omitempty"`
	Shell                bool            `json:"shell,omitempty"`
	ENI                  string          `json:"eni,omitempty"`
	PrivateIP            string          `json:"privateIp,omitempty"`
	Tags                 Tags            `json:"tags,omitempty"`
	CreatedAt            time.Time       `json:"createdAt,omitempty"`
	StartedAt            *time.Time      `json:"startedAt,omitempty"`
	StoppingAt           *time.Time      `json:"stoppingAt,omitempty"`
	StoppedAt            *time.Time      `json:"stoppedAt,omitempty"`

	// plan is the timeline of a task started by RunTask; nil for scenario tasks.
	plan *taskPlan
	// clientToken and account are kept for RunTask idempotency.
	clientToken string
}
