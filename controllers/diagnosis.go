package controllers

import (
	"context"
	"net/url"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/awstext"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/pool"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Explainer is diagnosis as the pools and the probe step use it: it turns
// what the probe saw into findings, always with the clients of the pool or
// check it explains.
type Explainer struct {
	Diagnoser *diagnose.Diagnoser
	// TaskDefinitions reads task definitions once per ARN (*probe.Manager).
	TaskDefinitions TaskDefinitionReader
	Clock           clock.PassiveClock
	Log             logr.Logger
}

// TaskDefinitionReader is the probe manager's cached task-definition read.
type TaskDefinitionReader interface {
	TaskDefinition(ctx context.Context, c *awsclient.Clients, arn string) (*ecstypes.TaskDefinition, error)
}

var _ TaskDefinitionReader = (*probe.Manager)(nil)

var _ pool.Explainer = (*Explainer)(nil)

// Targets fills the findings of every probed target that is not as expected.
func (s *Explainer) Targets(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, targets []v1alpha1.Target, outcomes []probe.Outcome) {
	byName := map[string]v1alpha1.Target{}
	for _, t := range targets {
		byName[t.Name] = t
	}
	for i := range outcomes {
		if o := &outcomes[i]; o.Probed && !o.AsExpected {
			o.Findings = s.explainTarget(ctx, clients, id, byName[o.Target], *o)
		}
	}
}

// Probe explains a probe that is not ready or whose session failed: the
// task's stop, then ECS Exec's prerequisites; for a ready service task, the
// prerequisites its definition misses.
func (s *Explainer) Probe(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, task *probe.TaskState, e *probe.Error) []v1alpha1.Finding {
	if e != nil {
		findings := e.Findings
		if task != nil {
			findings = overrideFindings(findings, s.explainExec(ctx, clients, id, task, e.Reason, e.Message))
		}
		return findings
	}
	if task == nil {
		return nil
	}
	if task.Ready {
		// A service's own task can run exec while its definition still
		// misses prerequisites (advisory ones do not fail Ready).
		return s.ServiceExecFindings(ctx, clients, id, task)
	}
	findings := task.Findings
	if task.StopCode != "" || task.StoppedReason != "" {
		// Diagnosis restates the stop with what explains it; keep its
		// version of a finding the task state also has.
		findings = overrideFindings(findings, s.explainStop(ctx, clients, id, task))
	}
	return overrideFindings(findings, s.explainExec(ctx, clients, id, task, task.Reason, task.Message))
}

// explainTarget asks diagnosis why a target is not as expected. A target
// that is reachable where it should not be has nothing to explain.
func (s *Explainer) explainTarget(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, t v1alpha1.Target, o probe.Outcome) []v1alpha1.Finding {
	var f diagnose.Failure
	kind, isConn := diagnose.ConnKindOf(o.Reason)
	switch {
	case s.Diagnoser == nil:
		return nil
	case t.AWSAPI != nil && o.Denial != nil:
		f = diagnose.APIDenial{Target: t.Name, Service: t.AWSAPI.Service, Action: t.AWSAPI.Action, Message: o.Message}
	case t.AWSAPI != nil && isConn:
		f = diagnose.ConnectionFailure{Target: t.Name, Host: diagnose.ServiceEndpointHost(t.AWSAPI.Service, id.Region), Port: 443, Kind: kind,
			Service: diagnose.EndpointService(t.AWSAPI.Service)}
	case t.DNS != nil && (o.Reason == v1alpha1.ReasonPublicAddressResolved || o.Reason == v1alpha1.ReasonNameNotResolved):
		f = diagnose.DNSFailure{Target: t.Name, Name: t.DNS.Name, Addresses: o.Addresses, ExpectPrivate: t.DNS.ExpectPrivateAddress}
	case t.TCP != nil && isConn:
		f = diagnose.ConnectionFailure{Target: t.Name, Host: t.TCP.Host, Addresses: o.Addresses, Port: t.TCP.Port, Kind: kind}
	case t.HTTP != nil && isConn:
		host, port := urlHostPort(t.HTTP.URL)
		f = diagnose.ConnectionFailure{Target: t.Name, Host: host, Addresses: o.Addresses, Port: port, Kind: kind}
	default:
		return nil
	}
	findings, err := s.Diagnoser.DiagnoseTarget(ctx, clients, network(id), f)
	if err != nil {
		s.Log.V(1).Info("diagnosis incomplete", "target", t.Name, "error", err.Error())
	}
	return findings
}

// explainStop explains a stopped probe task (CannotPullContainer and the
// like) by the network and permissions it needed.
func (s *Explainer) explainStop(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, task *probe.TaskState) []v1alpha1.Finding {
	if s.Diagnoser == nil {
		return nil
	}
	findings, err := s.Diagnoser.DiagnoseTaskStop(ctx, clients, network(id),
		diagnose.TaskStop{TaskArn: task.TaskArn, StopCode: task.StopCode, StoppedReason: task.StoppedReason})
	if err != nil {
		s.Log.V(1).Info("diagnosis of the probe's stop incomplete", "task", task.TaskArn, "error", err.Error())
	}
	return findings
}

// explainExec explains why ECS Exec cannot reach the probe (seed 002): the
// controller's own permission, the task's settings, its role and its path
// to ssmmessages.
func (s *Explainer) explainExec(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, task *probe.TaskState, reason, message string) []v1alpha1.Finding {
	switch {
	case s.Diagnoser == nil:
		return nil
	case reason == v1alpha1.ReasonExecuteCommandDenied, reason == v1alpha1.ReasonExecSessionFailed, reason == v1alpha1.ReasonExecAgentNotRunning:
	default:
		return nil
	}
	subject := "probe task"
	if id.ExecInto == v1alpha1.ExecIntoServiceTask {
		subject = "task of service " + id.ServiceArn
	}
	state := s.execState(ctx, clients, subject, task)
	// The agent reported RUNNING but ECS Exec did not reach it: the error
	// text tells diagnosis the session failed.
	if reason != v1alpha1.ReasonExecAgentNotRunning || task.ExecAgent == "RUNNING" {
		state.ExecuteCommandError = message
	}
	findings, err := s.Diagnoser.DiagnoseExec(ctx, clients, network(id), state)
	if err != nil {
		s.Log.V(1).Info("diagnosis of ECS Exec incomplete", "task", task.TaskArn, "error", err.Error())
	}
	return findings
}

// execState is what ECS says of the task ECS Exec failed to reach: whether
// it was started with exec enabled, its launch type and platform version,
// its agent, and its containers' definitions (read-only root, init
// process). Without them diagnosis could only assume exec was enabled.
// When ECS cannot be asked, the probe's own view is used.
func (s *Explainer) execState(ctx context.Context, clients *awsclient.Clients, subject string, task *probe.TaskState) diagnose.ExecState {
	state := diagnose.ExecState{
		Subject: subject, TaskArn: task.TaskArn, Cluster: task.Cluster, EnableExecuteCommand: true,
		AgentStatus: task.ExecAgent, Container: task.Container,
	}
	out, err := clients.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(task.Cluster), Tasks: []string{task.TaskArn}})
	if err != nil || len(out.Tasks) == 0 {
		return state
	}
	t := out.Tasks[0]
	td, _ := s.TaskDefinitions.TaskDefinition(ctx, clients, aws.ToString(t.TaskDefinitionArn))
	e := diagnose.ExecStateFromECS(t, td, task.Container)
	e.Subject = subject
	e.AgentStatus = firstNonEmpty(e.AgentStatus, task.ExecAgent)
	e.Cluster = firstNonEmpty(e.Cluster, task.Cluster)
	return e
}

