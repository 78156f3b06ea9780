package controllers

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// applyResults folds one run's results into the target statuses: a target
// counts as not as expected only after failureThreshold failed runs in a
// row, and times move only on transitions.
func applyResults(check *v1alpha1.ECSConnectivityCheck, results []probe.Outcome, now metav1.Time) {
	byName := map[string]probe.Outcome{}
	for _, r := range results {
		byName[r.Target] = r
	}
	previous := map[string]v1alpha1.TargetStatus{}
	for _, ts := range check.Status.Targets {
		previous[ts.Name] = ts
	}
	threshold := check.Spec.FailureThreshold
	if threshold < 1 {
		threshold = 1
	}

	statuses := make([]v1alpha1.TargetStatus, 0, len(check.Spec.Targets))
	for _, t := range check.Spec.Targets {
		prev, seen := previous[t.Name]
		r, ran := byName[t.Name]
		if !ran {
			// Not part of this run: keep what we knew.
			if !seen {
				prev = v1alpha1.TargetStatus{Name: t.Name, Result: v1alpha1.ResultUnknown, Reason: v1alpha1.ReasonNotProbed}
			}
			statuses = append(statuses, prev)
			continue
		}
		ts := r.TargetStatus()
		ts.LastTransitionTime, ts.LastSuccessTime = prev.LastTransitionTime, prev.LastSuccessTime
		if r.AsExpected {
			ts.LastSuccessTime = now.DeepCopy()
		} else {
			ts.ConsecutiveFailures = prev.ConsecutiveFailures + 1
			// Below the threshold a failing target still counts as expected
			// if it was; a target never seen as expected does not.
			ts.AsExpected = seen && prev.AsExpected && ts.ConsecutiveFailures < threshold
		}
		if !seen || prev.AsExpected != ts.AsExpected || prev.Result == v1alpha1.ResultUnknown {
			ts.LastTransitionTime = now.DeepCopy()
		}
		statuses = append(statuses, ts)
	}
	check.Status.Targets = statuses
	check.Status.Summary = summary(statuses)
}

// summary is "<as expected>/<targets>".
func summary(statuses []v1alpha1.TargetStatus) string {
	ok := 0
	for _, ts := range statuses {
		if ts.AsExpected {
			ok++
		}
	}
	return fmt.Sprintf("%d/%d", ok, len(statuses))
}

// failingTargets describes the targets not as expected, for Ready's message:
// "sns-https (ConnectionTimedOut), sns-list-topics (AccessDeniedVPCEndpointPolicy)".
func failingTargets(statuses []v1alpha1.TargetStatus) []string {
	var out []string
	for _, ts := range statuses {
		if !ts.AsExpected {
			out = append(out, fmt.Sprintf("%s (%s)", ts.Name, ts.Reason))
		}
	}
	sort.Strings(out)
	return out
}

func joinTargets(names []string) string {
	const max = 5
	if len(names) > max {
		return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
	}
	return strings.Join(names, ", ")
}
