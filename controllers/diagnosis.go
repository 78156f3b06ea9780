package controllers

import (
	"context"
	"net/url"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/awstext"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// results turns a run's outcomes into target results, with findings for
// every target that is not as expected. Targets the probe printed nothing
// for are left out, so they keep their last result.
func (s *ProbeStep) results(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, check *v1alpha1.ECSConnectivityCheck, outcomes []probe.Outcome) []TargetResult {
	targets := map[string]v1alpha1.Target{}
	for _, t := range check.Spec.Targets {
		targets[t.Name] = t
	}
	var out []TargetResult
	for _, o := range outcomes {
		if !o.Probed {
			continue
		}
		r := TargetResult{
			Name: o.Target, Result: o.Result, AsExpected: o.AsExpected, Reason: o.Reason, Message: o.Message,
			Addresses: o.Addresses, ViaVPCEndpoint: o.ViaVPCEndpoint, Latency: o.Latency,
		}
		if !o.AsExpected {
			r.Findings = s.explainTarget(ctx, clients, id, targets[o.Target], o)
		}
		out = append(out, r)
	}
	return out
}

// explainTarget asks diagnosis why a target is not as expected. A target
// that is reachable where it should not be has nothing to explain.
func (s *ProbeStep) explainTarget(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, t v1alpha1.Target, o probe.Outcome) []v1alpha1.Finding {
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
func (s *ProbeStep) explainStop(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, task *probe.TaskState) []v1alpha1.Finding {
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
func (s *ProbeStep) explainExec(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, task *probe.TaskState, reason, message string) []v1alpha1.Finding {
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
func (s *ProbeStep) execState(ctx context.Context, clients *awsclient.Clients, subject string, task *probe.TaskState) diagnose.ExecState {
	state := diagnose.ExecState{
		Subject: subject, TaskArn: task.TaskArn, Cluster: task.Cluster, EnableExecuteCommand: true,
		AgentStatus: task.ExecAgent, Container: task.Container,
	}
	out, err := clients.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(task.Cluster), Tasks: []string{task.TaskArn}})
	if err != nil || len(out.Tasks) == 0 {
		return state
	}
	t := out.Tasks[0]
	var td *ecstypes.TaskDefinition
	if r, err := clients.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: t.TaskDefinitionArn}); err == nil {
		td = r.TaskDefinition
	}
	e := diagnose.ExecStateFromECS(t, td, task.Container)
	e.Subject = subject
	e.AgentStatus = firstNonEmpty(e.AgentStatus, task.ExecAgent)
	e.Cluster = firstNonEmpty(e.Cluster, task.Cluster)
	return e
}

// serviceExecFindings are the ECS Exec prerequisites of the service's
// task with execInto: ServiceTask, read from its definition even while exec
// works (exec disabled, read-only root, platform version; a disabled init
// process is advisory, see diagnose.Advisory: it must not fail Ready).
// Hook for Probe: call it when the task is Ready and id.ExecInto is
// ServiceTask, and add the findings to the outcome.
func (s *ProbeStep) serviceExecFindings(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, task *probe.TaskState) []v1alpha1.Finding {
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

// serviceHealth computes ServiceHealthy and explains the service's most
// recent start failure, as seed 001 does by hand.
func (s *ProbeStep) serviceHealth(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, svc *probe.ServiceState) (*Health, []v1alpha1.Finding) {
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
		if td, err := clients.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(svc.TaskDefinitionArn)}); err == nil && td.TaskDefinition != nil {
			stop.Containers = diagnose.ContainersFromECS(td.TaskDefinition.ContainerDefinitions, nil)
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
