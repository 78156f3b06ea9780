package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// SetupWithManager registers the reconciler. Status writes do not trigger
// it (only spec and annotation changes do), and a change of a namespace's
// allowed-role-arns annotation re-evaluates the checks in that namespace.
func (r *ECSConnectivityCheckReconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	b := ctrl.NewControllerManagedBy(mgr)
	if r.Wakeups != nil {
		b = b.WatchesRawSource(source.Channel(r.Wakeups, &handler.EnqueueRequestForObject{}))
	}
	return b.
		For(&v1alpha1.ECSConnectivityCheck{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			predicate.AnnotationChangedPredicate{},
			deletionPredicate{},
		))).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.checksWithRoleIn),
			builder.WithPredicates(predicate.AnnotationChangedPredicate{})).
		WithOptions(opts).
		Complete(r)
}

// checksWithRoleIn lists the checks of a namespace that assume a role or
// override the probe's roles or image: what its allow-lists admit.
func (r *ECSConnectivityCheckReconciler) checksWithRoleIn(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &v1alpha1.ECSConnectivityCheckList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetName())); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing checks for a namespace change", "namespace", obj.GetName())
		return nil
	}
	var reqs []reconcile.Request
	for _, c := range list.Items {
		if c.Spec.RoleArn != "" || c.Spec.TaskRoleArn != "" || c.Spec.ExecutionRoleArn != "" || c.Spec.Probe.Image != "" {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&c)})
		}
	}
	return reqs
}

// deletionPredicate passes updates that start a deletion, whatever the
// generation does.
type deletionPredicate struct{ predicate.Funcs }

func (deletionPredicate) Update(e event.UpdateEvent) bool {
	return e.ObjectNew.GetDeletionTimestamp() != nil && e.ObjectOld.GetDeletionTimestamp() == nil
}

// NewWakeups returns a channel for the reconciler's Wakeups and a function
// that enqueues a check through it without ever blocking the caller.
func NewWakeups() (chan event.GenericEvent, func(types.NamespacedName)) {
	ch := make(chan event.GenericEvent, 1024)
	return ch, func(key types.NamespacedName) {
		obj := &v1alpha1.ECSConnectivityCheck{}
		obj.Namespace, obj.Name = key.Namespace, key.Name
		select {
		case ch <- event.GenericEvent{Object: obj}:
		default: // full: the check runs at its own next due time anyway
		}
	}
}
