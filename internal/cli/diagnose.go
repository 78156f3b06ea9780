package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// serviceReport is what ecscheck diagnose prints: read-only facts and the
// controller's findings about a service.
type serviceReport struct {
	Cluster string `json:"cluster"`
	Service string `json:"service"`
	// Status is the service's status as a check shows it.
	Status *v1alpha1.ServiceStatus `json:"status,omitempty"`
	// Health is ServiceHealthy (seed 001) and Findings explain it.
	Health   condition          `json:"health"`
	Findings []v1alpha1.Finding `json:"findings,omitempty"`
	// Exec is ECS Exec as the service's running task shows it (seed 002).
	Exec         condition          `json:"exec"`
	ExecTask     string             `json:"execTask,omitempty"`
	ExecFindings []v1alpha1.Finding `json:"execFindings,omitempty"`
	// Paths are the network paths from the service's subnets to the
	// endpoints of the AWS services its task role names.
	Paths []pathReport `json:"paths,omitempty"`
}

type pathReport struct {
	Service  string             `json:"service"`
	Host     string             `json:"host"`
	Findings []v1alpha1.Finding `json:"findings,omitempty"`
}

type condition struct {
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func diagnoseCommand(ctx context.Context, args []string, s *streams) int {
	fs := flag.NewFlagSet("ecscheck diagnose", flag.ContinueOnError)
	var a awsFlags
	a.bind(fs)
	cluster := fs.String("cluster", "", "ECS cluster (name or ARN)")
	service := fs.String("service", "", "ECS service")
	output := fs.String("o", "table", "Output: table, yaml or json")
	if err := parse(fs, s, args); err != nil {
		return flagExit(err)
	}
	if *cluster == "" || *service == "" {
		return usageError(s, "diagnose", fmt.Errorf("--cluster and --service are required"))
	}
	if err := checkOutput(*output); err != nil {
		return usageError(s, "diagnose", err)
	}
	// An agent that is not RUNNING now is reported as such: no grace.
	e, err := newEngine(ctx, s, &a, time.Nanosecond)
	if err != nil {
		return usageError(s, "diagnose", err)
	}
	rep, err := e.diagnoseService(ctx, *cluster, *service)
	if err != nil {
		return usageError(s, "diagnose", err)
	}
	if err := printReport(s.out, *output, rep); err != nil {
		return usageError(s, "diagnose", err)
	}
	all := append(rep.Findings, rep.ExecFindings...)
	for _, p := range rep.Paths {
		all = append(all, p.Findings...)
	}
	if !allAdvisory(all) {
		return exitNotExpected
	}
	return exitOK
}

// allAdvisory: no finding says something fails (diagnose.Advisory).
func allAdvisory(findings []v1alpha1.Finding) bool {
	for _, f := range findings {
		if !diagnose.Advisory(f.Code) {
			return false
		}
	}
	return true
}

// diagnoseService reads the service (no probe, nothing started): its
// recent start failures explained as the controller's ServiceHealthy
// condition does, and ECS Exec into its running task explained as a
// check with execInto: ServiceTask would be.
func (e *engine) diagnoseService(ctx context.Context, cluster, service string) (*serviceReport, error) {
	check := &v1alpha1.ECSConnectivityCheck{}
	check.Name, check.Namespace = "diagnose", "default"
	check.Spec.Cluster, check.Spec.Service = cluster, service
	check.Spec.Probe.ExecInto = v1alpha1.ExecIntoServiceTask
	clients, err := e.clients(ctx, check)
	if err != nil {
		return nil, err
	}
	id, svc, err := e.probes.Resolve(ctx, clients, check)
	if err != nil {
		pe := probe.AsError(err)
		return nil, fmt.Errorf("%s: %s", pe.Reason, pe.Message)
	}
	rep := &serviceReport{Cluster: cluster, Service: service, Status: svc.Status()}
	health, findings := e.explain.ServiceHealth(ctx, clients, id, svc)
	rep.Health = condition{Status: string(health.Status), Reason: health.Reason, Message: health.Message}
	rep.Findings = findings
	e.diagnoseExec(ctx, clients, id, rep)
	if err := e.diagnosePaths(ctx, clients, id, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// diagnoseExec looks at the task ECS Exec would reach (the service's
// first RUNNING task) without opening a session.
func (e *engine) diagnoseExec(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, rep *serviceReport) {
	task, err := e.probes.Acquire(ctx, clients, id, "", 0)
	if err != nil {
		pe := probe.AsError(err)
		rep.Exec = condition{Status: "Unknown", Reason: pe.Reason, Message: pe.Message}
		return
	}
	rep.ExecTask = task.TaskArn
	status := "False"
	if task.Ready {
		status = "True"
	}
	rep.Exec = condition{Status: status, Reason: task.Reason, Message: task.Message}
	if task.Ready {
		// The probe's wording names its own task; this is the service's.
		rep.Exec.Reason = "ExecReady"
		rep.Exec.Message = fmt.Sprintf("task %s is %s and its ExecuteCommandAgent is %s", shortArn(task.TaskArn), task.LastStatus, task.ExecAgent)
	}
	var session *probe.Error
	if task.Ready {
		// An agent reported RUNNING does not prove a session opens (a task
		// role without ssmmessages, seed 002). Ask for the analysis the
		// controller makes after a failed session: the role, the cluster's
		// exec configuration and the path to ssmmessages, all read from
		// AWS; no session is opened.
		session = &probe.Error{Reason: v1alpha1.ReasonExecSessionFailed,
			Message: "no session opened: ecscheck diagnose checks ECS Exec's prerequisites from AWS state"}
	}
	rep.ExecFindings = e.explain.Probe(ctx, clients, id, task, session)
	if task.Ready && len(rep.ExecFindings) > 0 && !allAdvisory(rep.ExecFindings) {
		rep.Exec.Status, rep.Exec.Reason = "False", "ExecPrerequisitesMissing"
		rep.Exec.Message += ", but a session would fail: see the findings"
	}
}

// diagnosePaths explains, for each AWS service the task role's policies
// name, what would block a call from the service's subnets to its
// endpoint: the analysis the controller makes of an awsAPI target whose
// call timed out (route tables, NACLs, security groups, VPC endpoints and
// their security groups), asked before anything failed.
func (e *engine) diagnosePaths(ctx context.Context, clients *awsclient.Clients, id *probe.Identity, rep *serviceReport) error {
	if id.TaskRoleArn == "" || len(id.Subnets) == 0 {
		return nil
	}
	prefixes, err := rolePrefixes(ctx, clients.IAM, id.TaskRoleArn)
	if err != nil {
		return fmt.Errorf("reading the policies of %s: %w", id.TaskRoleArn, err)
	}
	var targets []v1alpha1.Target
	var outcomes []probe.Outcome
	for _, p := range prefixes {
		call, ok := readOnlyProbe[p]
		if !ok {
			continue
		}
		targets = append(targets, v1alpha1.Target{Name: p, AWSAPI: &v1alpha1.AWSAPITarget{Service: call.cli, Action: call.action}})
		outcomes = append(outcomes, probe.Outcome{Target: p, Probed: true, Result: v1alpha1.ResultUnknown, Reason: v1alpha1.ReasonAPICallTimedOut})
	}
	e.explain.Targets(ctx, clients, id, targets, outcomes)
	for i, t := range targets {
		rep.Paths = append(rep.Paths, pathReport{Service: t.Name, Host: diagnose.ServiceEndpointHost(t.AWSAPI.Service, id.Region) + ":443",
			Findings: outcomes[i].Findings})
	}
	return nil
}

func printReport(w io.Writer, output string, rep *serviceReport) error {
	switch output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "yaml":
		b, err := yaml.Marshal(rep)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	fmt.Fprintf(w, "SERVICE %s  cluster %s", rep.Service, rep.Cluster)
	if st := rep.Status; st != nil {
		fmt.Fprintf(w, "  %d/%d tasks running", st.RunningCount, st.DesiredCount)
	}
	fmt.Fprintln(w)
	if st := rep.Status; st != nil {
		for _, r := range st.RecentStopReasons {
			fmt.Fprintf(w, "  stopped %s %s: %s\n", shortArn(r.TaskArn), r.Code, oneLine(r.StoppedReason))
		}
	}
	fmt.Fprintf(w, "HEALTH %s %s: %s\n", rep.Health.Status, rep.Health.Reason, oneLine(rep.Health.Message))
	printFindings(w, "start failures", rep.Findings)
	fmt.Fprintf(w, "ECS EXEC %s %s: %s\n", rep.Exec.Status, rep.Exec.Reason, oneLine(rep.Exec.Message))
	printFindings(w, "ECS Exec", rep.ExecFindings)
	for _, p := range rep.Paths {
		verdict := "open"
		if len(p.Findings) > 0 {
			verdict = "blocked"
		}
		fmt.Fprintf(w, "PATH to %s (%s, named by the task role): %s\n", p.Host, p.Service, verdict)
		printFindings(w, p.Service, p.Findings)
	}
	return nil
}

// shortArn is the last path segment of an ARN.
func shortArn(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}
