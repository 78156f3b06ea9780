package diagnose

import (
	"context"
	"strconv"
	"strings"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/awstext"
)

// ssmMessagesActions are what the SSM agent in the task calls to open
// ECS Exec's channels (seed 002's policy).
var ssmMessagesActions = []string{
	"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
	"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
}

// DiagnoseExec explains why ECS Exec cannot reach a task (the probe, or a
// task of the service with execInto: ServiceTask): the controller's own
// permission, the task's settings, its role and its path to ssmmessages.
func (d *Diagnoser) DiagnoseExec(ctx context.Context, c *awsclient.Clients, n Network, e ExecState) ([]v1alpha1.Finding, error) {
	n = normalize(c, n)
	n.LaunchType = firstNonEmpty(e.LaunchType, n.LaunchType)
	n.PlatformVersion = firstNonEmpty(e.PlatformVersion, n.PlatformVersion)
	out := newCollector()
	subject := firstNonEmpty(e.Subject, shortTask(e.TaskArn))
	if controllerRefused(e) {
		d.controllerDenied(ctx, c, e, out)
	}
	out.merge(ExecPrerequisites(n, e))
	if !e.EnableExecuteCommand || e.AgentStatus == "RUNNING" && !sessionFailed(e) {
		return out.result(), nil
	}
	if e.AgentStatus != "RUNNING" {
		msg := "The ExecuteCommandAgent of %s is %s%s, so ECS Exec has nothing to connect to. The agent needs the task role's ssmmessages permissions and a path to ssmmessages (other findings say which is missing)."
		out.add("", v1alpha1.FindingExecAgentNotRunning, e.TaskArn, msg, subject, firstNonEmpty(e.AgentStatus, "not reported"), reasonSuffix(e.AgentReason))
	}
	if err := d.checkSSMMessagesRole(ctx, c, n, e, subject, out); err != nil {
		return out.result(), err
	}
	if err := d.checkExecConfig(ctx, c, n, e, subject, out); err != nil {
		return out.result(), err
	}
	if len(n.Subnets) == 0 {
		return out.result(), nil
	}
	st, err := d.vpc(ctx, c, n)
	if err != nil {
		return out.result(), err
	}
	p := &pathEval{ctx: ctx, r: &reader{ec2: c.EC2}, n: n, st: st, out: out}
	for _, subnet := range n.evalSubnets() {
		if err := p.reachService(subnet, "ssmmessages", v1alpha1.FindingNoPathToSSMMessages, "ECS Exec's agent in "+subject); err != nil {
			return out.result(), err
		}
	}
	return out.result(), nil
}

// sessionFailed: the controller reached ECS but the session did not open.
func sessionFailed(e ExecState) bool {
	return e.ExecuteCommandError != "" && !controllerRefused(e)
}

// controllerRefused: the error is ECS refusing the controller's
// ecs:ExecuteCommand. A denial of another action (the agent's kms:Decrypt
// or logs:PutLogEvents, reported through the failed session) is not the
// controller's, and is explained by the cluster's exec configuration.
func controllerRefused(e ExecState) bool {
	if e.ExecuteCommandError == "" || !awstext.IsAccessDenied(e.ExecuteCommandError) {
		return false
	}
	den, _ := parseDenial(e.ExecuteCommandError)
	return den.action == "" || strings.EqualFold(den.action, "ecs:ExecuteCommand")
}

func reasonSuffix(r string) string {
	if r == "" {
		return ""
	}
	return " (" + r + ")"
}

// execContainer is the container exec'd into: the named one, else the
// first essential one.
func execContainer(e ExecState) (Container, bool) {
	for _, c := range e.Containers {
		if c.Name == e.Container && e.Container != "" {
			return c, true
		}
	}
	for _, c := range e.Containers {
		if c.Essential && e.Container == "" {
			return c, true
		}
	}
	return Container{}, false
}

// platformTooOld: ECS Exec needs Fargate platform version 1.4.0 or later;
// LATEST and an empty version are new enough.
func platformTooOld(v string) bool {
	if v == "" || strings.EqualFold(v, "LATEST") {
		return false
	}
	parts := strings.Split(v, ".")
	want := []int{1, 4, 0}
	for i := 0; i < 3; i++ {
		got := 0
		if i < len(parts) {
			n, err := strconv.Atoi(parts[i])
			if err != nil {
				return false
			}
			got = n
		}
		if got != want[i] {
			return got < want[i]
		}
	}
	return false
}

