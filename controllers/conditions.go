package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// conditions writes a check's conditions, each stamped with the generation
// it describes. meta.SetStatusCondition keeps lastTransitionTime unless the
// status changes, so an unchanged condition patches nothing.
type conditions struct {
	check *v1alpha1.ECSConnectivityCheck
	now   metav1.Time
}

func (c conditions) set(typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&c.check.Status.Conditions, metav1.Condition{
		Type:               typ,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: c.check.Generation,
		LastTransitionTime: c.now,
	})
}

func (c conditions) remove(typ string) {
	meta.RemoveStatusCondition(&c.check.Status.Conditions, typ)
}

// reconciling marks the check as in progress (kstatus: present only while True).
func (c conditions) reconciling(reason, message string) {
	c.set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
}

// stalled marks the check as stuck until its spec or AWS changes; Ready
// carries the same reason so `kubectl get` shows it.
func (c conditions) stalled(reason, message string) {
	c.set(v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	c.set(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	c.remove(v1alpha1.ConditionReconciling)
}

// settled removes the kstatus conditions once the generation is handled.
func (c conditions) settled() {
	c.remove(v1alpha1.ConditionReconciling)
	c.remove(v1alpha1.ConditionStalled)
}
