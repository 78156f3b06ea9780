package probe

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/cache"
)

// Resolve works out where the check's probe runs: the service's network,
// roles, launch type and platform version (DescribeServices,
// DescribeTaskDefinition), with spec fields overriding them one by one, and
// the service's health. ServiceState is nil without spec.service. A missing
// cluster or service is an *Error with ReasonClusterNotFound or
// ReasonServiceNotFound (Stalled).
func (m *Manager) Resolve(ctx context.Context, c *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck) (*Identity, *ServiceState, error) {
	ctx, cancel := m.bound(ctx)
	defer cancel()
	spec := &check.Spec
	id := &Identity{
		Region:    c.Region,
		Cluster:   spec.Cluster,
		ExecInto:  spec.Probe.ExecInto,
		Lifecycle: spec.Probe.Lifecycle,
		Owner:     types.NamespacedName{Namespace: check.Namespace, Name: check.Name},
	}
	if id.ExecInto == "" {
		id.ExecInto = v1alpha1.ExecIntoProbeTask
	}
	if id.Lifecycle == "" && id.ExecInto == v1alpha1.ExecIntoProbeTask {
		id.Lifecycle = v1alpha1.LifecyclePersistent
	}

	var svc *ServiceState
	if spec.Service != "" {
		s, td, err := m.describeService(ctx, c, spec.Cluster, spec.Service)
		if err != nil {
			return nil, nil, err
		}
		svc = s
		id.Cluster, id.ServiceArn, id.Account = s.ClusterArn, s.Arn, arnAccount(s.Arn)
		id.LaunchType, id.PlatformVersion = s.LaunchType, s.PlatformVersion
		id.Subnets, id.SecurityGroups, id.AssignPublicIP = s.Subnets, s.SecurityGroups, s.AssignPublicIP
		id.TaskRoleArn, id.ExecRoleArn, id.NetworkMode = td.taskRole, td.execRole, td.networkMode
		id.Container = td.firstEssential
		if stopped, err := m.recentStops(ctx, c, s); err == nil {
			s.RecentStopReasons = stopped
		} else {
			// Health is secondary to probing: report it, do not fail on it.
			m.log(ctx).Error(err, "listing the service's stopped tasks failed", "service", s.Arn)
		}
	} else {
		arn, err := m.describeCluster(ctx, c, spec.Cluster)
		if err != nil {
			return nil, nil, err
		}
		id.Cluster, id.Account = arn, arnAccount(arn)
	}
	if err := applyOverrides(id, spec, m.opts.DefaultImage); err != nil {
		return nil, nil, err
	}
	m.lookUpVPC(ctx, c, id)
	id.Credentials = c.Scope()
	id.perCheck = m.opts.PoolPerCheck
	id.Shard = ShardTag(m.opts.Shard)
	id.PoolKey = id.poolKey()
	return id, svc, nil
}

