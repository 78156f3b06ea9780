package probe

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// Acquire returns the probe the check runs in, starting one if needed. It
// never waits for a task to start: a probe that is not ready comes back with
// Ready false, a reason and a RetryAfter, and the reconciler requeues. A
// returned error is an *Error (AWS fault or configuration).
//
// A persistent probe is looked for, in order, in memory, in the check's
// status (after a restart), and by startedBy and tags in ECS, before
// RunTask is called; so a restart between RunTask and the status write
// never starts a second task.
func (m *Manager) Acquire(ctx context.Context, c *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck, id *Identity) (*TaskState, error) {
	ctx, cancel := m.bound(ctx)
	defer cancel()
	name := types.NamespacedName{Namespace: check.Namespace, Name: check.Name}
	p, abandoned := m.join(name, id, c.ECS)
	if abandoned != nil {
		m.stopAbandoned(ctx, abandoned, name)
	}
	if id.ExecInto == v1alpha1.ExecIntoServiceTask {
		return m.acquireServiceTask(ctx, c.ECS, id)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.taskArn == "" {
		if st := check.Status.Probe; st != nil && st.PoolKey == id.PoolKey && st.TaskArn != p.prevTask {
			p.taskArn = st.TaskArn
		}
	}
	return m.acquireProbeTask(ctx, c.ECS, p, id)
}

// acquireProbeTask runs with p.mu held.
func (m *Manager) acquireProbeTask(ctx context.Context, api awsclient.ECSAPI, p *pool, id *Identity) (*TaskState, error) {
	log := m.opts.Log.WithValues("pool", id.PoolKey, "cluster", id.Cluster)
	if p.taskArn != "" {
		t, err := describeTask(ctx, api, id.Cluster, p.taskArn)
		if err != nil {
			return nil, err
		}
		switch {
		case t == nil:
			p.replaced() // gone from ECS's memory: start afresh
		case !stopped(*t):
			st := m.taskState(id, *t, ContainerName)
			if st.Ready {
				// Only a task that got this far ends a run of failures: one
				// that starts and then stops keeps counting.
				p.failures, p.last = 0, nil
			}
			return st, nil
		case stoppedByUs(*t):
			p.replaced()
		default:
			p.replaced()
			st := m.taskState(id, *t, ContainerName)
			log.Info("probe task stopped", "task", st.TaskArn, "stopCode", st.StopCode, "reason", st.StoppedReason)
			m.countStop(st.TaskArn, st.StopCode)
			return m.backOff(p, st, st.Reason, true), nil
		}
	}
	if now := m.opts.Clock.Now(); p.last != nil && now.Before(p.nextAttempt) {
		st := *p.last
		st.RetryAfter = p.nextAttempt.Sub(now)
		return &st, nil
	}
	if t, err := m.findPoolTask(ctx, api, id.Cluster, id.PoolKey); err != nil {
		return nil, err
	} else if t != nil {
		p.taskArn = *t.TaskArn
		log.Info("adopted running probe task", "task", p.taskArn)
		return m.taskState(id, *t, ContainerName), nil
	}
	return m.start(ctx, api, p, id)
}

// stopAbandoned stops the task of a pool a check left (its identity
// changed) when no other check uses it. Failures are left to the reaper.
func (m *Manager) stopAbandoned(ctx context.Context, p *pool, leaving types.NamespacedName) {
	if p.execInt == string(v1alpha1.ExecIntoServiceTask) {
		return
	}
	if m.opts.InUse != nil {
		if used, err := m.opts.InUse(ctx, p.key, leaving); err != nil || used {
			return
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := m.stopPoolTasks(ctx, p.ecs, p.cluster, p.key, p.taskArn, "no check uses this pool any more"); err != nil {
		m.opts.Log.Info("stopping an abandoned probe failed; the reaper will retry", "pool", p.key, "error", err.Error())
	}
}

// backOff records a failure to get a task running and returns what to
// report until the next attempt. A RunTask failure (seed 003: AGENT is
// expected a few times an hour) counts as starting until the attempts are
// spent, then shows with its reason; a task that started and stopped
// (immediate) shows at once, since its stop code is what the user needs.
func (m *Manager) backOff(p *pool, st *TaskState, reason string, immediate bool) *TaskState {
	b := m.opts.RunTaskBackoff
	p.failures++
	delay := b.delay(p.failures)
	p.nextAttempt = m.opts.Clock.Now().Add(delay)
	st.RetryAfter = delay
	st.Ready = false
	if immediate {
		st.Reason = reason
		st.Message = fmt.Sprintf("%s; starting another in %s (failure %d in a row)", st.Message, delay, p.failures)
	} else if p.failures < b.Attempts {
		st.Reason = v1alpha1.ReasonProbeStarting
		st.Message = fmt.Sprintf("%s; retrying in %s (attempt %d of %d)", st.Message, delay, p.failures, b.Attempts)
	} else {
		st.Reason = reason
		st.Message = fmt.Sprintf("%s; %d attempts failed, next in %s", st.Message, p.failures, delay)
	}
	p.last = st
	return st
}
