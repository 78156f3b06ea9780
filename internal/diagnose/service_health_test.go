package diagnose_test

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
)

var now = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func stopped(id, stopCode, reason string, ago time.Duration) diagnose.StoppedTask {
	return diagnose.StoppedTask{TaskArn: "arn:aws:ecs:" + region + ":123456789012:task/prod/" + id, StopCode: stopCode, StoppedReason: reason, StoppedAt: now.Add(-ago)}
}

func requireCondition(t *testing.T, c metav1.Condition, status metav1.ConditionStatus, reason string, msg ...string) {
	t.Helper()
	if c.Type != v1alpha1.ConditionServiceHealthy || c.Status != status || c.Reason != reason {
		t.Fatalf("got %s=%s (%s), want %s (%s): %s", c.Type, c.Status, c.Reason, status, reason, c.Message)
	}
	for _, m := range msg {
		if !strings.Contains(c.Message, m) {
			t.Fatalf("message lacks %q: %s", m, c.Message)
		}
	}
}

func TestServiceHealth(t *testing.T) {
	stable := diagnose.ServiceState{Name: "orders-api", DesiredCount: 3, RunningCount: 3}
	requireCondition(t, diagnose.ServiceHealth(stable, now, 0), metav1.ConditionTrue, v1alpha1.ReasonServiceStable, "3 of 3 desired tasks running")

	// Seed 001: tasks that start and then stop are the application's.
	crashing := diagnose.ServiceState{DesiredCount: 3, RunningCount: 2, PendingCount: 1, Stopped: []diagnose.StoppedTask{
		stopped("a", "EssentialContainerExited", "Essential container in task exited", 5*time.Minute),
		stopped("b", "EssentialContainerExited", "Essential container in task exited", 10*time.Minute),
		stopped("c", "ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/orders/73e2)", 15*time.Minute),
	}}
	requireCondition(t, diagnose.ServiceHealth(crashing, now, 0), metav1.ConditionFalse, v1alpha1.ReasonServiceTasksMissing,
		"2 of 3 desired tasks running, 1 pending", "Essential container in task exited (2), Task failed ELB health checks (1)", "check the application's logs")

	// A start failure makes the service unhealthy even at full count.
	failing := stable
	failing.Stopped = []diagnose.StoppedTask{
		stopped("d", "TaskFailedToStart", "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times", 20*time.Minute),
		stopped("e", "TaskFailedToStart", pullTimeout, 2*time.Minute),
	}
	requireCondition(t, diagnose.ServiceHealth(failing, now, 0), metav1.ConditionFalse, v1alpha1.ReasonServiceTaskStartFailed,
		"2 task(s) failed to start in the last 1h", "latest task e: CannotPullContainerError", "CannotPullContainerError (1), ResourceInitializationError (1)")

	// Old failures no longer count.
	requireCondition(t, diagnose.ServiceHealth(failing, now.Add(2*time.Hour), 0), metav1.ConditionTrue, v1alpha1.ReasonServiceStable)
	requireCondition(t, diagnose.ServiceHealth(failing, now, 10*time.Minute), metav1.ConditionFalse, v1alpha1.ReasonServiceTaskStartFailed, "in the last 10m")
	// status.service.recentStopReasons of the same stops: internal/awstext.

	// The controller hands over the code status shows (CannotStartContainer
	// for "CannotStartContainerError: ..."), not ECS's TaskFailedToStart:
	// still a start failure.
	named := stable
	named.Stopped = []diagnose.StoppedTask{stopped("f", "CannotStartContainer", "CannotStartContainerError: Error response from daemon: failed to create shim task", time.Minute)}
	requireCondition(t, diagnose.ServiceHealth(named, now, 0), metav1.ConditionFalse, v1alpha1.ReasonServiceTaskStartFailed, "latest task f: CannotStartContainerError")
}
