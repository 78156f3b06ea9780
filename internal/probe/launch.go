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
		m.log(ctx).Info("started probe task", "task", p.taskArn, "pool", id.PoolKey, "cluster", id.Cluster)
		return m.taskState(id, t, ContainerName), nil
	}
	st := &TaskState{Identity: id, PoolKey: id.PoolKey, Cluster: id.Cluster,
		Message: "RunTask failed: " + failureText(out.Failures), Findings: runTaskFindings(out.Failures)}
	m.log(ctx).Info("RunTask returned failures", "pool", id.PoolKey, "failures", failureText(out.Failures))
	return m.backOff(p, st, v1alpha1.ReasonRunTaskFailed, false), nil
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

// runTaskFindings maps failure reasons (seed 003's AGENT, capacity's
// RESOURCE:*) to finding codes.
func runTaskFindings(fs []ecstypes.Failure) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, f := range fs {
		r := aws.ToString(f.Reason)
		var code v1alpha1.FindingCode
		switch {
		case r == "AGENT":
			code = v1alpha1.FindingRunTaskAgent
		case strings.HasPrefix(r, "RESOURCE"):
			code = v1alpha1.FindingRunTaskResource
		case r == "ATTRIBUTE":
			code = v1alpha1.FindingRunTaskAttribute
		case r == "MISSING":
			code = v1alpha1.FindingRunTaskMissing
		default:
			continue
		}
		msg := fmt.Sprintf("RunTask failed with reason %s", r)
		if code == v1alpha1.FindingRunTaskAgent {
			msg += ": the ECS agent on the container instance was disconnected; agents reconnect several times an hour, so this usually passes"
		}
		out = append(out, v1alpha1.Finding{Code: code, Resource: aws.ToString(f.Arn), Message: msg})
	}
	return out
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
