package awstext_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/awstext"
)

const (
	region = "ap-northeast-1"
	// Seed 001's CannotPullContainer when the layers' S3 bucket is out of reach.
	pullTimeout = "CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: Get \"https://prod-" + region + "-starport-layer-bucket.s3." + region + ".amazonaws.com/0a1b-orders/sha256:9f86d081\": dial tcp 52.219.16.50:443: i/o timeout"
)

var now = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func stopped(id, stopCode, reason string, ago time.Duration) awstext.StoppedTask {
	return awstext.StoppedTask{TaskArn: "arn:aws:ecs:" + region + ":123456789012:task/prod/" + id, StopCode: stopCode, StoppedReason: reason, StoppedAt: now.Add(-ago)}
}

func TestStopCodes(t *testing.T) {
	cases := []struct{ stopCode, reason, want string }{
		{"TaskFailedToStart", pullTimeout, "CannotPullContainer"},
		{"TaskFailedToStart", "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/aws-cli/aws-cli:latest", "CannotPullContainer"},
		{"TaskFailedToStart", "ResourceInitializationError: failed to validate logger args", "ResourceInitialization"},
		{"TaskFailedToStart", "ResourceInitializationError: unable to pull secrets or registry auth", "ResourceInitialization"},
		{"EssentialContainerExited", "Essential container in task exited", "EssentialContainerExited"},
		{"EssentialContainerExited", "", "EssentialContainerExited"},
		{"ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group arn:aws:...)", "ELBHealthCheckFailed"},
		{"TaskFailedToStart", "CannotStartContainerError: Error response from daemon", "CannotStartContainer"},
		{"UserInitiated", "Task stopped by user", "UserInitiated"},
		{"ServiceSchedulerInitiated", "Scaling activity initiated by (deployment ecs-svc/1234)", "ServiceSchedulerInitiated"},
		{"TaskFailedToStart", "Task failed to start", "TaskFailedToStart"},
		// A reason that quotes the error further in still names it.
		{"TaskFailedToStart", "Task failed to start: cannotpullcontainererror: pull access denied", "CannotPullContainer"},
		// The error the reason starts with wins over one it quotes.
		{"TaskFailedToStart", "ResourceInitializationError: unable to pull secrets: CannotPullContainer mentioned", "ResourceInitialization"},
		// "Error:" alone names nothing.
		{"TaskFailedToStart", "Error: something", "TaskFailedToStart"},
	}
	for _, c := range cases {
		if got := awstext.StopCode(c.stopCode, c.reason); got != c.want {
			t.Errorf("StopCode(%q, %q) = %q, want %q", c.stopCode, c.reason, got, c.want)
		}
	}
	if got := awstext.FailureCode("ServiceSchedulerInitiated", "Scaling activity initiated by (deployment ecs-svc/1234)"); got != "" {
		t.Errorf("a scale-in has failure code %q", got)
	}
	if got := awstext.FailureCode("TaskFailedToStart", "CannotStartContainerError: Error response from daemon"); got != "" {
		t.Errorf("an error outside the catalogue has failure code %q", got)
	}
}

func TestIsStartFailure(t *testing.T) {
	for code, want := range map[string]bool{
		"CannotPullContainer":       true,
		"ResourceInitialization":    true,
		"TaskFailedToStart":         true,
		"CannotStartContainer":      true,
		"CannotCreateVolume":        true,
		"EssentialContainerExited":  false,
		"ELBHealthCheckFailed":      false,
		"ServiceSchedulerInitiated": false,
		"UserInitiated":             false,
		"SpotInterruption":          false,
		"":                          false,
	} {
		if got := awstext.IsStartFailure(code); got != want {
			t.Errorf("IsStartFailure(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestRecentStopReasons(t *testing.T) {
	failing := []awstext.StoppedTask{
		stopped("d", "TaskFailedToStart", "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times", 20*time.Minute),
		stopped("e", "TaskFailedToStart", pullTimeout, 2*time.Minute),
	}
	crashing := []awstext.StoppedTask{
		stopped("a", "EssentialContainerExited", "Essential container in task exited", 5*time.Minute),
		stopped("b", "EssentialContainerExited", "Essential container in task exited", 10*time.Minute),
		stopped("c", "ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/orders/73e2)", 15*time.Minute),
	}
	reasons := awstext.RecentStopReasons(append(failing, crashing...), now, 0, 3)
	if len(reasons) != 3 || reasons[0].Code != "CannotPullContainer" || !strings.HasSuffix(reasons[0].TaskArn, "/e") ||
		reasons[1].Code != "EssentialContainerExited" || reasons[2].Code != "EssentialContainerExited" {
		t.Fatalf("recent stop reasons, newest first: %+v", reasons)
	}
	if reasons[0].StoppedAt == nil || !reasons[0].StoppedAt.Time.Equal(now.Add(-2*time.Minute)) || reasons[0].StoppedReason != pullTimeout {
		t.Errorf("first: %+v", reasons[0])
	}

	// The window: an hour by default, inclusive; a task still stopping
	// (no stoppedAt) shows once it has stopped.
	edge := stopped("f", "TaskFailedToStart", pullTimeout, time.Hour)
	old := stopped("g", "TaskFailedToStart", pullTimeout, time.Hour+time.Second)
	stopping := stopped("h", "TaskFailedToStart", pullTimeout, 0)
	stopping.StoppedAt = time.Time{}
	got := awstext.RecentStops([]awstext.StoppedTask{old, stopping, edge}, now, 0)
	if len(got) != 1 || got[0].TaskArn != edge.TaskArn {
		t.Errorf("recent stops: %+v", got)
	}
	if got := awstext.RecentStops(failing, now, 10*time.Minute); len(got) != 1 || !strings.HasSuffix(got[0].TaskArn, "/e") {
		t.Errorf("10m window: %+v", got)
	}
	if got := awstext.RecentStopReasons(nil, now, 0, 5); got != nil {
		t.Errorf("no stops: %+v", got)
	}
}
