package controllers

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// reconcileDelete releases the check's probe, then drops the finalizer. A
// check whose AWS access is gone (role no longer allowed, no region) is let
// go: the reaper stops tasks no check uses.
func (r *ECSConnectivityCheckReconciler) reconcileDelete(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(check, v1alpha1.Finalizer) {
		return ctrl.Result{}, nil
	}
	if r.Prober != nil {
		clients, err := r.clientsFor(ctx, check)
		switch {
		case err == nil:
			if err := r.Prober.Release(ctx, clients, check); err != nil {
				return ctrl.Result{}, fmt.Errorf("releasing probe: %w", err)
			}
		case isStall(err):
			ctrl.LoggerFrom(ctx).Info("releasing without AWS access; the reaper stops the probe task if no check uses it", "error", err.Error())
		default:
			return ctrl.Result{}, err
		}
	}
	patch := client.MergeFromWithOptions(check.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(check, v1alpha1.Finalizer)
	if err := r.Patch(ctx, check, patch); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, nil
}
