package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// Event reasons that are not condition reasons.
const (
	eventTargetNotAsExpected = "TargetNotAsExpected"
	eventTargetRecovered     = "TargetRecovered"
	eventReady               = "Ready"
	eventActionProbe         = "Probe"
)

// recordTransitions emits events for what changed between two statuses, so
// a check that stays broken (or healthy) run after run is silent.
func (r *ECSConnectivityCheckReconciler) recordTransitions(before, after *v1alpha1.ECSConnectivityCheck) {
	if r.Events == nil {
		return
	}
	prev := map[string]v1alpha1.TargetStatus{}
	for _, ts := range before.Status.Targets {
		prev[ts.Name] = ts
	}
	for _, ts := range after.Status.Targets {
		p, seen := prev[ts.Name]
		if ts.Result == v1alpha1.ResultUnknown {
			continue
		}
		switch {
		case !ts.AsExpected && (!seen || p.AsExpected || p.Result == v1alpha1.ResultUnknown):
			r.Events.Eventf(targetRef(after, ts.Name), nil, corev1.EventTypeWarning, eventTargetNotAsExpected, eventActionProbe,
				"Target %s is %s, not as expected (%s): %s", ts.Name, ts.Result, ts.Reason, ts.Message)
		case ts.AsExpected && seen && !p.AsExpected && p.Result != v1alpha1.ResultUnknown:
			r.Events.Eventf(targetRef(after, ts.Name), nil, corev1.EventTypeNormal, eventTargetRecovered, eventActionProbe,
				"Target %s is %s as expected again", ts.Name, ts.Result)
		}
	}

	if c, changed := transitioned(before, after, v1alpha1.ConditionReady); changed && c.Status == metav1.ConditionTrue {
		r.Events.Eventf(after, nil, corev1.EventTypeNormal, eventReady, eventActionProbe, "%s", c.Message)
	}
	stall, stalled := transitioned(before, after, v1alpha1.ConditionStalled)
	stalled = stalled && stall.Status == metav1.ConditionTrue
	if c, changed := transitioned(before, after, v1alpha1.ConditionProbeReady); changed && c.Status == metav1.ConditionFalse &&
		c.Reason != v1alpha1.ReasonProbeStarting && (!stalled || stall.Reason != c.Reason) {
		r.Events.Eventf(after, nil, corev1.EventTypeWarning, c.Reason, eventActionProbe, "%s", c.Message)
	}
	if stalled {
		r.Events.Eventf(after, nil, corev1.EventTypeWarning, stall.Reason, eventActionProbe, "%s", stall.Message)
	}
}

// transitioned returns the condition of type typ in after when its status or
// reason differs from before.
func transitioned(before, after *v1alpha1.ECSConnectivityCheck, typ string) (*metav1.Condition, bool) {
	a := meta.FindStatusCondition(after.Status.Conditions, typ)
	if a == nil {
		return nil, false
	}
	b := meta.FindStatusCondition(before.Status.Conditions, typ)
	return a, b == nil || b.Status != a.Status || b.Reason != a.Reason
}

// targetRef points an event at one target of the check, the way the kubelet
// points container events at spec.containers{name}: the events.k8s.io
// recorder folds events with the same type, reason, action and object into
// one series, so without it two targets failing in one run would show as a
// single event naming only one of them.
func targetRef(check *v1alpha1.ECSConnectivityCheck, target string) *corev1.ObjectReference {
	return &corev1.ObjectReference{
		APIVersion:      v1alpha1.GroupVersion.String(),
		Kind:            "ECSConnectivityCheck",
		Namespace:       check.Namespace,
		Name:            check.Name,
		UID:             check.UID,
		ResourceVersion: check.ResourceVersion,
		FieldPath:       "spec.targets{" + target + "}",
	}
}
