// Package controllers holds the ECSConnectivityCheck reconciler: it
// orchestrates the probe and diagnosis steps and owns status and events.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// +kubebuilder:rbac:groups=connectivity.ecscheck.dev,resources=ecsconnectivitychecks,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=connectivity.ecscheck.dev,resources=ecsconnectivitychecks/status,verbs=get;patch
// +kubebuilder:rbac:groups=connectivity.ecscheck.dev,resources=ecsconnectivitychecks/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// ECSConnectivityCheckReconciler reconciles ECSConnectivityCheck objects.
type ECSConnectivityCheckReconciler struct {
	client.Client
	// AWS hands out clients per region and role.
	AWS awsclient.Provider
	// Admission is the images every namespace may run (access.go).
	Admission ProbeAdmission
	// Prober is the probe step; nil leaves every check Probing.
	Prober Prober
	// Events records events on transitions.
	Events events.EventRecorder
	// Clock is injected so tests control time.
	Clock clock.PassiveClock
	// Wakeups enqueue checks whose pool has news for them.
	Wakeups *Wakeups
}

// Reconcile brings one check's status up to date and requeues it for its
// next run.
func (r *ECSConnectivityCheckReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	log := ctrl.LoggerFrom(ctx)

	check := &v1alpha1.ECSConnectivityCheck{}
	if err := r.Get(ctx, req.NamespacedName, check); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	if !check.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, check)
	}

	// The finalizer is persisted before any AWS call, so no probe task can
	// be started that a deletion would not stop.
	if !controllerutil.ContainsFinalizer(check, v1alpha1.Finalizer) {
		patch := client.MergeFromWithOptions(check.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(check, v1alpha1.Finalizer)
		if err := r.Patch(ctx, check, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("adding finalizer: %w", err)
		}
	}

	// base is what etcd holds, the patch's base (persist moves it); events
	// compare with what the reconcile started from.
	base, start := check.DeepCopy(), check.DeepCopy()
	defer func() {
		if err := r.patchStatus(ctx, base, check); err != nil {
			retErr = kerrors.NewAggregate([]error{retErr, err})
			return
		}
		r.recordTransitions(start, check)
	}()

	now := metav1.NewTime(r.Clock.Now())
	conds := conditions{check: check, now: now}
	// One status entry per spec target, NotProbed until it runs, so the
	// summary counts every target from the start and renamed ones go.
	applyResults(check, nil, now)

	if check.Spec.Suspend {
		// Conditions keep their last values, so kstatus reads a suspended
		// check as Current; the probe task is given up meanwhile.
		if err := r.leave(ctx, check); err != nil {
			return ctrl.Result{}, err
		}
		conds.settled()
		check.Status.NextProbeTime = nil
		check.Status.ObservedGeneration = check.Generation
		return ctrl.Result{}, nil
	}

	clients, err := r.clientsFor(ctx, check)
	if err != nil {
		var stall *stallError
		if errors.As(err, &stall) {
			log.Info("check stalled", "reason", stall.reason, "message", stall.message)
			if err := r.leave(ctx, check); err != nil {
				return ctrl.Result{}, err
			}
			conds.stalled(stall.reason, stall.message)
			check.Status.ObservedGeneration = check.Generation
			// Nothing changes until the spec or the namespace does; both
			// trigger a reconcile. Look again at the interval all the same.
			return ctrl.Result{RequeueAfter: check.Spec.IntervalDuration()}, nil
		}
		return ctrl.Result{}, err
	}
	conds.remove(v1alpha1.ConditionStalled)

	// persist writes status now, mid-reconcile, and makes it the base of
	// the deferred patch.
	persist := func() error {
		if err := r.patchStatus(ctx, base, check); err != nil {
			return err
		}
		base = check.DeepCopy()
		return nil
	}
	return r.reconcileProbe(ctx, clients, check, conds, persist)
}

