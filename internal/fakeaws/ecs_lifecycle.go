package fakeaws

import (
	"time"
)

// Default lifecycle delays: short, so tests that poll see every state
// without waiting long.
const (
	defaultProvisioning = 50 * time.Millisecond
	defaultPending      = 100 * time.Millisecond
	defaultExecAgent    = 50 * time.Millisecond
	defaultStopping     = 50 * time.Millisecond
)

// taskPlan is the timeline of a task started by RunTask. Its states are
// computed from the clock whenever the state is read (advance), so no timer
// runs per task.
type taskPlan struct {
	pendingAt time.Time // PROVISIONING until then
	runningAt time.Time // PENDING until then; the start failure happens then
	agentAt   time.Time // ExecuteCommandAgent RUNNING from then

	failCode, failReason string // stop before RUNNING
	agentPin             string // ExecuteCommandAgent stays in this state

	stopAt        time.Time // StopTask or container exit: STOPPING, then STOPPED at stoppedAt
	stoppedAt     time.Time
	stopCode      string
	stoppedReason string
	exitCode      *int
}

func orDefault(d Duration, v time.Duration) time.Duration {
	if d.Duration > 0 {
		return d.Duration
	}
	return v
}

func (s *Server) newPlan(now time.Time, tf *TaskFault) *taskPlan {
	lc := s.state.Lifecycle
	p := &taskPlan{}
	p.pendingAt = now.Add(orDefault(lc.Provisioning, defaultProvisioning))
	p.runningAt = p.pendingAt.Add(orDefault(lc.Pending, defaultPending))
	p.agentAt = p.runningAt.Add(orDefault(lc.ExecAgent, defaultExecAgent))
	if tf != nil {
		if tf.StoppedReason != "" {
			p.failReason = tf.StoppedReason
			p.failCode = tf.StopCode
			if p.failCode == "" {
				p.failCode = "TaskFailedToStart"
			}
		}
		p.agentPin = tf.ExecAgent
	}
	return p
}

// requestStop begins stopping a task (StopTask, container exit).
func (s *Server) requestStop(t *Task, code, reason string, exit *int) {
	if t.plan == nil {
		t.plan = &taskPlan{}
	}
	p := t.plan
	if !p.stopAt.IsZero() || t.LastStatus == "STOPPED" {
		return
	}
	now := s.now()
	p.stopAt = now
	p.stoppedAt = now.Add(orDefault(s.state.Lifecycle.Stopping, defaultStopping))
	p.stopCode, p.stoppedReason, p.exitCode = code, reason, exit
	t.DesiredStatus = "STOPPED"
	s.advanceTask(t, now)
}

// advance moves every planned task to the state its timeline says.
// Called with s.mu held, before each request is handled.
func (s *Server) advance() {
	now := s.now()
	for _, a := range s.state.Accounts {
		for _, t := range a.Tasks {
			if t.plan != nil && t.LastStatus != "STOPPED" {
				s.advanceTask(t, now)
			}
			if t.LastStatus == "STOPPED" {
				s.releaseTask(a, t)
			}
		}
	}
}

func (s *Server) advanceTask(t *Task, now time.Time) {
	p := t.plan
	stopped := func(at time.Time, code, reason string) {
		t.LastStatus, t.DesiredStatus = "STOPPED", "STOPPED"
		t.StopCode, t.StoppedReason = code, reason
		at = at.UTC()
		if t.StoppingAt == nil {
			t.StoppingAt = &at
		}
		t.StoppedAt = &at
		if t.EnableExecuteCommand {
			t.ExecAgentStatus = "STOPPED"
		}
	}
	switch {
	case !p.stopAt.IsZero():
		at := p.stopAt.UTC()
		t.StoppingAt = &at
		if now.Before(p.stoppedAt) {
			// ECS reports why a task stops as soon as the stop begins.
			t.LastStatus = "STOPPING"
			t.StopCode, t.StoppedReason = p.stopCode, p.stoppedReason
			return
		}
		stopped(p.stoppedAt, p.stopCode, p.stoppedReason)
		t.ExitCode = p.exitCode
		return
	case !p.pendingAt.IsZero() && now.Before(p.pendingAt):
		t.LastStatus = "PROVISIONING"
	case !p.runningAt.IsZero() && now.Before(p.runningAt):
		t.LastStatus = "PENDING"
	case p.failReason != "":
		stopped(p.runningAt, p.failCode, p.failReason)
		t.ContainerReason = p.failReason
		return
	default:
		t.LastStatus = "RUNNING"
		if t.StartedAt == nil && !p.runningAt.IsZero() {
			at := p.runningAt.UTC()
			t.StartedAt = &at
		}
	}
	if t.EnableExecuteCommand {
		switch {
		case p.agentPin != "":
			t.ExecAgentStatus = p.agentPin
		case t.LastStatus == "RUNNING" && !now.Before(p.agentAt):
			t.ExecAgentStatus = "RUNNING"
		default:
			t.ExecAgentStatus = "PENDING"
		}
	}
}

// releaseTask frees what a stopped task held: its shell process and its
// network interface (Fargate deletes the ENI after the task stops).
func (s *Server) releaseTask(a *Account, t *Task) {
	if p := s.procs[t]; p != nil {
		delete(s.procs, t)
		go p.kill()
	}
	if t.ENI == "" {
		return
	}
	for i, n := range a.NetworkInterfaces {
		if n.ID == t.ENI {
			a.NetworkInterfaces = append(a.NetworkInterfaces[:i], a.NetworkInterfaces[i+1:]...)
			break
		}
	}
}
