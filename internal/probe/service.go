package probe

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/awstext"
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

func (m *Manager) describeService(ctx context.Context, api awsclient.ECSAPI, cluster, service string) (*ServiceState, *taskDefSummary, error) {
	out, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
	if err != nil {
		if awsclient.Code(err) == "ClusterNotFoundException" {
			return nil, nil, clusterNotFound(cluster)
		}
		return nil, nil, awsError("ecs:DescribeServices", err)
	}
	var svc *ecstypes.Service
	for i := range out.Services {
		if aws.ToString(out.Services[i].Status) != "INACTIVE" {
			svc = &out.Services[i]
		}
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
	td, err := m.describeTaskDef(ctx, api, s.TaskDefinitionArn)
	if err != nil {
		return nil, nil, err
	}
	return s, td, nil
}

// describeTaskDef reads a task definition once per ARN: revisions are immutable.
func (m *Manager) describeTaskDef(ctx context.Context, api awsclient.ECSAPI, arn string) (*taskDefSummary, error) {
	if v, ok := m.cache.get("taskdef/" + arn); ok {
		return v.(*taskDefSummary), nil
	}
	out, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		return nil, awsError("ecs:DescribeTaskDefinition", err)
	}
	td := out.TaskDefinition
	s := &taskDefSummary{networkMode: string(td.NetworkMode), taskRole: aws.ToString(td.TaskRoleArn), execRole: aws.ToString(td.ExecutionRoleArn)}
	for _, c := range td.ContainerDefinitions {
		if (c.Essential == nil || *c.Essential) && s.firstEssential == "" {
			s.firstEssential = aws.ToString(c.Name)
		}
	}
	m.cache.put("taskdef/"+arn, s, 0)
	return s, nil
}

// recentStops lists the service's tasks that stopped within StoppedWindow.
func (m *Manager) recentStops(ctx context.Context, api awsclient.ECSAPI, cluster, service string) ([]v1alpha1.StopReason, error) {
	list, err := api.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: aws.String(service),
		DesiredStatus: ecstypes.DesiredStatusStopped, MaxResults: aws.Int32(20)})
	if err != nil {
		return nil, awsError("ecs:ListTasks", err)
	}
	if len(list.TaskArns) == 0 {
		return nil, nil
	}
	out, err := api.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: list.TaskArns})
	if err != nil {
		return nil, awsError("ecs:DescribeTasks", err)
	}
	stops := make([]awstext.StoppedTask, 0, len(out.Tasks))
	for _, t := range out.Tasks {
		stops = append(stops, awstext.StoppedTaskFromECS(t))
	}
	return awstext.RecentStopReasons(stops, m.opts.Clock.Now(), m.opts.StoppedWindow, 5), nil
}