// reconcileProbe runs the probe step when due and turns its outcome into status.
func (r *ECSConnectivityCheckReconciler) reconcileProbe(ctx context.Context, clients *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck, conds conditions, persist func() error) (ctrl.Result, error) {
	now := conds.now
	due, why := isDue(check, now.Time)
	if check.Generation != check.Status.ObservedGeneration {
		conds.reconciling(v1alpha1.ReasonNewGeneration, fmt.Sprintf("Probing generation %d", check.Generation))
	}

	if r.Prober == nil {
		conds.set(v1alpha1.ConditionReady, metav1.ConditionUnknown, v1alpha1.ReasonProbing, "Waiting for the first probe run")
		return ctrl.Result{}, nil
	}

	outcome, err := r.Prober.Probe(ctx, clients, check, due)
	if err == nil && outcome.Persist {
		// The pool starts no task for a key that is not in etcd: write the
		// status this outcome gives, pool key included, then tell the pool
		// it is recorded. The deferred patch has nothing left to write
		// unless the pool moved on meanwhile.
		if _, aerr := r.applyOutcome(ctx, check, conds, outcome, why); aerr != nil {
			return ctrl.Result{}, aerr
		}
		if perr := persist(); perr != nil {
			return ctrl.Result{}, perr
		}
		outcome, err = r.Prober.Probe(ctx, clients, check, due)
	}
	if err != nil {
		// The prober reports what it understands in the outcome; an error
		// here is unexpected and retried with backoff.
		return ctrl.Result{}, fmt.Errorf("probing: %w", err)
	}
	return r.applyOutcome(ctx, check, conds, outcome, why)
}

// applyOutcome turns what the probe step reported into status, and says
// when to look again. Applying the same outcome twice changes nothing: a
// delivery counts once, as lastProbeTime records it.
func (r *ECSConnectivityCheckReconciler) applyOutcome(ctx context.Context, check *v1alpha1.ECSConnectivityCheck, conds conditions, outcome *ProbeOutcome, why string) (ctrl.Result, error) {
	now := conds.now
	r.applyProbe(check, conds, outcome)
	if outcome.NextRun.After(now.Time) {
		next := metav1.NewTime(outcome.NextRun.Truncate(time.Second))
		check.Status.NextProbeTime = &next
	}

	switch outcome.Phase {
	case ProbeStalled:
		if err := r.leave(ctx, check); err != nil {
			return ctrl.Result{}, err
		}
		conds.stalled(outcome.Reason, outcome.Message)
		check.Status.ObservedGeneration = check.Generation
		return ctrl.Result{RequeueAfter: check.Spec.IntervalDuration()}, nil
	case ProbeStarting:
		if check.Status.ObservedGeneration != check.Generation || check.Status.LastProbeTime == nil {
			conds.set(v1alpha1.ConditionReady, metav1.ConditionUnknown, v1alpha1.ReasonProbing, outcome.Message)
			conds.reconciling(outcome.Reason, outcome.Message)
		}
	case ProbeFailed:
		// Target results keep their last known value; Ready says why the
		// probe is unavailable.
		conds.set(v1alpha1.ConditionReady, metav1.ConditionFalse, outcome.Reason, "The probe cannot run: "+outcome.Message)
		conds.settled()
		check.Status.ObservedGeneration = check.Generation
	}

	if outcome.Ran {
		ranAt := outcome.RanAt
		if ranAt.IsZero() {
			ranAt = now.Time
		}
		ran := metav1.NewTime(ranAt)
		if outcome.NextRun.IsZero() {
			next := metav1.NewTime(ranAt.Add(check.Spec.IntervalDuration()).Truncate(time.Second))
			check.Status.NextProbeTime = &next
		}
		applyResults(check, outcome.Results, ran)
		check.Status.LastProbeTime = &ran
		if outcome.ProbeNow != "" {
			check.Status.LastHandledProbeNow = outcome.ProbeNow
		} else if v := check.Annotations[v1alpha1.ProbeNowAnnotation]; v != "" && outcome.NextRun.IsZero() {
			check.Status.LastHandledProbeNow = v // a prober without pools ran it now
		}
		check.Status.ObservedGeneration = check.Generation
		setReady(conds)
		conds.settled()
		ctrl.LoggerFrom(ctx).V(1).Info("probe results", "why", why, "summary", check.Status.Summary)
	}
	return ctrl.Result{RequeueAfter: r.requeueAfter(check, outcome, now.Time)}, nil
}

