package metrics

import (
	"context"
	"fmt"
	"time"

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// CheckWatcher keeps the per-check series in step with the checks' status,
// as the API server has it: every status write the reconciler makes, from
// whatever path, arrives here as an update; a check whose deletion has
// started, or that is gone, loses its series.
//
// Add it to the manager with mgr.Add. It runs only on the elected leader,
// like the reconciler, so that two replicas never export the same check
// twice (alerts would fire once per replica).
type CheckWatcher struct {
	// Informers is the manager's cache (mgr.GetCache()); the reconciler
	// already watches checks through it, so this costs no extra watch.
	Informers cache.Informers
	Recorder  *Recorder
	// Now is the time of an observation; nil means time.Now.
	Now func() time.Time
}

// Start registers the handlers and keeps them until ctx ends.
func (w *CheckWatcher) Start(ctx context.Context) error {
	inf, err := w.Informers.GetInformer(ctx, &v1alpha1.ECSConnectivityCheck{})
	if err != nil {
		return fmt.Errorf("watching checks for metrics: %w", err)
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    w.observe,
		UpdateFunc: func(_, obj any) { w.observe(obj) },
		DeleteFunc: w.forget,
	})
	if err != nil {
		return fmt.Errorf("watching checks for metrics: %w", err)
	}
	<-ctx.Done()
	return inf.RemoveEventHandler(reg)
}

// NeedLeaderElection: only the leader reconciles, so only it exports.
func (w *CheckWatcher) NeedLeaderElection() bool { return true }

func (w *CheckWatcher) observe(obj any) {
	check, ok := obj.(*v1alpha1.ECSConnectivityCheck)
	if !ok {
		return
	}
	if !check.DeletionTimestamp.IsZero() {
		// A check on its way out must not keep alerting while its probe
		// is released.
		w.Recorder.ForgetCheck(check.Namespace, check.Name)
		return
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	w.Recorder.ObserveCheck(check, now())
}

func (w *CheckWatcher) forget(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if check, ok := obj.(*v1alpha1.ECSConnectivityCheck); ok {
		w.Recorder.ForgetCheck(check.Namespace, check.Name)
	}
}
