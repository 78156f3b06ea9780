package controllers

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
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
		b = b.WatchesRawSource(r.Wakeups.Source())
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

// Wakeups enqueue checks that their pool has news for, straight into the
// controller's work queue: never blocking the pool, never dropping a
// wake-up (a buffered channel drops them exactly when thousands of checks
// are woken at once), and merging repeats of a check the queue holds.
type Wakeups struct {
	mu    sync.Mutex
	queue workqueue.TypedRateLimitingInterface[reconcile.Request]
	// early are wake-ups from before the controller started.
	early map[types.NamespacedName]bool
}

// Source hands the controller's queue to w when the controller starts.
func (w *Wakeups) Source() source.Source {
	return source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.queue = q
		for key := range w.early {
			q.Add(reconcile.Request{NamespacedName: key})
		}
		w.early = nil
		return nil
	})
}

// Wake enqueues a reconcile of key.
func (w *Wakeups) Wake(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.queue == nil {
		if w.early == nil {
			w.early = map[types.NamespacedName]bool{}
		}
		w.early[key] = true
		return
	}
	w.queue.Add(reconcile.Request{NamespacedName: key})
}