// checkSSMMessagesRole: the agent opens its channels as the task role.
func (d *Diagnoser) checkSSMMessagesRole(ctx context.Context, c *awsclient.Clients, n Network, e ExecState, subject string, out *collector) error {
	if n.TaskRoleArn == "" {
		out.add("", v1alpha1.FindingTaskRoleMissingSSMMessages, e.TaskArn,
			"%s has no task role, and ECS Exec's agent opens its channels as the task role. Set taskRoleArn to a role with a policy allowing %s on \"*\".",
			sentence(subject), joinList(ssmMessagesActions))
		return nil
	}
	rp, err := d.role(ctx, c, roleArn(n.TaskRoleArn, n.Account))
	if err != nil {
		return err
	}
	if rp.missing {
		out.add("", v1alpha1.FindingTaskRoleMissingSSMMessages, rp.arn,
			"Task role %s of %s does not exist. Create it with a policy allowing %s on \"*\".", rp.arn, subject, joinList(ssmMessagesActions))
		return nil
	}
	var needs []permNeed
	for _, a := range ssmMessagesActions {
		needs = append(needs, permNeed{action: a, why: "ECS Exec"})
	}
	gaps, _ := d.roleGaps(ctx, c, n, rp, needs)
	if len(gaps) == 0 {
		return nil
	}
	var missing []string
	for _, g := range gaps {
		missing = append(missing, g.need.action)
	}
	extra := ""
	if t := gaps[0].denyText(); t != "" {
		extra = " " + strings.ToUpper(t[:1]) + t[1:] + " denies them; remove that Deny."
	}
	out.add("", v1alpha1.FindingTaskRoleMissingSSMMessages, rp.arn,
		"Task role %s does not allow %s (%s), which the SSM agent of ECS Exec needs to open its channels.%s Attach a policy: {\"Effect\":\"Allow\",\"Action\":[\"ssmmessages:CreateControlChannel\",\"ssmmessages:CreateDataChannel\",\"ssmmessages:OpenControlChannel\",\"ssmmessages:OpenDataChannel\"],\"Resource\":\"*\"}.",
		rp.name, joinList(missing), gaps[0].evidence(rp), extra)
	return nil
}

// ExecPrerequisites are the findings a task's own settings give about ECS
// Exec, without asking AWS: exec not enabled, a Fargate platform too old,
// a read-only root filesystem, initProcessEnabled off. With execInto:
// ServiceTask they hold even while exec works (the next deployment may
// break it); InitProcessDisabled is advisory (see Advisory).
func ExecPrerequisites(n Network, e ExecState) []v1alpha1.Finding {
	n.LaunchType = firstNonEmpty(e.LaunchType, n.LaunchType)
	n.PlatformVersion = firstNonEmpty(e.PlatformVersion, n.PlatformVersion)
	subject := firstNonEmpty(e.Subject, shortTask(e.TaskArn))
	out := newCollector()
	if !e.EnableExecuteCommand {
		out.add("", v1alpha1.FindingExecNotEnabled, e.TaskArn,
			"%s was started without enableExecuteCommand, so ECS Exec cannot reach it. For a service: aws ecs update-service --cluster %s --service <service> --enable-execute-command --force-new-deployment (only tasks started afterwards get the agent).",
			sentence(subject), firstNonEmpty(e.Cluster, "<cluster>"))
	}
	// ECS Exec on Fargate needs platform 1.4.0 or later on Linux and 1.0.0
	// or later on Windows, whose versions start at 1.0.0 (ECS developer
	// guide, ECS Exec considerations; "Fargate Windows platform versions").
	if n.fargate() && !e.windows() && platformTooOld(n.PlatformVersion) {
		out.add("", v1alpha1.FindingPlatformVersionTooOld, e.TaskArn,
			"%s runs on Fargate platform version %s; ECS Exec needs 1.4.0 or later. Set platformVersion to LATEST (or 1.4.0) on the service and deploy again.",
			sentence(subject), n.PlatformVersion)
	}
	if ct, ok := execContainer(e); ok {
		if ct.ReadonlyRootFilesystem {
			out.add("", v1alpha1.FindingReadonlyRootFilesystem, e.TaskArn,
				"Container %s of %s has readonlyRootFilesystem: true, so the SSM agent that ECS Exec starts in it cannot write its files. Set readonlyRootFilesystem to false in the task definition, or exec into another container.",
				ct.Name, subject)
		}
		if !ct.InitProcessEnabled {
			out.add("", v1alpha1.FindingInitProcessDisabled, e.TaskArn,
				"Container %s of %s has linuxParameters.initProcessEnabled off, so processes ECS Exec starts are left orphaned. Set \"linuxParameters\": {\"initProcessEnabled\": true} in the container definition.",
				ct.Name, subject)
		}
	}
	return out.result()
}

// Advisory reports whether a finding is advice rather than a failure: it
// is worth showing but does not make a check not Ready (initProcessEnabled
// off leaves exec'd processes orphaned, exec still works).
func Advisory(code v1alpha1.FindingCode) bool {
	return code == v1alpha1.FindingInitProcessDisabled
}
