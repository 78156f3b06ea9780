package probe

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/probe/script"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Job is one check's share of a run: its due targets and their timeout.
type Job struct {
	Check   types.NamespacedName
	Targets []v1alpha1.Target
	Timeout time.Duration
}

// RunResult is what one exec session found, per check, in target order.
type RunResult struct {
	TaskArn  string
	Started  time.Time
	Finished time.Time
	Outcomes map[types.NamespacedName][]Outcome
}

// Run carries every job's targets through one ECS Exec session into the
// task and classifies what the probe printed. A fault of the session
// (ExecuteCommand refused, websocket dropped, no exit line, script failure)
// is an *Error with a ProbeReady reason and no outcomes: a broken probe
// never marks a target Unreachable. A PerRun task is stopped afterwards.
func (m *Manager) Run(ctx context.Context, c *awsclient.Clients, task *TaskState, jobs []Job) (*RunResult, error) {
	if task == nil || !task.Ready {
		return nil, notReady(task)
	}
	if task.Identity != nil && task.Identity.Lifecycle == v1alpha1.LifecyclePerRun && task.Identity.ExecInto != v1alpha1.ExecIntoServiceTask {
		defer m.finishPerRun(c.ECS, task)
	}
	res := &RunResult{TaskArn: task.TaskArn, Started: m.opts.Clock.Now(), Outcomes: map[types.NamespacedName][]Outcome{}}
	req, slots := m.buildRequest(task, jobs, res)
	if len(req.Targets) > 0 {
		lines, err := m.exec(ctx, c, task, req)
		if err != nil {
			return nil, err
		}
		for id, s := range slots {
			l, ok := lines[id]
			switch {
			case !ok:
				res.Outcomes[s.check][s.index] = notProbed(s.target, "the probe printed no result for this target")
			case req.Timeout > s.timeout && l.Elapsed > s.timeout:
				// The session used a longer timeout for another check;
				// this check's own timeout has passed.
				l.Status = wire.StatusTimeout
				if s.target.TCP == nil && s.target.HTTP == nil { // tcp and http details are addresses; others mean nothing now
					l.Detail = ""
				}
				res.Outcomes[s.check][s.index] = Classify(s.target, l, s.timeout, vpcOf(task))
			default:
				res.Outcomes[s.check][s.index] = Classify(s.target, l, s.timeout, vpcOf(task))
			}
		}
	}
	res.Finished = m.opts.Clock.Now()
	return res, nil
}

// slot says where a request target's outcome goes.
type slot struct {
	check   types.NamespacedName
	index   int
	target  v1alpha1.Target
	timeout time.Duration
}

// buildRequest numbers the targets of all jobs and fills outcomes for those
// that may not be sent.
func (m *Manager) buildRequest(task *TaskState, jobs []Job, res *RunResult) (wire.Request, map[string]slot) {
	req := wire.Request{Nonce: ecsexec.NewNonce(), Timeout: time.Second}
	if task.Identity != nil {
		req.Region = task.Identity.Region
	}
	slots := map[string]slot{}
	for j, job := range jobs {
		timeout := max(job.Timeout, time.Second)
		req.Timeout = max(req.Timeout, timeout)
		out := make([]Outcome, len(job.Targets))
		for i, t := range job.Targets {
			id := fmt.Sprintf("c%dt%d", j, i)
			wt, err := WireTarget(id, t)
			if err == nil {
				err = wire.Request{Nonce: "x", Timeout: time.Second, Targets: []wire.Target{wt}}.Validate()
			}
			if err != nil {
				out[i] = refused(t, err)
				continue
			}
			req.Targets = append(req.Targets, wt)
			slots[id] = slot{check: job.Check, index: i, target: t, timeout: timeout}
		}
		res.Outcomes[job.Check] = out
	}
	return req, slots
}

