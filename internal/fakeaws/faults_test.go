package fakeaws

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Every fault goes through the real SDK with its standard retryer (3
// attempts), so the tests show what the controller's clients will see.

func TestThrottleRecoveredByRetries(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	srv.SetFault("ecs:DescribeServices", &Fault{Kind: FaultThrottle, Times: 2})
	_, err := c.DescribeServices(ctxT(t), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"orders-api"}})
	if err != nil {
		t.Fatalf("two throttles then success should be absorbed by retries: %v", err)
	}
	if n := srv.Calls()["ecs:DescribeServices"]; n != 3 {
		t.Errorf("calls = %d, want 3", n)
	}
}

func TestThrottleExhaustsRetries(t *testing.T) {
	srv := loadBasic(t)
	cl := clientsFor(srv, "AKIDCONTROLLER")
	srv.SetFault("ec2:*", &Fault{Kind: FaultThrottle})
	_, err := cl.ec2.DescribeVpcs(ctxT(t), &ec2.DescribeVpcsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "RequestLimitExceeded" {
		t.Fatalf("want RequestLimitExceeded, got %v", err)
	}
	if n := srv.Calls()["ec2:DescribeVpcs"]; n != 3 {
		t.Errorf("calls = %d, want 3 attempts", n)
	}
	srv.SetFault("ecs:ListTasks", &Fault{Kind: FaultThrottle})
	_, err = cl.ecs.ListTasks(ctxT(t), &ecs.ListTasksInput{Cluster: aws.String("prod")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" {
		t.Errorf("ECS throttling: %v", err)
	}
}

func TestServerErrors(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	srv.SetFault("DescribeTasks", &Fault{Kind: FaultServerError})
	_, err := c.DescribeTasks(ctxT(t), &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: []string{"x"}})
	var se *types.ServerException
	if !errors.As(err, &se) {
		t.Fatalf("want ServerException, got %v", err)
	}
	if n := srv.Calls()["ecs:DescribeTasks"]; n != 3 {
		t.Errorf("calls = %d, want 3 (5xx is retried)", n)
	}
	srv.ResetCalls()
	srv.SetFault("DescribeTasks", &Fault{Kind: FaultServerError, Status: 503, Times: 1})
	if _, err := c.DescribeTasks(ctxT(t), &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: []string{"x"}}); err != nil {
		t.Errorf("one 503 should be retried away: %v", err)
	}
	if n := srv.Calls()["ecs:DescribeTasks"]; n != 2 {
		t.Errorf("calls = %d, want 2", n)
	}
}

