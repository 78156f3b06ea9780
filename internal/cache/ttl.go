package cache

import "time"

// Every lifetime of a cached AWS fact, in one place. A fact is served from
// the cache only to callers that use the same AWS credentials it was read
// with: every key below starts with the credentials' scope.
const (
	// ServiceTTL: a service's network configuration, roles and counts
	// (ecs:DescribeServices). Shared by every check of the service, and
	// refreshed for all services of a cluster in one batched read.
	ServiceTTL = 60 * time.Second
	// TaskStateMaxAge: a ready probe task's state (ecs:DescribeTasks) is
	// trusted this long unless its pool's interval is shorter; every probe
	// task of one account, region and cluster is re-read in one batch.
	TaskStateMaxAge = 5 * time.Minute
	// StoppedTasksTTL: a service's stopped-task history (ecs:ListTasks
	// STOPPED) is read at this slow cadence, or sooner when the service
	// runs fewer tasks than it wants.
	StoppedTasksTTL = 10 * time.Minute
	// ClusterTTL: a cluster's ARN (ecs:DescribeClusters).
	ClusterTTL = 10 * time.Minute
	// VPCTTL: the VPC and CIDR blocks of a set of subnets.
	VPCTTL = 10 * time.Minute
	// TaskDefinitionTTL: task definition revisions are immutable; 0 keeps
	// them for the life of the process.
	TaskDefinitionTTL time.Duration = 0
	// TaskDefinitionDetailTTL: a whole task definition (containers,
	// environment), read to explain a service whose tasks fail: shared by
	// every reconcile of its checks meanwhile, but not kept for every
	// revision a redeploying service leaves behind.
	TaskDefinitionDetailTTL = 30 * time.Minute
	// DiagnosisTTL: EC2 and IAM state read to explain a failure, shared by
	// a burst of failing targets; a fix made in the console shows at the
	// next run.
	DiagnosisTTL = 30 * time.Second
	// SubnetVPCTTL: the VPC of a subnet (a subnet never moves; a day
	// bounds the memory of deleted ones).
	SubnetVPCTTL = 24 * time.Hour
)