// exec runs one session and returns the parsed result lines.
func (m *Manager) exec(ctx context.Context, c *awsclient.Clients, task *TaskState, req wire.Request) (map[string]wire.Line, error) {
	b64, err := wire.EncodeRequest(req)
	if err != nil {
		return nil, &Error{Reason: v1alpha1.ReasonInvalidConfiguration, Message: "building the probe request: " + err.Error(), Err: err}
	}
	command := wire.ExecCommand(b64)
	if task.Identity != nil && task.Identity.ExecInto == v1alpha1.ExecIntoServiceTask {
		command = wire.InlineExecCommand(script.Bytes, b64)
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout+m.opts.ExecOverhead)
	defer cancel()
	started := m.opts.Clock.Now()
	out, err := c.ECS.ExecuteCommand(ctx, &ecs.ExecuteCommandInput{Cluster: aws.String(task.Cluster), Task: aws.String(task.TaskArn),
		Container: aws.String(task.Container), Command: aws.String(command), Interactive: true})
	if err != nil {
		e := executeCommandError(err, task)
		switch e.Reason {
		case v1alpha1.ReasonExecuteCommandDenied:
			m.opts.Metrics.ExecSessionError(ExecErrorExecuteCommandDenied)
		case v1alpha1.ReasonExecAgentNotRunning, v1alpha1.ReasonExecSessionFailed:
			// Either way ECS could not reach the task's agent.
			m.opts.Metrics.ExecSessionError(ExecErrorAgentNotRunning)
		}
		// Other AWS faults (throttling, 5xx) are counted by the AWS client's
		// metrics; no session was attempted.
		return nil, e
	}
	if out.Session == nil {
		m.opts.Metrics.ExecSessionError(ExecErrorOther)
		return nil, &Error{Reason: v1alpha1.ReasonExecSessionFailed, Message: "ECS ExecuteCommand returned no session"}
	}
	sess := ecsexec.Session{SessionID: aws.ToString(out.Session.SessionId), StreamURL: aws.ToString(out.Session.StreamUrl),
		TokenValue: aws.ToString(out.Session.TokenValue), TargetID: execTarget(task)}
	log := m.log(ctx).WithValues("task", task.TaskArn, "sessionID", sess.SessionID, "targets", len(req.Targets))
	log.V(1).Info("running probe")
	r, err := m.opts.NewExecutor(c).Run(ctx, sess, req.Nonce)
	m.opts.Metrics.ObserveRun(m.opts.Clock.Since(started))
	if err != nil {
		if kind, ok := sessionErrorKind(ctx, err); ok {
			m.opts.Metrics.ExecSessionError(kind)
		}
		return nil, &Error{Reason: v1alpha1.ReasonExecSessionFailed, RetryAfter: startingRetry,
			Message: fmt.Sprintf("ECS Exec session to %s failed: %v%s", arnName(task.TaskArn), err, outputTail(r)), Err: err}
	}
	if r.ExitCode != 0 {
		m.opts.Metrics.ExecSessionError(ExecErrorOther)
		return nil, &Error{Reason: v1alpha1.ReasonExecSessionFailed,
			Message: fmt.Sprintf("the probe script in %s exited with code %d%s", arnName(task.TaskArn), r.ExitCode, outputTail(r))}
	}
	lines, _, perr := wire.ParseOutput(req.Nonce, r.Output)
	if len(lines) == 0 {
		m.opts.Metrics.ExecSessionError(ExecErrorOther)
		return nil, &Error{Reason: v1alpha1.ReasonExecSessionFailed, Err: perr,
			Message: fmt.Sprintf("the probe in %s printed no results%s", arnName(task.TaskArn), outputTail(r))}
	}
	if perr != nil {
		log.Info("some probe output lines were damaged", "error", perr.Error())
	}
	return lines, nil
}

// executeCommandError explains why ECS refused to open the session.
func executeCommandError(err error, task *TaskState) *Error {
	e := awsError("ecs:ExecuteCommand", err)
	msg := awsclient.Message(err)
	switch {
	case awsclient.Classify(err) == awsclient.ClassAccessDenied:
		e.Reason = v1alpha1.ReasonExecuteCommandDenied
		e.Message = "the controller may not run ECS Exec in the probe task: " + describe(err)
		e.Findings = []v1alpha1.Finding{{Code: v1alpha1.FindingControllerExecuteCommandDenied, Resource: task.TaskArn,
			Message: "ecs:ExecuteCommand is denied to the controller's identity (check tag conditions such as ecs:ResourceTag and aws:SourceVpc conditions): " + msg}}
	case awsclient.Code(err) == "TargetNotConnectedException" && task.ExecAgent == "RUNNING":
		// ECS says the agent runs, yet the session cannot reach it: the
		// session failed (its channel, its permissions), not the agent.
		e.Reason, e.RetryAfter = v1alpha1.ReasonExecSessionFailed, agentRetry
		e.Message = "ECS Exec could not open a session to the task although its agent is RUNNING: " + describe(err)
	case awsclient.Code(err) == "TargetNotConnectedException", strings.Contains(msg, "execute command agent"),
		strings.Contains(msg, "execute command was not enabled"):
		e.Reason, e.RetryAfter = v1alpha1.ReasonExecAgentNotRunning, agentRetry
		e.Message = "ECS Exec cannot reach the task's agent: " + describe(err)
	case awsclient.Code(err) == "ClusterNotFoundException":
		return clusterNotFound(task.Cluster)
	}
	return e
}

// execTarget is the SSM target of the session, "ecs:<cluster>_<task>_<runtimeID>".
func execTarget(task *TaskState) string {
	return fmt.Sprintf("ecs:%s_%s_%s", arnName(task.Cluster), arnName(task.TaskArn), task.RuntimeID)
}

func vpcOf(task *TaskState) []netip.Prefix {
	if task.Identity == nil {
		return nil
	}
	return task.Identity.VPCCIDRs
}

// outputTail quotes the end of a failed session's output for the message.
func outputTail(r *ecsexec.Result) string {
	if r == nil {
		return ""
	}
	out := strings.TrimSpace(r.Output)
	if out == "" {
		return ""
	}
	if len(out) > 300 {
		out = "…" + out[len(out)-300:]
	}
	return ": " + out
}

func notReady(task *TaskState) *Error {
	if task == nil {
		return &Error{Reason: v1alpha1.ReasonProbeStarting, Message: "no probe task"}
	}
	return &Error{Reason: task.Reason, Message: task.Message, RetryAfter: task.RetryAfter, Findings: task.Findings}
}

// finishPerRun stops a PerRun task after its run. It uses its own short
// context: the run's may be spent, and the stop must still happen.
func (m *Manager) finishPerRun(api awsclient.ECSAPI, task *TaskState) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := stopTask(ctx, api, task.Cluster, task.TaskArn, "per-run probe finished"); err != nil {
		m.log(ctx).Error(err, "stopping a per-run probe failed; Release or the reaper will", "task", task.TaskArn)
		return
	}
	m.forgetTask(task.PoolKey, task.TaskArn)
}