// applyOverrides lays the spec over what the service gave, field by field,
// then fills defaults and checks that the result can run.
func applyOverrides(id *Identity, spec *v1alpha1.ECSConnectivityCheckSpec, defaultImage string) error {
	if n := spec.Network; n != nil {
		if len(n.Subnets) > 0 {
			id.Subnets = n.Subnets
		}
		if len(n.SecurityGroups) > 0 {
			id.SecurityGroups = n.SecurityGroups
		}
		if n.AssignPublicIP != "" {
			id.AssignPublicIP = n.AssignPublicIP
		}
	}
	id.Subnets, id.SecurityGroups = sortedCopy(id.Subnets), sortedCopy(id.SecurityGroups)
	if spec.TaskRoleArn != "" {
		id.TaskRoleArn = spec.TaskRoleArn
	}
	if spec.ExecutionRoleArn != "" {
		id.ExecRoleArn = spec.ExecutionRoleArn
	}
	p := spec.Probe
	if p.Container != "" {
		id.Container = p.Container
	}
	if id.ExecInto == v1alpha1.ExecIntoServiceTask {
		if id.Container == "" {
			return &Error{Reason: v1alpha1.ReasonInvalidConfiguration,
				Message: "execInto: ServiceTask found no essential container in the service's task definition: set spec.probe.container"}
		}
		return nil // the service's own task: nothing of ours to configure
	}
	id.Container = ContainerName
	if p.LaunchType != "" {
		id.LaunchType = p.LaunchType
	}
	if id.LaunchType == "" {
		id.LaunchType = v1alpha1.LaunchTypeFargate
	}
	if p.PlatformVersion != "" {
		id.PlatformVersion = p.PlatformVersion
	}
	id.Image, id.CPU, id.Memory, id.LogGroup = p.Image, p.CPU, p.Memory, p.LogGroup
	if id.Image == "" {
		id.Image = defaultImage
	}
	if id.CPU == "" {
		id.CPU = "256"
	}
	if id.Memory == "" {
		id.Memory = "512"
	}
	if id.AssignPublicIP == "" {
		id.AssignPublicIP = v1alpha1.AssignPublicIPDisabled
	}
	switch {
	case id.LaunchType == v1alpha1.LaunchTypeFargate:
		id.NetworkMode = NetworkAWSVPC
		if id.PlatformVersion == "" {
			id.PlatformVersion = "LATEST"
		}
	case id.NetworkMode == "":
		id.NetworkMode = NetworkAWSVPC
		if len(id.Subnets) == 0 {
			id.NetworkMode = NetworkBridge
		}
	case id.NetworkMode != NetworkAWSVPC && id.NetworkMode != NetworkHost:
		id.NetworkMode = NetworkBridge
	}
	if id.LaunchType == v1alpha1.LaunchTypeEC2 {
		id.PlatformVersion = "" // Fargate only
		if id.NetworkMode != NetworkAWSVPC {
			id.Subnets, id.SecurityGroups, id.AssignPublicIP = nil, nil, ""
		}
	}
	if id.NetworkMode == NetworkAWSVPC && len(id.Subnets) == 0 {
		return &Error{Reason: v1alpha1.ReasonInvalidConfiguration,
			Message: "the probe runs in awsvpc mode but has no subnets: set spec.network.subnets or mirror a service that uses awsvpc"}
	}
	if id.TaskRoleArn == "" {
		return &Error{Reason: v1alpha1.ReasonInvalidConfiguration,
			Message: "the probe needs a task role (ECS Exec uses it for ssmmessages): set spec.taskRoleArn or mirror a service whose task definition has one"}
	}
	return nil
}

// describeCluster returns the cluster's ARN.
func (m *Manager) describeCluster(ctx context.Context, c *awsclient.Clients, cluster string) (string, error) {
	return cache.Typed[string](m.cache.GetOrLoad(ctx, "cluster|"+c.Scope()+"|"+cluster, cache.ClusterTTL, func(ctx context.Context) (any, error) {
		out, err := c.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{cluster}})
		if err != nil {
			return "", awsError("ecs:DescribeClusters", err)
		}
		for _, cl := range out.Clusters {
			if aws.ToString(cl.Status) != "INACTIVE" {
				return aws.ToString(cl.ClusterArn), nil
			}
		}
		return "", clusterNotFound(cluster)
	}))
}

func clusterNotFound(cluster string) *Error {
	return &Error{Reason: v1alpha1.ReasonClusterNotFound,
		Message: fmt.Sprintf("ECS cluster %q does not exist in this account and region", cluster)}
}

// arnAccount is the account field of an ARN.
func arnAccount(s string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return ""
	}
	return a.AccountID
}

// arnName is the last path segment of an ARN, or s itself.
func arnName(s string) string {
	return s[strings.LastIndex(s, "/")+1:]
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// launchTypeOf is the service's launch type, also when it uses capacity
// providers: FARGATE and FARGATE_SPOT run on Fargate, anything else on EC2.
func launchTypeOf(lt ecstypes.LaunchType, strategy []ecstypes.CapacityProviderStrategyItem) v1alpha1.LaunchType {
	switch lt {
	case ecstypes.LaunchTypeFargate:
		return v1alpha1.LaunchTypeFargate
	case ecstypes.LaunchTypeEc2, ecstypes.LaunchTypeExternal:
		return v1alpha1.LaunchTypeEC2
	}
	for _, s := range strategy {
		if !strings.HasPrefix(aws.ToString(s.CapacityProvider), "FARGATE") {
			return v1alpha1.LaunchTypeEC2
		}
	}
	return v1alpha1.LaunchTypeFargate
}
