package probe

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/go-logr/logr/testr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

const (
	serviceArn  = "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/orders-api"
	serviceTD   = "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/orders-api:7"
	taskRole    = "arn:aws:iam::123456789012:role/TaskRole"
	execRole    = "arn:aws:iam::123456789012:role/EcsTaskExecutionRole"
	otherRole   = "arn:aws:iam::123456789012:role/ProbeRole"
	serviceName = "orders-api"
)

type env struct {
	t       *testing.T
	clock   *clocktesting.FakeClock
	ecs     *fakeECS
	clients *awsclient.Clients
	opts    Options
	m       *Manager
	ctx     context.Context
}

// newEnv builds a Manager against a fake ECS holding one Fargate service,
// orders-api, in cluster prod.
func newEnv(t *testing.T) *env {
	clock := clocktesting.NewFakeClock(epoch)
	f := newFakeECS(clock)
	f.services[serviceName] = ecstypes.Service{
		ServiceName: aws.String(serviceName), ServiceArn: aws.String(serviceArn), ClusterArn: aws.String(clusterArn),
		Status: aws.String("ACTIVE"), DesiredCount: 3, RunningCount: 2, LaunchType: ecstypes.LaunchTypeFargate,
		PlatformVersion: aws.String("1.4.0"), TaskDefinition: aws.String(serviceTD), EnableExecuteCommand: true,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{"subnet-0b000000000000002", "subnet-0a000000000000001"}, SecurityGroups: []string{"sg-0a1b2c3d4e5f60001"},
			AssignPublicIp: ecstypes.AssignPublicIpDisabled}},
	}
	f.taskDefs[serviceTD] = &ecstypes.TaskDefinition{TaskDefinitionArn: aws.String(serviceTD), NetworkMode: ecstypes.NetworkModeAwsvpc,
		TaskRoleArn: aws.String(taskRole), ExecutionRoleArn: aws.String(execRole), Status: ecstypes.TaskDefinitionStatusActive,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("log-router"), Essential: aws.Bool(false)}, {Name: aws.String("app")}}}
	e := &env{t: t, clock: clock, ecs: f, ctx: context.Background(),
		clients: &awsclient.Clients{Region: region, ECS: f, EC2: &fakeEC2{cidr: "10.0.0.0/16"}}}
	e.opts = Options{Clock: clock, Log: testr.New(t), RunTaskBackoff: Backoff{Initial: 5 * time.Second, Max: time.Minute, Attempts: 3}}
	e.m = New(e.opts)
	return e
}

// restart replaces the Manager, as a controller restart does.
func (e *env) restart() { e.m = New(e.opts) }

func check(name string) *v1alpha1.ECSConnectivityCheck {
	return &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Namespace: "payments", Name: name},
		Spec: v1alpha1.ECSConnectivityCheckSpec{Cluster: "prod", Service: serviceName,
			Targets: []v1alpha1.Target{{Name: "sns-https", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}}}},
	}
}

func (e *env) resolve(c *v1alpha1.ECSConnectivityCheck) *Identity {
	e.t.Helper()
	id, _, err := e.m.Resolve(e.ctx, e.clients, c)
	if err != nil {
		e.t.Fatalf("Resolve: %v", err)
	}
	return id
}

func (e *env) acquire(c *v1alpha1.ECSConnectivityCheck) *TaskState {
	e.t.Helper()
	hint := ""
	if c.Status.Probe != nil {
		hint = c.Status.Probe.TaskArn
	}
	st, err := e.m.Acquire(e.ctx, e.clients, e.resolve(c), hint, time.Minute)
	if err != nil {
		e.t.Fatalf("Acquire: %v", err)
	}
	return st
}

// ready acquires and brings the started task to RUNNING with its agent.
func (e *env) ready(c *v1alpha1.ECSConnectivityCheck) *TaskState {
	e.t.Helper()
	st := e.acquire(c)
	if !st.Ready {
		e.ecs.setTask(st.TaskArn, "RUNNING", "RUNNING")
		st = e.acquire(c)
	}
	if !st.Ready {
		e.t.Fatalf("probe not ready: %s: %s", st.Reason, st.Message)
	}
	return st
}
