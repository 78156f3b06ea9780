package diagnose

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awstext"
)

// DefaultStopWindow is how far back a stopped task counts as recent.
const DefaultStopWindow = awstext.DefaultStopWindow

// ServiceState is what ECS says about a service: its counts and its
// recently stopped tasks (ListTasks desiredStatus=STOPPED, DescribeTasks).
type ServiceState struct {
	Name                                     string
	DesiredCount, RunningCount, PendingCount int32
	Stopped                                  []StoppedTask
}

// StoppedTask is one stopped task of the service.
type StoppedTask = awstext.StoppedTask

// ServiceHealth computes the ServiceHealthy condition (without
// observedGeneration and transition time, which the controller owns):
// False with ServiceTaskStartFailed when a task failed to start within
// window, False with ServiceTasksMissing when fewer tasks run than desired,
// True with ServiceStable otherwise. A zero window means DefaultStopWindow.
func ServiceHealth(s ServiceState, now time.Time, window time.Duration) metav1.Condition {
	cond := metav1.Condition{Type: v1alpha1.ConditionServiceHealthy}
	recent := awstext.RecentStops(s.Stopped, now, window)
	var failed []StoppedTask
	for _, t := range recent {
		if awstext.IsStartFailure(awstext.StopCode(t.StopCode, t.StoppedReason)) || awstext.IsStartFailure(t.StopCode) {
			failed = append(failed, t)
		}
	}
	counts := fmt.Sprintf("%d of %d desired tasks running", s.RunningCount, s.DesiredCount)
	if s.PendingCount > 0 {
		counts += fmt.Sprintf(", %d pending", s.PendingCount)
	}
	switch {
	case len(failed) > 0:
		cond.Status, cond.Reason = metav1.ConditionFalse, v1alpha1.ReasonServiceTaskStartFailed
		cond.Message = fmt.Sprintf("%d task(s) failed to start in the last %s; latest %s: %s (%s). %s.",
			len(failed), windowText(window), shortTask(failed[0].TaskArn), failed[0].StoppedReason, summarize(failed), counts)
	case s.RunningCount < s.DesiredCount:
		cond.Status, cond.Reason = metav1.ConditionFalse, v1alpha1.ReasonServiceTasksMissing
		cond.Message = counts + "."
		if len(recent) > 0 {
			cond.Message += " Recent stops: " + summarize(recent) + "."
			if appStops(recent) {
				cond.Message += " The tasks started and then stopped: check the application's logs and the load balancer's health check settings."
			}
		}
	default:
		cond.Status, cond.Reason = metav1.ConditionTrue, v1alpha1.ReasonServiceStable
		cond.Message = counts + "."
	}
	return cond
}

// summarize counts stops by reason: "Essential container in task exited
// (2), Task failed ELB health checks (1)".
func summarize(ts []StoppedTask) string {
	counts := map[string]int{}
	var order []string
	for _, t := range ts {
		r := shortReason(t.StoppedReason)
		if counts[r] == 0 {
			order = append(order, r)
		}
		counts[r]++
	}
	parts := make([]string, len(order))
	for i, r := range order {
		parts[i] = fmt.Sprintf("%s (%d)", r, counts[r])
	}
	return strings.Join(parts, ", ")
}

// shortReason keeps the part of a reason that names the failure.
func shortReason(r string) string {
	if name, _, ok := strings.Cut(r, ":"); ok && strings.HasSuffix(name, "Error") {
		return name
	}
	if i := strings.Index(r, " in (target-group"); i > 0 {
		return r[:i]
	}
	return r
}

func appStops(ts []StoppedTask) bool {
	for _, t := range ts {
		switch awstext.FailureCode(t.StopCode, t.StoppedReason) {
		case v1alpha1.FindingEssentialContainerExited, v1alpha1.FindingELBHealthCheckFailed:
			return true
		}
	}
	return false
}

func windowText(w time.Duration) string {
	if w <= 0 {
		w = DefaultStopWindow
	}
	switch {
	case w%time.Hour == 0:
		return fmt.Sprintf("%dh", w/time.Hour)
	case w%time.Minute == 0:
		return fmt.Sprintf("%dm", w/time.Minute)
	}
	return w.String()
}
