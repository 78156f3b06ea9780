package probe

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// StopPool stops every running task of a pool, and the task hint (which
// ListTasks may not show yet) if it is the pool's, and forgets the pool. A
// cluster that is gone has nothing left to stop.
func (m *Manager) StopPool(ctx context.Context, c *awsclient.Clients, cluster, poolKey, hint, why string) ([]string, error) {
	ctx, cancel := m.bound(ctx)
	defer cancel()
	p := m.slot(poolKey)
	p.mu.Lock()
	if p.taskArn != "" {
		hint = p.taskArn
	}
	p.mu.Unlock()
	stopped, err := m.stopPoolTasks(ctx, c, cluster, poolKey, hint, why)
	if err != nil && AsError(err).Reason != v1alpha1.ReasonClusterNotFound {
		return stopped, err
	}
	for _, arn := range stopped {
		m.tasks.forget(arn)
	}
	m.Forget(poolKey)
	return stopped, nil
}

// stopPoolTasks stops every running task of the pool, and the task hint
// (which ListTasks may not show yet) if it is the pool's.
func (m *Manager) stopPoolTasks(ctx context.Context, c *awsclient.Clients, cluster, poolKey, hint, why string) ([]string, error) {
	api := c.ECS
	tasks, err := poolTasks(ctx, api, cluster, poolKey)
	if err != nil {
		return nil, err
	}
	arns := map[string]bool{}
	for _, t := range tasks {
		arns[aws.ToString(t.TaskArn)] = true
	}
	if hint != "" && !arns[hint] {
		if t, err := m.describeTask(ctx, c, cluster, hint, 0); err == nil && t != nil && ours(*t, poolKey) && !stopped(*t) {
			arns[hint] = true
		}
	}
	var stoppedArns []string
	for arn := range arns {
		if err := stopTask(ctx, api, cluster, arn, why); err != nil {
			return stoppedArns, err
		}
		stoppedArns = append(stoppedArns, arn)
	}
	return stoppedArns, nil
}
