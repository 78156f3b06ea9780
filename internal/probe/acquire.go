package probe

import (
	"context"
	"fmt"
	"time"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// Acquire returns the pool's probe, starting one if needed. It never waits
// for a task to start: a probe that is not ready comes back with Ready
// false, a reason and a RetryAfter, the delay before the pool should look
// again. A returned error is an *Error (AWS fault or configuration).
//
// A persistent probe is looked for, in order, in memory, in hint (the task
// a check's status records, after a restart), and by startedBy and tags in
// ECS, before RunTask is called; so a restart between RunTask and the
// status write never starts a second task. fresh is how old the state of a
// task that was ready may be: ready tasks are re-read in shared batches.
func (m *Manager) Acquire(ctx context.Context, c *awsclient.Clients, id *Identity, hint string, fresh time.Duration) (*TaskState, error) {
	ctx, cancel := m.bound(ctx)
	defer cancel()
	if id.ExecInto == v1alpha1.ExecIntoServiceTask {
		return m.acquireServiceTask(ctx, c.ECS, id)
	}
	p := m.slot(id.PoolKey)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.taskArn == "" && hint != "" && hint != p.prevTask {
		p.taskArn = hint
	}
	st, err := m.acquireProbeTask(ctx, c, p, id, fresh)
	if err != nil {
		return nil, err
	}
	p.ready = st.Ready
	if st.Reason == v1alpha1.ReasonProbeStarting && st.TaskArn != "" && p.last == nil {
		// A task can be up in well under a second: look early, then back off.
		st.RetryAfter = min(startPoll<<min(p.polls, 5), startingRetry)
		p.polls++
	} else {
		p.polls = 0
	}
	return st, nil
}

// startPoll is the first look at a task that is starting.
const startPoll = 250 * time.Millisecond

// acquireProbeTask runs with p.mu held.
func (m *Manager) acquireProbeTask(ctx context.Context, c *awsclient.Clients, p *taskSlot, id *Identity, fresh time.Duration) (*TaskState, error) {
	log := m.log(ctx) // the pool's: it names the pool and cluster
	if p.taskArn != "" {
		maxAge := time.Duration(0)
		if p.ready {
			maxAge = fresh
		}
		t, err := m.describeTask(ctx, c, id.Cluster, p.taskArn, maxAge)
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
			m.tasks.forget(p.taskArn)
			p.replaced()
		default:
			m.tasks.forget(p.taskArn)
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
	if t, err := m.findPoolTask(ctx, c.ECS, id.Cluster, id.PoolKey); err != nil {
		return nil, err
	} else if t != nil {
		p.taskArn = *t.TaskArn
		log.Info("adopted running probe task", "task", p.taskArn)
		return m.taskState(id, *t, ContainerName), nil
	}
	return m.start(ctx, c.ECS, p, id)
}

// Stale tells the Manager that a session found the pool's task unusable
// (stopped, agent gone): the next Acquire reads it afresh.
func (m *Manager) Stale(poolKey string) {
	p := m.slot(poolKey)
	p.mu.Lock()
	p.ready = false
	p.mu.Unlock()
}

// backOff records a failure to get a task running and returns what to
// report until the next attempt. A RunTask failure (seed 003: AGENT is
// expected a few times an hour) counts as starting until the attempts are
// spent, then shows with its reason; a task that started and stopped
// (immediate) shows at once, since its stop code is what the user needs.
func (m *Manager) backOff(p *taskSlot, st *TaskState, reason string, immediate bool) *TaskState {
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
