package awstext

import (
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// stopKinds are the catalogue's task-start codes and how a stopped reason
// says them (seed 001): the error or phrase it starts with, and, for
// reasons that quote it later, the same in lower case.
var stopKinds = []struct {
	code     v1alpha1.FindingCode
	prefix   string
	contains string
}{
	{v1alpha1.FindingCannotPullContainer, "CannotPullContainer", "cannotpullcontainer"},
	{v1alpha1.FindingResourceInitialization, "ResourceInitializationError", "resourceinitializationerror"},
	{v1alpha1.FindingELBHealthCheckFailed, "Task failed ELB health checks", "failed elb health checks"},
	{v1alpha1.FindingEssentialContainerExited, "Essential container in task exited", "essential container in task exited"},
}

// FailureCode classifies a stopped task by its ECS stop code and stopped
// reason into the catalogue's task-start codes (CannotPullContainer,
// ResourceInitialization, ELBHealthCheckFailed, EssentialContainerExited);
// "" for stops that are not one (scaling in, deployments, a user's
// StopTask, errors the catalogue has no code for). The error the reason
// starts with decides; else the first one it quotes.
func FailureCode(stopCode, stoppedReason string) v1alpha1.FindingCode {
	for _, k := range stopKinds {
		if strings.HasPrefix(stoppedReason, k.prefix) {
			return k.code
		}
	}
	r := strings.ToLower(stoppedReason)
	for _, k := range stopKinds {
		if strings.Contains(r, k.contains) {
			return k.code
		}
	}
	if stopCode == string(ecstypes.TaskStopCodeEssentialContainerExited) {
		return v1alpha1.FindingEssentialContainerExited
	}
	return ""
}

// StopCode names why a task stopped, as status.service.recentStopReasons
// and the probe's status show it: the catalogue code (FailureCode), else
// the error name the reason starts with, without "Error"
// (CannotStartContainerError: … → CannotStartContainer), else ECS's stop
// code.
func StopCode(stopCode, stoppedReason string) string {
	if c := FailureCode(stopCode, stoppedReason); c != "" {
		return string(c)
	}
	if name, _, ok := strings.Cut(stoppedReason, ":"); ok && name != "Error" && strings.HasSuffix(name, "Error") && !strings.ContainsAny(name, " \t") {
		return strings.TrimSuffix(name, "Error")
	}
	return stopCode
}

// IsStartFailure reports whether a stop, by the code StopCode gave it or by
// ECS's stop code, means the task never got its containers running:
// CannotPullContainer, ResourceInitialization, ECS's TaskFailedToStart and
// the other Cannot* errors (CannotStartContainer, CannotCreateVolume...).
// A task that started and then stopped (EssentialContainerExited,
// ELBHealthCheckFailed) is the application's failure, not a start failure;
// nor is a scale-in or a deployment.
func IsStartFailure(code string) bool {
	switch code {
	case string(v1alpha1.FindingCannotPullContainer), string(v1alpha1.FindingResourceInitialization),
		string(ecstypes.TaskStopCodeTaskFailedToStart):
		return true
	}
	return strings.HasPrefix(code, "Cannot")
}

// DefaultStopWindow is how far back a stopped task counts as recent.
const DefaultStopWindow = time.Hour

// StoppedTask is one stopped task, as ECS describes it.
type StoppedTask struct {
	TaskArn       string
	StopCode      string // ECS's stop code (TaskFailedToStart, EssentialContainerExited...)
	StoppedReason string
	// StoppedAt is zero while the task is still stopping.
	StoppedAt time.Time
}

// StoppedTaskFromECS is the view of an ECS task this package reads.
func StoppedTaskFromECS(t ecstypes.Task) StoppedTask {
	return StoppedTask{TaskArn: aws.ToString(t.TaskArn), StopCode: string(t.StopCode),
		StoppedReason: aws.ToString(t.StoppedReason), StoppedAt: aws.ToTime(t.StoppedAt)}
}

// RecentStops are the tasks that stopped within window (DefaultStopWindow
// when zero) before now, newest first. A task that is still stopping (no
// stoppedAt yet) is left out until it has stopped.
func RecentStops(stopped []StoppedTask, now time.Time, window time.Duration) []StoppedTask {
	if window <= 0 {
		window = DefaultStopWindow
	}
	var out []StoppedTask
	for _, t := range stopped {
		if !t.StoppedAt.IsZero() && now.Sub(t.StoppedAt) <= window {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b StoppedTask) int { return b.StoppedAt.Compare(a.StoppedAt) })
	return out
}

// RecentStopReasons are the stops within window, newest first, at most
// limit, as status.service.recentStopReasons shows them.
func RecentStopReasons(stopped []StoppedTask, now time.Time, window time.Duration, limit int) []v1alpha1.StopReason {
	var out []v1alpha1.StopReason
	for _, t := range RecentStops(stopped, now, window) {
		if len(out) == limit {
			break
		}
		at := metav1.NewTime(t.StoppedAt)
		out = append(out, v1alpha1.StopReason{TaskArn: t.TaskArn, Code: StopCode(t.StopCode, t.StoppedReason), StoppedReason: t.StoppedReason, StoppedAt: &at})
	}
	return out
}
