package probe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// clientTokenWindowSeconds: RunTask calls for one pool within this window,
// at the same attempt number and replacing the same task, share a client
// token, so repeating a call whose answer was lost (or whose caller
// restarted) returns the task it started instead of starting a second one.
const clientTokenWindowSeconds = 600

func clientToken(p *taskSlot, now int64) string {
	prev := sha256.Sum256([]byte(p.prevTask))
	return fmt.Sprintf("%s-%d-%d-%s", p.key, now/clientTokenWindowSeconds, p.failures, hex.EncodeToString(prev[:4]))
}

// start registers the task definition if needed and calls RunTask. It runs
// with p.mu held.
func (m *Manager) start(ctx context.Context, api awsclient.ECSAPI, p *taskSlot, id *Identity) (*TaskState, error) {
	td, err := m.ensureTaskDefinition(ctx, api, id)
	if err != nil {
		return nil, err
	}
	in := runTaskInput(id, td, clientToken(p, m.opts.Clock.Now().Unix()))
	out, err := api.RunTask(ctx, in)
	if err != nil {
		e := awsError("ecs:RunTask", err)
		if awsclient.Classify(err) == awsclient.ClassInvalid {
			// A parameter ECS rejects (subnet, role, platform version) will
			// not fix itself; say so with the reason users look for.
			e.Reason = v1alpha1.ReasonRunTaskFailed
		}
		return nil, e
	}
	for _, f := range out.Failures {
		m.opts.Metrics.ProbeTaskFailed(aws.ToString(f.Reason))
	}
	for _, t := range out.Tasks {
		p.taskArn = aws.ToString(t.TaskArn)
		m.opts.Metrics.ProbeTaskStarted()
		m.log(ctx).Info("started probe task", "task", p.taskArn)
		return m.taskState(id, t, ContainerName), nil
	}
	findings, transient := runTaskFindings(id.LaunchType, out.Failures)
	st := &TaskState{Identity: id, PoolKey: id.PoolKey, Cluster: id.Cluster,
		Message: "RunTask failed: " + failureText(out.Failures), Findings: findings}
	m.log(ctx).Info("RunTask returned failures", "failures", failureText(out.Failures), "transient", transient)
	// A quota or a configuration ECS refuses will not pass by itself: say
	// so now rather than as "retrying".
	return m.backOff(p, st, v1alpha1.ReasonRunTaskFailed, !transient), nil
}

func runTaskInput(id *Identity, taskDef, token string) *ecs.RunTaskInput {
	in := &ecs.RunTaskInput{
		Cluster:              aws.String(id.Cluster),
		TaskDefinition:       aws.String(taskDef),
		Count:                aws.Int32(1),
		EnableExecuteCommand: true,
		StartedBy:            aws.String(StartedBy(id.PoolKey)),
		ClientToken:          aws.String(token),
		Tags:                 runTaskTags(id),
		LaunchType:           ecstypes.LaunchType(id.LaunchType),
	}
	if id.LaunchType == v1alpha1.LaunchTypeFargate && id.PlatformVersion != "" {
		in.PlatformVersion = aws.String(id.PlatformVersion)
	}
	if id.NetworkMode == NetworkAWSVPC {
		vpc := &ecstypes.AwsVpcConfiguration{Subnets: id.Subnets, SecurityGroups: id.SecurityGroups}
		if id.LaunchType == v1alpha1.LaunchTypeFargate { // EC2 awsvpc tasks cannot have one
			vpc.AssignPublicIp = ecstypes.AssignPublicIp(id.AssignPublicIP)
		}
		in.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: vpc}
	}
	return in
}

func runTaskTags(id *Identity) []ecstypes.Tag {
	kv := []string{TagManagedBy, ManagedByValue, TagPool, id.PoolKey, TagLifecycle, string(id.Lifecycle)}
	if id.Shard != "" {
		kv = append(kv, TagShard, id.Shard)
	}
	return ecsTags(kv...)
}

