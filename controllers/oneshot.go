package controllers

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// ApplyRun writes one probe step's outcome into check.Status the way the
// reconciler does (probe, service, findings, conditions, targets, summary),
// for a single run outside the cluster (ecscheck run).
func ApplyRun(check *v1alpha1.ECSConnectivityCheck, o *ProbeOutcome, now metav1.Time) {
	conds := conditions{check: check, now: now}
	(&ECSConnectivityCheckReconciler{}).applyProbe(check, conds, o)
	switch o.Phase {
	case ProbeStalled:
		conds.stalled(o.Reason, o.Message)
	case ProbeFailed:
		conds.set(v1alpha1.ConditionReady, metav1.ConditionFalse, o.Reason, "The probe cannot run: "+o.Message)
	}
	if o.Ran {
		applyResults(check, o.Results, now)
		check.Status.LastProbeTime = &now
		setReady(conds)
	}
	conds.settled()
	check.Status.ObservedGeneration = check.Generation
}

// FailedOutcome is the outcome of a probe step that could not run
// (Resolve's or Acquire's error), stalled when only a spec or account
// change helps.
func FailedOutcome(err error) *ProbeOutcome { return failedOutcome(err) }