// requeueAfter is a safety net: the pool wakes its members when it has
// news, so this only bounds how long a lost wake-up can delay status, to
// one interval past the next run. A shorter one would reconcile every
// check twice per run, which at thousands of checks is what makes status
// late.
func (r *ECSConnectivityCheckReconciler) requeueAfter(check *v1alpha1.ECSConnectivityCheck, o *ProbeOutcome, now time.Time) time.Duration {
	wait := check.Spec.IntervalDuration()
	if !o.NextRun.IsZero() {
		wait = o.NextRun.Sub(now) + check.Spec.IntervalDuration()
	}
	if o.RetryAfter > 0 && o.RetryAfter < wait {
		wait = o.RetryAfter
	}
	return max(wait, time.Second)
}

// leave takes a check that stopped probing out of its pool.
func (r *ECSConnectivityCheckReconciler) leave(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) error {
	if r.Prober == nil {
		return nil
	}
	if err := r.Prober.Leave(ctx, check); err != nil {
		return fmt.Errorf("leaving the probe pool: %w", err)
	}
	// The check no longer uses a probe: its status stops naming one, so
	// neither a release nor the reaper keeps the pool's task for it.
	check.Status.Probe = nil
	return nil
}

// applyProbe copies the probe and service state into status.
func (r *ECSConnectivityCheckReconciler) applyProbe(check *v1alpha1.ECSConnectivityCheck, conds conditions, o *ProbeOutcome) {
	if o.Probe != nil {
		check.Status.Probe = o.Probe
	}
	check.Status.Findings = o.Findings
	check.Status.Service = o.Service
	if o.ServiceHealth != nil {
		conds.set(v1alpha1.ConditionServiceHealthy, o.ServiceHealth.Status, o.ServiceHealth.Reason, o.ServiceHealth.Message)
	} else if check.Spec.Service == "" {
		conds.remove(v1alpha1.ConditionServiceHealthy)
	}
	switch o.Phase {
	case ProbeAvailable:
		conds.set(v1alpha1.ConditionProbeReady, metav1.ConditionTrue, v1alpha1.ReasonProbeRunning, o.Message)
	case ProbeStarting:
		conds.set(v1alpha1.ConditionProbeReady, metav1.ConditionFalse, o.Reason, o.Message)
	default:
		conds.set(v1alpha1.ConditionProbeReady, metav1.ConditionFalse, o.Reason, o.Message)
	}
}

// setReady summarises the target statuses in the Ready condition.
func setReady(conds conditions) {
	statuses := conds.check.Status.Targets
	failing := failingTargets(statuses)
	if len(failing) == 0 {
		conds.set(v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected,
			fmt.Sprintf("All %d targets as expected", len(statuses)))
		return
	}
	conds.set(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonTargetsNotAsExpected,
		fmt.Sprintf("%d/%d targets not as expected: %s", len(failing), len(statuses), joinTargets(failing)))
}

// isDue tells whether the check's targets should run now, and why.
func isDue(check *v1alpha1.ECSConnectivityCheck, now time.Time) (bool, string) {
	st := check.Status
	switch {
	case st.LastProbeTime == nil:
		return true, "first run"
	case check.Generation != st.ObservedGeneration:
		return true, "spec changed"
	case check.Annotations[v1alpha1.ProbeNowAnnotation] != "" && check.Annotations[v1alpha1.ProbeNowAnnotation] != st.LastHandledProbeNow:
		return true, "probe-now requested"
	case st.NextProbeTime == nil || !now.Before(st.NextProbeTime.Time):
		return true, "interval elapsed"
	}
	return false, ""
}

// patchStatus writes status with one merge patch guarded by resourceVersion,
// and nothing at all when status did not change.
func (r *ECSConnectivityCheckReconciler) patchStatus(ctx context.Context, base, check *v1alpha1.ECSConnectivityCheck) error {
	if equality.Semantic.DeepEqual(base.Status, check.Status) {
		return nil
	}
	patch := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	if err := client.IgnoreNotFound(r.Status().Patch(ctx, check, patch)); err != nil {
		return fmt.Errorf("patching status: %w", err)
	}
	return nil
}