// ServiceExecFindings are the ECS Exec prerequisites of the service's
// task with execInto: ServiceTask, read from its definition even while exec
// works (exec disabled, read-only root, platform version; a disabled init
// process is advisory, see diagnose.Advisory: it must not fail Ready).
func (s *Explainer) ServiceExecFindings(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, task *probe.TaskState) []v1alpha1.Finding {
	if id.ExecInto != v1alpha1.ExecIntoServiceTask || task == nil {
		return nil
	}
	return diagnose.ExecPrerequisites(network(id), s.execState(ctx, clients, "task of service "+id.ServiceArn, task))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// ServiceHealth computes ServiceHealthy and explains the service's most
// recent start failure, as seed 001 does by hand.
func (s *Explainer) ServiceHealth(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, svc *probe.ServiceState) (*Health, []v1alpha1.Finding) {
	state := diagnose.ServiceState{Name: svc.Name, DesiredCount: svc.DesiredCount, RunningCount: svc.RunningCount}
	for _, r := range svc.RecentStopReasons {
		st := diagnose.StoppedTask{TaskArn: r.TaskArn, StopCode: r.Code, StoppedReason: r.StoppedReason}
		if r.StoppedAt != nil {
			st.StoppedAt = r.StoppedAt.Time
		}
		state.Stopped = append(state.Stopped, st)
	}
	c := diagnose.ServiceHealth(state, s.Clock.Now(), 0)
	health := &Health{Status: c.Status, Reason: c.Reason, Message: c.Message}
	if c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonServiceTaskStartFailed || s.Diagnoser == nil {
		return health, nil
	}
	// The newest start failure is the one ServiceHealthy names; a task that
	// started and then stopped (EssentialContainerExited) is not it.
	for _, st := range state.Stopped {
		if !awstext.IsStartFailure(st.StopCode) {
			continue
		}
		stop := diagnose.TaskStop{TaskArn: st.TaskArn, StopCode: st.StopCode, StoppedReason: st.StoppedReason}
		// The containers tell diagnosis where the image comes from and what
		// the execution role must reach (logs, secrets).
		if td, err := s.TaskDefinitions.TaskDefinition(ctx, clients, svc.TaskDefinitionArn); err == nil && td != nil {
			stop.Containers = diagnose.ContainersFromECS(td.ContainerDefinitions, nil)
		}
		findings, err := s.Diagnoser.DiagnoseTaskStop(ctx, clients, network(id), stop)
		if err != nil {
			s.Log.V(1).Info("diagnosis of the service's stop incomplete", "task", st.TaskArn, "error", err.Error())
		}
		return health, findings
	}
	return health, nil
}

// network is the diagnosis view of a probe identity.
func network(id *probe.Identity) diagnose.Network {
	return diagnose.Network{
		Region: id.Region, Account: id.Account, VPCID: id.VPCID,
		Subnets: id.Subnets, SecurityGroups: id.SecurityGroups,
		AssignPublicIP:   id.AssignPublicIP == v1alpha1.AssignPublicIPEnabled,
		TaskRoleArn:      id.TaskRoleArn,
		ExecutionRoleArn: id.ExecRoleArn,
		LaunchType:       string(id.LaunchType), PlatformVersion: id.PlatformVersion,
	}
}

// urlHostPort is the host and port an http target connects to.
func urlHostPort(raw string) (string, int32) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0
	}
	port := int32(80)
	if u.Scheme == "https" {
		port = 443
	}
	if n, err := strconv.Atoi(u.Port()); err == nil {
		port = int32(n)
	}
	return u.Hostname(), port
}
