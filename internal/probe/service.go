package probe

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/awstext"
	"github.com/ecscheck/ecscheck/internal/cache"
)

// ServiceState is what Resolve saw of spec.service.
type ServiceState struct {
	Name, Arn, ClusterArn string
	DesiredCount          int32
	RunningCount          int32
	EnableExecuteCommand  bool
	LaunchType            v1alpha1.LaunchType
	PlatformVersion       string
	Subnets               []string
	SecurityGroups        []string
	AssignPublicIP        v1alpha1.AssignPublicIP
	TaskDefinitionArn     string
	// RecentStopReasons are the service's tasks stopped within
	// Options.StoppedWindow, newest first.
	RecentStopReasons []v1alpha1.StopReason
}

// Status renders the state for status.service.
func (s *ServiceState) Status() *v1alpha1.ServiceStatus {
	if s == nil {
		return nil
	}
	return &v1alpha1.ServiceStatus{DesiredCount: s.DesiredCount, RunningCount: s.RunningCount,
		RecentStopReasons: slices.Clone(s.RecentStopReasons)}
}

// taskDefSummary is what the probe needs from the service's task definition.
type taskDefSummary struct {
	networkMode, taskRole, execRole string
	firstEssential                  string
}

// describeService reads the service from the batched, shared service
// reader: every check of the service with the same credentials is served
// by one DescribeServices per ServiceTTL, ten services a call.
func (m *Manager) describeService(ctx context.Context, c *awsclient.Clients, cluster, service string) (*ServiceState, *taskDefSummary, error) {
	svc, err := m.services.get(ctx, c, cluster, service, cache.ServiceTTL)
	if err != nil {
		return nil, nil, err
	}
	if svc == nil {
		return nil, nil, &Error{Reason: v1alpha1.ReasonServiceNotFound,
			Message: fmt.Sprintf("ECS service %q does not exist in cluster %q", service, cluster)}
	}
	s := &ServiceState{
		Name: aws.ToString(svc.ServiceName), Arn: aws.ToString(svc.ServiceArn), ClusterArn: aws.ToString(svc.ClusterArn),
		DesiredCount: svc.DesiredCount, RunningCount: svc.RunningCount, EnableExecuteCommand: svc.EnableExecuteCommand,
		LaunchType: launchTypeOf(svc.LaunchType, svc.CapacityProviderStrategy), PlatformVersion: aws.ToString(svc.PlatformVersion),
		TaskDefinitionArn: aws.ToString(svc.TaskDefinition),
	}
	net := svc.NetworkConfiguration
	// During a deployment the primary deployment carries the configuration
	// the service is moving to.
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			s.TaskDefinitionArn = aws.ToString(d.TaskDefinition)
			if d.NetworkConfiguration != nil {
				net = d.NetworkConfiguration
			}
			if d.LaunchType != "" || len(d.CapacityProviderStrategy) > 0 {
				s.LaunchType = launchTypeOf(d.LaunchType, d.CapacityProviderStrategy)
			}
			if d.PlatformVersion != nil {
				s.PlatformVersion = aws.ToString(d.PlatformVersion)
			}
		}
	}
	if net != nil && net.AwsvpcConfiguration != nil {
		v := net.AwsvpcConfiguration
		s.Subnets, s.SecurityGroups = v.Subnets, v.SecurityGroups
		s.AssignPublicIP = v1alpha1.AssignPublicIP(v.AssignPublicIp)
	}
	td, err := m.describeTaskDef(ctx, c, s.TaskDefinitionArn)
	if err != nil {
		return nil, nil, err
	}
	return s, td, nil
}

// describeTaskDef is what resolving a service needs of its task
// definition, read once per ARN: revisions are immutable.
func (m *Manager) describeTaskDef(ctx context.Context, c *awsclient.Clients, arn string) (*taskDefSummary, error) {
	return cache.Typed[*taskDefSummary](m.cache.GetOrLoad(ctx, "taskdef|"+c.Scope()+"|"+arn, cache.TaskDefinitionTTL,
		func(ctx context.Context) (any, error) {
			td, err := readTaskDefinition(ctx, c, arn)
			if err != nil {
				return (*taskDefSummary)(nil), err
			}
			s := &taskDefSummary{networkMode: string(td.NetworkMode), taskRole: aws.ToString(td.TaskRoleArn), execRole: aws.ToString(td.ExecutionRoleArn)}
			for _, c := range td.ContainerDefinitions {
				if (c.Essential == nil || *c.Essential) && s.firstEssential == "" {
					s.firstEssential = aws.ToString(c.Name)
				}
			}
			return s, nil
		}))
}

// TaskDefinition reads a task definition once per ARN and credentials scope
// (revisions are immutable), for diagnosis of a task that failed to start
// or to run ECS Exec: the same failing service is explained on every
// reconcile of each of its checks.
func (m *Manager) TaskDefinition(ctx context.Context, c *awsclient.Clients, arn string) (*ecstypes.TaskDefinition, error) {
	return cache.Typed[*ecstypes.TaskDefinition](m.cache.GetOrLoad(ctx, "taskdef-full|"+c.Scope()+"|"+arn, cache.TaskDefinitionDetailTTL,
		func(ctx context.Context) (any, error) { return readTaskDefinition(ctx, c, arn) }))
}

// readTaskDefinition is ecs:DescribeTaskDefinition of arn.
func readTaskDefinition(ctx context.Context, c *awsclient.Clients, arn string) (*ecstypes.TaskDefinition, error) {
	out, err := c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		return nil, awsError("ecs:DescribeTaskDefinition", err)
	}
	return out.TaskDefinition, nil
}

// recentStops lists the service's tasks that stopped within StoppedWindow.
// The history is read at a slow cadence (StoppedTasksTTL), and every
// ServiceTTL while the service runs fewer tasks than it wants, when it is
// what explains the failure.
func (m *Manager) recentStops(ctx context.Context, c *awsclient.Clients, s *ServiceState) ([]v1alpha1.StopReason, error) {
	ttl := cache.StoppedTasksTTL
	if s.RunningCount < s.DesiredCount {
		ttl = cache.ServiceTTL
	}
	key := "stops|" + c.Scope() + "|" + s.Arn
	if v, ok := m.cache.Get(key); ok {
		if e := v.(stopsEntry); m.opts.Clock.Since(e.at) < ttl {
			return e.stops, nil
		}
	}
	api := c.ECS
	list, err := api.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(s.ClusterArn), ServiceName: aws.String(s.Name),
		DesiredStatus: ecstypes.DesiredStatusStopped, MaxResults: aws.Int32(20)})
	if err != nil {
		return nil, awsError("ecs:ListTasks", err)
	}
	var stops []v1alpha1.StopReason
	if len(list.TaskArns) > 0 {
		out, err := api.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(s.ClusterArn), Tasks: list.TaskArns})
		if err != nil {
			return nil, awsError("ecs:DescribeTasks", err)
		}
		tasks := make([]awstext.StoppedTask, 0, len(out.Tasks))
		for _, t := range out.Tasks {
			tasks = append(tasks, awstext.StoppedTaskFromECS(t))
		}
		stops = awstext.RecentStopReasons(tasks, m.opts.Clock.Now(), m.opts.StoppedWindow, 5)
	}
	m.cache.Set(key, stopsEntry{stops: stops, at: m.opts.Clock.Now()}, cache.StoppedTasksTTL)
	return stops, nil
}

type stopsEntry struct {
	stops []v1alpha1.StopReason
	at    time.Time
}