func TestErrorFaultIsNotRetried(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	srv.SetFault("ecs:RunTask", &Fault{Kind: FaultError, Code: "AccessDeniedException", Message: "User: x is not authorized to perform: ecs:RunTask"})
	_, err := c.RunTask(ctxT(t), &ecs.RunTaskInput{Cluster: aws.String("prod"), TaskDefinition: aws.String("app")})
	var ad *types.AccessDeniedException
	if !errors.As(err, &ad) || !strings.Contains(ad.ErrorMessage(), "ecs:RunTask") {
		t.Fatalf("want AccessDeniedException, got %v", err)
	}
	if n := srv.Calls()["ecs:RunTask"]; n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestErrorRate(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").sts
	srv.SetFault("sts:GetCallerIdentity", &Fault{Kind: FaultServerError, Rate: 0.5})
	failed := 0
	for i := 0; i < 20; i++ {
		if _, err := c.GetCallerIdentity(ctxT(t), &sts.GetCallerIdentityInput{}); err != nil {
			failed++
		}
	}
	n := srv.Calls()["sts:GetCallerIdentity"]
	// Half the attempts fail, so retries happen and most calls succeed.
	if n <= 20 || failed == 20 {
		t.Errorf("attempts = %d, failed calls = %d", n, failed)
	}
}

func TestLatency(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").sts
	srv.SetFault("sts:GetCallerIdentity", &Fault{Latency: Duration{300 * time.Millisecond}})
	start := time.Now()
	if _, err := c.GetCallerIdentity(ctxT(t), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("answered after %v, want ≥ 300ms", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want deadline exceeded, got %v", err)
	}
}

// TestRunTaskAgentFailures: seed 003's failure is an answer, not an error,
// and about a container instance: EC2 only. Fargate answers free text.
func TestRunTaskAgentFailures(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	ec2 := func(in *ecs.RunTaskInput) { in.LaunchType = types.LaunchTypeEc2 }
	srv.SetFault("ecs:RunTask", &Fault{Kind: FaultRunTaskFailure, Times: 1})
	if out := runProbe(t, c, ""); len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != fargateCapacityUnavailable || out.Failures[0].Arn != nil {
		t.Fatalf("Fargate failure %+v", out.Failures)
	}
	srv.SetFault("ecs:RunTask", &Fault{Kind: FaultRunTaskFailure, Times: 2})
	for i := 0; i < 2; i++ {
		out := runProbe(t, c, "", ec2)
		if len(out.Tasks) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "AGENT" ||
			!strings.Contains(aws.ToString(out.Failures[0].Arn), ":container-instance/prod/") {
			t.Fatalf("call %d: %+v", i+1, out)
		}
	}
	if out := runProbe(t, c, ""); len(out.Tasks) != 1 || len(out.Failures) != 0 {
		t.Errorf("third call %+v", out)
	}
}

// TestTasksThatFailToStart uses seed 001's two stop reasons.
func TestTasksThatFailToStart(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	reasons := []string{
		"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/nginx/nginx:latest: dial tcp 99.83.145.10:443: i/o timeout",
		"ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post \"https://api.ecr.ap-northeast-1.amazonaws.com/\": dial tcp 10.0.1.5:443: i/o timeout. Please check your task network configuration.",
	}
	for _, r := range reasons {
		srv.AddTaskFault(TaskFault{Family: "app", Times: 1, StoppedReason: r})
	}
	for _, want := range reasons {
		arn := aws.ToString(runProbe(t, c, "").Tasks[0].TaskArn)
		var task types.Task
		eventually(t, 5*time.Second, "stopped", func() bool {
			task = describeTask(t, c, arn)
			return aws.ToString(task.LastStatus) == "STOPPED"
		})
		if task.StopCode != types.TaskStopCodeTaskFailedToStart || aws.ToString(task.StoppedReason) != want ||
			task.StartedAt != nil || aws.ToString(task.Containers[0].Reason) != want {
			t.Errorf("stopped task: code %s reason %q container %q started %v", task.StopCode, aws.ToString(task.StoppedReason), aws.ToString(task.Containers[0].Reason), task.StartedAt)
		}
	}
	// The faults were for one task each: the next task runs.
	arn := aws.ToString(runProbe(t, c, "").Tasks[0].TaskArn)
	eventually(t, 5*time.Second, "running", func() bool { return aws.ToString(describeTask(t, c, arn).LastStatus) == "RUNNING" })
}

func TestExecAgentNeverRuns(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	srv.AddTaskFault(TaskFault{ExecAgent: "PENDING"})
	arn := aws.ToString(runProbe(t, c, "").Tasks[0].TaskArn)
	eventually(t, 5*time.Second, "running", func() bool { return aws.ToString(describeTask(t, c, arn).LastStatus) == "RUNNING" })
	time.Sleep(100 * time.Millisecond) // past the agent's normal start delay
	task := describeTask(t, c, arn)
	if s := aws.ToString(task.Containers[0].ManagedAgents[0].LastStatus); s != "PENDING" {
		t.Fatalf("agent %s, want PENDING", s)
	}
	_, err := c.ExecuteCommand(ctxT(t), &ecs.ExecuteCommandInput{Cluster: aws.String("prod"), Task: aws.String(arn), Command: aws.String("/bin/sh"), Interactive: true})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) || ipe.ErrorMessage() != execNotRunning {
		t.Errorf("want InvalidParameterException (%s), got %v", execNotRunning, err)
	}
}
