package probe

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awstext"
)

// Requeue hints for a probe that is not ready.
const (
	startingRetry = 5 * time.Second
	agentRetry    = 15 * time.Second
	noTaskRetry   = 30 * time.Second
)

// TaskState is the probe a check runs in, ready or not. When Ready is false,
// Reason (a ProbeReady reason) and Message say why and RetryAfter when to
// look again; the reconciler requeues rather than wait.
type TaskState struct {
	Identity *Identity
	PoolKey  string
	Cluster  string
	TaskArn  string
	// Container is the container exec'd into; RuntimeID is its runtime ID
	// (part of the ECS Exec target for KMS).
	Container  string
	RuntimeID  string
	LastStatus string
	ExecAgent  string
	StartedAt  *time.Time

	Ready      bool
	Reason     string
	Message    string
	RetryAfter time.Duration

	// StopCode and StoppedReason are set when the probe task stopped.
	StopCode      string
	StoppedReason string
	Findings      []v1alpha1.Finding
}

// Status renders the state for status.probe.
func (s *TaskState) Status() *v1alpha1.ProbeStatus {
	if s == nil {
		return nil
	}
	ps := &v1alpha1.ProbeStatus{TaskArn: s.TaskArn, LastStatus: s.LastStatus, ExecAgent: s.ExecAgent, PoolKey: s.PoolKey}
	if s.StartedAt != nil {
		t := metav1.NewTime(*s.StartedAt)
		ps.StartedAt = &t
	}
	return ps
}

// stopped reports whether a task is stopped or on its way there.
func stopped(t ecstypes.Task) bool {
	return aws.ToString(t.LastStatus) == "STOPPED" || aws.ToString(t.DesiredStatus) == "STOPPED"
}

// stoppedByUs reports whether the controller itself stopped the task.
func stoppedByUs(t ecstypes.Task) bool {
	return strings.HasPrefix(aws.ToString(t.StoppedReason), stopReasonPrefix)
}

// execAgent returns the container's ExecuteCommandAgent status ("" if none).
func execAgent(c ecstypes.Container) string {
	for _, a := range c.ManagedAgents {
		if a.Name == ecstypes.ManagedAgentNameExecuteCommandAgent {
			return aws.ToString(a.LastStatus)
		}
	}
	return ""
}

func findContainer(t ecstypes.Task, name string) (ecstypes.Container, bool) {
	for _, c := range t.Containers {
		if aws.ToString(c.Name) == name {
			return c, true
		}
	}
	return ecstypes.Container{}, false
}

// taskState judges one task: ready when RUNNING and its exec agent RUNNING.
func (m *Manager) taskState(id *Identity, t ecstypes.Task, container string) *TaskState {
	s := &TaskState{Identity: id, PoolKey: id.PoolKey, Cluster: id.Cluster, TaskArn: aws.ToString(t.TaskArn),
		Container: container, LastStatus: aws.ToString(t.LastStatus), StartedAt: t.StartedAt}
	c, _ := findContainer(t, container)
	s.RuntimeID, s.ExecAgent = aws.ToString(c.RuntimeId), execAgent(c)
	task := arnName(s.TaskArn)
	switch {
	case stopped(t):
		s.StopCode = awstext.StopCode(string(t.StopCode), aws.ToString(t.StoppedReason))
		s.StoppedReason = aws.ToString(t.StoppedReason)
		s.Reason, s.RetryAfter = v1alpha1.ReasonProbeTaskStopped, startingRetry
		s.Message = fmt.Sprintf("probe task %s stopped (%s): %s", task, s.StopCode, s.StoppedReason)
		if code := awstext.FailureCode(string(t.StopCode), s.StoppedReason); code != "" {
			s.Findings = []v1alpha1.Finding{{Code: code, Resource: s.TaskArn, Message: s.StoppedReason}}
		}
	case s.LastStatus != "RUNNING":
		s.Reason, s.RetryAfter = v1alpha1.ReasonProbeStarting, startingRetry
		s.Message = fmt.Sprintf("probe task %s is %s", task, s.LastStatus)
	case s.ExecAgent == "RUNNING":
		s.Ready, s.Reason = true, v1alpha1.ReasonProbeRunning
		s.Message = fmt.Sprintf("probe task %s is running and ECS Exec reaches it", task)
	case s.ExecAgent == "" && !t.EnableExecuteCommand:
		s.Reason, s.RetryAfter = v1alpha1.ReasonExecAgentNotRunning, agentRetry
		s.Message = fmt.Sprintf("ECS Exec is not enabled on task %s: set enableExecuteCommand on the service and start new tasks", task)
		s.Findings = []v1alpha1.Finding{{Code: v1alpha1.FindingExecNotEnabled, Resource: s.TaskArn, Message: s.Message}}
	case s.ExecAgent != "STOPPED" && m.opts.Clock.Since(runningSince(t)) < m.opts.ExecAgentGrace:
		s.Reason, s.RetryAfter = v1alpha1.ReasonProbeStarting, startingRetry
		s.Message = fmt.Sprintf("probe task %s is running; waiting for its ECS Exec agent (%s)", task, orUnknown(s.ExecAgent))
	default:
		s.Reason, s.RetryAfter = v1alpha1.ReasonExecAgentNotRunning, agentRetry
		s.Message = fmt.Sprintf("the ECS Exec agent of container %s in task %s is %s: the task role needs ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel, and the task a path to the ssmmessages endpoint",
			container, task, orUnknown(s.ExecAgent))
		s.Findings = []v1alpha1.Finding{{Code: v1alpha1.FindingExecAgentNotRunning, Resource: s.TaskArn, Message: s.Message}}
	}
	return s
}

// runningSince is when the task started, or was created if ECS has not
// said when it started.
func runningSince(t ecstypes.Task) time.Time {
	if t.StartedAt != nil {
		return *t.StartedAt
	}
	return aws.ToTime(t.CreatedAt)
}

func orUnknown(s string) string {
	if s == "" {
		return "not reported"
	}
	return s
}
