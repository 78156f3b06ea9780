package probe

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// Release is called when a check is deleted (before its finalizer goes). It
// stops the check's probe task when no other check uses its pool, known from
// memory and, when Options.InUse is set, from the cache of checks. It returns
// an error while the stop has not happened, so the finalizer stays.
func (m *Manager) Release(ctx context.Context, c *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck) error {
	ctx, cancel := m.bound(ctx)
	defer cancel()
	name := types.NamespacedName{Namespace: check.Namespace, Name: check.Name}
	m.mu.Lock()
	key := m.byCheck[name]
	if key == "" && check.Status.Probe != nil {
		key = check.Status.Probe.PoolKey
	}
	delete(m.byCheck, name)
	p := m.pools[key]
	if p != nil {
		delete(p.checks, name)
		if len(p.checks) > 0 {
			m.mu.Unlock()
			return nil
		}
	}
	m.mu.Unlock()
	if key == "" || check.Spec.Probe.ExecInto == v1alpha1.ExecIntoServiceTask {
		return nil
	}
	if m.opts.InUse != nil {
		used, err := m.opts.InUse(ctx, key, name)
		if err != nil {
			return err
		}
		if used {
			return nil
		}
	}
	cluster, hint := check.Spec.Cluster, ""
	if st := check.Status.Probe; st != nil && st.PoolKey == key {
		hint = st.TaskArn
	}
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.cluster != "" {
			cluster = p.cluster
		}
		if p.taskArn != "" {
			hint = p.taskArn
		}
	}
	stoppedArns, err := m.stopPoolTasks(ctx, c.ECS, cluster, key, hint, "released: no check uses this pool")
	if err != nil {
		if e := AsError(err); e.Reason == v1alpha1.ReasonClusterNotFound {
			err = nil // nothing left to stop
		} else {
			return err
		}
	}
	m.mu.Lock()
	if cur := m.pools[key]; cur == p && (p == nil || len(p.checks) == 0) {
		delete(m.pools, key)
	}
	m.mu.Unlock()
	if p != nil {
		p.replaced()
	}
	m.opts.Log.Info("released probe pool", "pool", key, "check", name.String(), "stopped", stoppedArns)
	return err
}

// stopPoolTasks stops every running task of the pool, and the task hint
// (which ListTasks may not show yet) if it is the pool's.
func (m *Manager) stopPoolTasks(ctx context.Context, api awsclient.ECSAPI, cluster, poolKey, hint, why string) ([]string, error) {
	tasks, err := poolTasks(ctx, api, cluster, poolKey)
	if err != nil {
		return nil, err
	}
	arns := map[string]bool{}
	for _, t := range tasks {
		arns[aws.ToString(t.TaskArn)] = true
	}
	if hint != "" && !arns[hint] {
		if t, err := describeTask(ctx, api, cluster, hint); err == nil && t != nil && ours(*t, poolKey) && !stopped(*t) {
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
