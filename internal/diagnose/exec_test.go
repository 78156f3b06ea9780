package diagnose_test

import (
	"context"
	"testing"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/diagnose/motoenv"
)

const cluster = "arn:aws:ecs:" + region + ":" + motoenv.Account + ":cluster/prod"

// healthyExec is a probe task ECS Exec reaches.
func healthyExec() diagnose.ExecState {
	return diagnose.ExecState{Subject: "probe task", TaskArn: taskArn, Cluster: cluster, EnableExecuteCommand: true,
		AgentStatus: "RUNNING", LaunchType: "FARGATE", PlatformVersion: "1.4.0", Container: "probe",
		Containers: []diagnose.Container{{Name: "probe", Image: "public.ecr.aws/aws-cli/aws-cli:latest", Essential: true, InitProcessEnabled: true}}}
}

func (f *fixture) exec(e diagnose.ExecState) []v1alpha1.Finding {
	f.T.Helper()
	fs, err := f.d.DiagnoseExec(context.Background(), f.clients, f.network(), e)
	if err != nil {
		f.T.Fatalf("DiagnoseExec: %v", err)
	}
	return fs
}

// The task's own settings, each with its fix; the healthy state has none.
func TestExecTaskSettings(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ssmmessages")
	requireNone(t, f.exec(healthyExec()))

	e := healthyExec()
	e.EnableExecuteCommand, e.AgentStatus = false, ""
	e.Subject = "task of service orders-api"
	requireFinding(t, f.exec(e), v1alpha1.FindingExecNotEnabled, taskArn,
		"Task of service orders-api was started without enableExecuteCommand", "--enable-execute-command --force-new-deployment")

	e = healthyExec()
	e.PlatformVersion = "1.3.0"
	requireFinding(t, f.exec(e), v1alpha1.FindingPlatformVersionTooOld, taskArn, "platform version 1.3.0", "needs 1.4.0 or later", "Set platformVersion to LATEST")
	e.PlatformVersion = "LATEST"
	requireNone(t, f.exec(e))
	e.LaunchType, e.PlatformVersion = "EC2", "1.0.0" // platform versions are Fargate's
	requireNone(t, f.exec(e))

	e = healthyExec()
	e.Containers[0].ReadonlyRootFilesystem = true
	requireFinding(t, f.exec(e), v1alpha1.FindingReadonlyRootFilesystem, taskArn, "Container probe of probe task has readonlyRootFilesystem: true", "Set readonlyRootFilesystem to false")

	e = healthyExec()
	e.Containers[0].InitProcessEnabled = false
	requireFinding(t, f.exec(e), v1alpha1.FindingInitProcessDisabled, taskArn, `"linuxParameters": {"initProcessEnabled": true}`)
}

// Seed 002: the task role lacks the ssmmessages permissions, so the agent
// never comes up.
func TestTaskRoleMissingSSMMessages(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ssmmessages")
	f.PutRolePolicy(f.TaskRole, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:ListTopics","Resource":"*"}]}`)
	e := healthyExec()
	e.AgentStatus, e.AgentReason = "STOPPED", "Agent failed to start"

	fs := f.exec(e)
	requireFinding(t, fs, v1alpha1.FindingExecAgentNotRunning, taskArn, "The ExecuteCommandAgent of probe task is STOPPED (Agent failed to start)")
	requireFinding(t, fs, v1alpha1.FindingTaskRoleMissingSSMMessages, f.TaskRoleArn,
		"Task role "+f.TaskRole+" does not allow ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, ssmmessages:OpenControlChannel and ssmmessages:OpenDataChannel",
		`"Action":["ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel"]`)
	requireOnly(t, fs, v1alpha1.FindingExecAgentNotRunning, v1alpha1.FindingTaskRoleMissingSSMMessages)

	f.PutRolePolicy(f.TaskRole, "exec", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel"],"Resource":"*"}]}`)
	f.fresh()
	e.AgentStatus = "PENDING" // a new task's agent starting
	requireOnly(t, f.exec(e), v1alpha1.FindingExecAgentNotRunning)
	requireNone(t, f.exec(healthyExec()))
}

func TestNoPathToSSMMessages(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "logs")
	e := healthyExec()
	e.AgentStatus = "PENDING"

	fs := f.exec(e)
	requireFinding(t, fs, v1alpha1.FindingNoPathToSSMMessages, f.VPC,
		"ECS Exec's agent in probe task needs com.amazonaws."+region+".ssmmessages", "Create an interface endpoint for com.amazonaws."+region+".ssmmessages")

	f.InterfaceEndpoint(f.VPC, "ssmmessages", []string{f.EndpointSubnet}, []string{f.EndpointSG}, true)
	f.fresh()
	requireOnly(t, f.exec(e), v1alpha1.FindingExecAgentNotRunning)
}

// An ssmmessages endpoint the task cannot open is named like any other.
func TestSSMMessagesEndpointBlocked(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ssmmessages")
	f.Revoke(f.EndpointSG, false, motoenv.TCP(443, 443, f.TaskSG))
	e := healthyExec()
	e.ExecuteCommandError = "TargetNotConnectedException: The execute command failed due to an internal error. Try again later."

	fs := f.exec(e)
	requireFinding(t, fs, v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, f.EndpointSG, "com.amazonaws."+region+".ssmmessages", "Add an inbound rule for TCP 443 from "+f.TaskSG)
}

// Seed 002's policy, applied to the controller's role: exec is denied
// unless the cluster is tagged Login=true and the call comes from one VPC.
func TestControllerExecuteCommandDenied(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ssmmessages")
	role := unique("ecscheck-controller")
	roleArn := f.Role(role, "")
	f.PutRolePolicy(role, "ecs-exec", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["ecs:ExecuteCommand","ecs:DescribeTasks","ecs:RunTask"],"Resource":"*"},
		{"Sid":"VisualEditor0","Effect":"Deny","Action":"ecs:ExecuteCommand","Resource":"`+cluster+`","Condition":{"StringNotEqualsIfExists":{"ecs:ResourceTag/Login":"true"}}},
		{"Sid":"VisualEditor1","Effect":"Deny","Action":"ecs:ExecuteCommand","Resource":"`+cluster+`","Condition":{"ForAnyValue:StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-0bastion"}}}]}`)
	e := healthyExec()
	e.ExecuteCommandError = "An error occurred (AccessDeniedException) when calling the ExecuteCommand operation: User: arn:aws:sts::" + motoenv.Account + ":assumed-role/" + role + "/ecscheck is not authorized to perform: ecs:ExecuteCommand on resource: " + cluster + " with an explicit deny in an identity-based policy"

	fs := f.exec(e)
	requireFinding(t, fs, v1alpha1.FindingControllerExecuteCommandDenied, roleArn,
		"ECS refused ecs:ExecuteCommand on "+cluster, "with an explicit deny in an identity-based policy",
		"statement VisualEditor0", "ecs:ResourceTag/Login StringNotEqualsIfExists true",
		"statement VisualEditor1", "aws:SourceVpc ForAnyValue:StringNotEqualsIfExists vpc-0bastion",
		"exempt it from Deny statements conditioned on tags or aws:SourceVpc")
	requireOnly(t, fs, v1alpha1.FindingControllerExecuteCommandDenied)
}