// failureText renders RunTask failures, e.g. "AGENT (arn:...:container-instance/...)".
func failureText(fs []ecstypes.Failure) string {
	if len(fs) == 0 {
		return "no task and no failure reported"
	}
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		s := aws.ToString(f.Reason)
		if d := aws.ToString(f.Detail); d != "" {
			s += ": " + d
		}
		if a := aws.ToString(f.Arn); a != "" {
			s += " (" + a + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// runTaskFindings maps RunTask failures[] to findings, and says whether
// they may pass on their own (transient). The reasons depend on the launch
// type: AGENT, RESOURCE:*, ATTRIBUTE are about container instances, so only
// EC2 gives them ("Amazon ECS API failure reasons", ECS developer guide);
// on Fargate, reason is free text, e.g. "Capacity is unavailable at this
// time. Please try again later or in a different availability zone"
// (AWS re:Post knowledge center, ecs-fargate-runtask-capacity) or "The
// requested CPU configuration is above your limit" (a Fargate vCPU quota).
func runTaskFindings(launchType v1alpha1.LaunchType, fs []ecstypes.Failure) (out []v1alpha1.Finding, transient bool) {
	transient = true
	for _, f := range fs {
		r := aws.ToString(f.Reason)
		code, msg, passes := classifyRunTaskFailure(launchType, r, aws.ToString(f.Detail))
		transient = transient && passes
		out = append(out, v1alpha1.Finding{Code: code, Resource: aws.ToString(f.Arn), Message: msg})
	}
	return out, transient && len(fs) > 0
}

// classifyRunTaskFailure is the finding code and message of one failure
// reason, and whether retrying may help.
func classifyRunTaskFailure(launchType v1alpha1.LaunchType, reason, detail string) (v1alpha1.FindingCode, string, bool) {
	text := reason
	if detail != "" {
		text += " (" + detail + ")"
	}
	lower := strings.ToLower(reason)
	switch {
	case strings.Contains(lower, "capacity is unavailable"):
		return v1alpha1.FindingRunTaskCapacityUnavailable,
			"RunTask failed: " + text + ". Fargate had no capacity in the subnets' Availability Zones; this passes, and subnets in more Availability Zones make it rarer.", true
	case strings.Contains(lower, "above your limit"), strings.Contains(lower, "reached the limit"), strings.Contains(lower, "limit exceeded"):
		return v1alpha1.FindingRunTaskQuotaExceeded,
			"RunTask failed: " + text + ". This is a service quota of the account (for Fargate, the On-Demand vCPU quota); it does not pass by retrying: stop other tasks or ask for a higher quota in Service Quotas.", false
	case reason == "AGENT":
		return v1alpha1.FindingRunTaskAgent, "RunTask failed with reason AGENT: the ECS agent on the container instance was disconnected; agents reconnect several times an hour, so this usually passes", true
	case strings.HasPrefix(reason, "RESOURCE"):
		return v1alpha1.FindingRunTaskResource, "RunTask failed with reason " + text + ": no container instance of the cluster has the CPU, memory, ports or ENIs the task needs", true
	case reason == "ATTRIBUTE":
		return v1alpha1.FindingRunTaskAttribute, "RunTask failed with reason " + text + ": no container instance has the attributes the task definition requires", false
	case reason == "MISSING":
		return v1alpha1.FindingRunTaskMissing, "RunTask failed with reason " + text + ": the container instance was not found", false
	}
	if launchType == v1alpha1.LaunchTypeFargate {
		return v1alpha1.FindingRunTaskFailed, "RunTask failed on Fargate: " + text + ". Fargate gives this text as the reason; it is not a container-instance reason (AGENT, RESOURCE, ATTRIBUTE) and is not retried as one.", false
	}
	return v1alpha1.FindingRunTaskFailed, "RunTask failed: " + text + ".", false
}

// describeTask returns the task as read at most maxAge ago (0: now), or
// nil when ECS no longer knows it.
func (m *Manager) describeTask(ctx context.Context, c *awsclient.Clients, cluster, arn string, maxAge time.Duration) (*ecstypes.Task, error) {
	return m.tasks.get(ctx, c, cluster, arn, maxAge)
}

// poolTasks lists the pool's tasks that are not stopping, newest first.
func poolTasks(ctx context.Context, api awsclient.ECSAPI, cluster, poolKey string) ([]ecstypes.Task, error) {
	var arns []string
	in := &ecs.ListTasksInput{Cluster: aws.String(cluster), StartedBy: aws.String(StartedBy(poolKey)), DesiredStatus: ecstypes.DesiredStatusRunning}
	for {
		out, err := api.ListTasks(ctx, in)
		if err != nil {
			if awsclient.Code(err) == "ClusterNotFoundException" {
				return nil, clusterNotFound(cluster)
			}
			return nil, awsError("ecs:ListTasks", err)
		}
		arns = append(arns, out.TaskArns...)
		if out.NextToken == nil || len(arns) >= 100 {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(arns) == 0 {
		return nil, nil
	}
	out, err := api.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: arns,
		Include: []ecstypes.TaskField{ecstypes.TaskFieldTags}})
	if err != nil {
		return nil, awsError("ecs:DescribeTasks", err)
	}
	var tasks []ecstypes.Task
	for _, t := range out.Tasks {
		if ours(t, poolKey) && !stopped(t) {
			tasks = append(tasks, t)
		}
	}
	slices.SortFunc(tasks, func(a, b ecstypes.Task) int { return aws.ToTime(b.CreatedAt).Compare(aws.ToTime(a.CreatedAt)) })
	return tasks, nil
}

// findPoolTask adopts the newest running task of the pool and stops any
// others (two replicas or a lost answer may have started a second).
func (m *Manager) findPoolTask(ctx context.Context, api awsclient.ECSAPI, cluster, poolKey string) (*ecstypes.Task, error) {
	tasks, err := poolTasks(ctx, api, cluster, poolKey)
	if err != nil || len(tasks) == 0 {
		return nil, err
	}
	for _, extra := range tasks[1:] {
		if err := stopTask(ctx, api, cluster, aws.ToString(extra.TaskArn), "duplicate probe of pool "+poolKey); err != nil {
			m.log(ctx).Error(err, "stopping a duplicate probe task failed", "task", aws.ToString(extra.TaskArn))
		}
	}
	return &tasks[0], nil
}

func stopTask(ctx context.Context, api awsclient.ECSAPI, cluster, arn, why string) error {
	_, err := api.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String(cluster), Task: aws.String(arn), Reason: aws.String(stopReasonPrefix + why)})
	if err != nil && awsclient.Classify(err) != awsclient.ClassNotFound {
		return awsError("ecs:StopTask", err)
	}
	return nil
}
