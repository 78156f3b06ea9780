package probe

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// perRunMaxAge: a PerRun task lives one run; one this old was left behind.
const perRunMaxAge = 15 * time.Minute

// Reaped is one task Reap stopped.
type Reaped struct {
	Cluster, TaskArn, PoolKey, Why string
}

// Reap stops, in each cluster, the probe tasks (found by tag) whose pool no
// check uses, and those older than Options.MaxAge so that the next Acquire
// starts a fresh one. inUse holds the pool keys of all live checks (from
// status.probe.poolKey). Young tasks of unknown pools survive
// Options.ReapGrace: their check may not have written its status yet. Reap
// goes on past a failing cluster and returns the errors joined.
func (m *Manager) Reap(ctx context.Context, c *awsclient.Clients, clusters []string, inUse map[string]bool) ([]Reaped, error) {
	var reaped []Reaped
	var errs []error
	now := m.opts.Clock.Now()
	for _, cluster := range clusters {
		r, err := m.reapCluster(ctx, c, cluster, inUse, now)
		reaped = append(reaped, r...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return reaped, errors.Join(errs...)
}

// reapCluster stops what Reap stops in one cluster, within APITimeout.
func (m *Manager) reapCluster(ctx context.Context, c *awsclient.Clients, cluster string, inUse map[string]bool, now time.Time) ([]Reaped, error) {
	ctx, cancel := m.bound(ctx)
	defer cancel()
	tasks, err := managedTasks(ctx, c.ECS, cluster)
	if err != nil {
		if AsError(err).Reason == v1alpha1.ReasonClusterNotFound {
			return nil, nil // nothing left to reap there
		}
		return nil, err
	}
	var reaped []Reaped
	var errs []error
	shard := ShardTag(m.opts.Shard)
	for _, t := range tasks {
		if tagValue(t.Tags, TagShard) != shard {
			continue // another shard's probe: never ours to stop
		}
		key := tagValue(t.Tags, TagPool)
		age := now.Sub(aws.ToTime(t.CreatedAt))
		var why string
		switch {
		case !inUse[key] && age > m.opts.ReapGrace:
			why = "reaped: no check uses this pool"
		case tagValue(t.Tags, TagLifecycle) == string(v1alpha1.LifecyclePerRun) && age > perRunMaxAge:
			why = "reaped: per-run probe left running"
		case age > m.opts.MaxAge:
			why = "replaced: older than the maximum probe age"
		default:
			continue
		}
		arn := aws.ToString(t.TaskArn)
		if err := stopTask(ctx, c.ECS, cluster, arn, why); err != nil {
			errs = append(errs, err)
			continue
		}
		m.forgetTask(key, arn)
		m.log(ctx).Info("stopped probe task", "task", arn, "pool", key, "why", why, "age", age.Round(time.Second))
		reaped = append(reaped, Reaped{Cluster: cluster, TaskArn: arn, PoolKey: key, Why: why})
	}
	return reaped, errors.Join(errs...)
}

// managedTasks lists a cluster's running tasks that carry the probe tags.
// ListTasks cannot filter by tag, so every task is described, 100 at a time.
func managedTasks(ctx context.Context, api awsclient.ECSAPI, cluster string) ([]ecstypes.Task, error) {
	var out []ecstypes.Task
	in := &ecs.ListTasksInput{Cluster: aws.String(cluster), DesiredStatus: ecstypes.DesiredStatusRunning, MaxResults: aws.Int32(100)}
	for {
		page, err := api.ListTasks(ctx, in)
		if err != nil {
			if awsclient.Code(err) == "ClusterNotFoundException" {
				return nil, clusterNotFound(cluster)
			}
			return nil, awsError("ecs:ListTasks", err)
		}
		if len(page.TaskArns) > 0 {
			d, err := api.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: page.TaskArns,
				Include: []ecstypes.TaskField{ecstypes.TaskFieldTags}})
			if err != nil {
				return nil, awsError("ecs:DescribeTasks", err)
			}
			for _, t := range d.Tasks {
				if ours(t, "") && !stopped(t) {
					out = append(out, t)
				}
			}
		}
		if page.NextToken == nil {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}
