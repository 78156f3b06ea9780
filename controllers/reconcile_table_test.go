package controllers_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// stepProber answers Probe with one outcome (then, once it is recorded,
// with then) and counts Leave calls.
type stepProber struct {
	outcome, then *controllers.ProbeOutcome
	probed        int
	left          int
}

func (p *stepProber) Probe(context.Context, *awsclient.Clients, *v1alpha1.ECSConnectivityCheck, bool) (*controllers.ProbeOutcome, error) {
	p.probed++
	o := *p.outcome
	if p.then != nil && p.probed > 1 {
		o = *p.then
	}
	return &o, nil
}

func (p *stepProber) Release(context.Context, *awsclient.Clients, *v1alpha1.ECSConnectivityCheck) error {
	return nil
}

func (p *stepProber) Leave(context.Context, *v1alpha1.ECSConnectivityCheck) error {
	p.left++
	return nil
}

// The reconcile state machine alone: a fake client, a fake clock and a
// prober that answers one outcome, in the manner of Flux's controller
// tests. Each row says which conditions the check ends with and when it is
// looked at again.
func TestReconcileOutcomes(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	next := now.Add(5 * time.Minute)
	healthy := []probe.Outcome{{Target: "sns-https", Probed: true, Result: v1alpha1.ResultReachable, AsExpected: true, Reason: v1alpha1.ReasonConnected}}
	for _, tc := range []struct {
		name    string
		mutate  func(*v1alpha1.ECSConnectivityCheck, *corev1.Namespace)
		outcome *controllers.ProbeOutcome
		then    *controllers.ProbeOutcome
		// writes, when set, is how many status writes the reconcile makes.
		writes int
		// event, when set, begins one of the events recorded.
		event string
		// want: condition type → "Status/Reason"; "absent" for none.
		want    map[string]string
		requeue time.Duration
		probed  int
		left    int
		check   func(*testing.T, *v1alpha1.ECSConnectivityCheck)
	}{{
		name:    "stalled: service not found",
		outcome: &controllers.ProbeOutcome{Phase: controllers.ProbeStalled, Reason: v1alpha1.ReasonServiceNotFound, Message: "no such service"},
		want: map[string]string{v1alpha1.ConditionReady: "False/ServiceNotFound", v1alpha1.ConditionStalled: "True/ServiceNotFound",
			v1alpha1.ConditionReconciling: "absent"},
		requeue: 5 * time.Minute, probed: 1, left: 1,
	}, {
		name: "pool key recorded with the pool's report, in one status write",
		outcome: &controllers.ProbeOutcome{Phase: controllers.ProbeStarting, Reason: v1alpha1.ReasonProbeStarting, Message: "Waiting for the pool's probe task",
			Persist: true, Probe: &v1alpha1.ProbeStatus{PoolKey: "3f9a1c2e7b40"}, NextRun: now.Add(time.Second)},
		then: &controllers.ProbeOutcome{Phase: controllers.ProbeStarting, Reason: v1alpha1.ReasonProbeStarting, Message: "Waiting for the pool's probe task",
			Probe: &v1alpha1.ProbeStatus{PoolKey: "3f9a1c2e7b40"}, NextRun: now.Add(time.Second)},
		want: map[string]string{v1alpha1.ConditionReady: "Unknown/Probing", v1alpha1.ConditionReconciling: "True/ProbeStarting",
			v1alpha1.ConditionProbeReady: "False/ProbeStarting"},
		// the pool wakes the check when it has news; the safety net is an
		// interval past the first run
		requeue: time.Second + 5*time.Minute, probed: 2, writes: 1,
		check: func(t *testing.T, c *v1alpha1.ECSConnectivityCheck) {
			if c.Status.Probe == nil || c.Status.Probe.PoolKey != "3f9a1c2e7b40" || c.Status.NextProbeTime == nil {
				t.Errorf("pool key not written: %+v", c.Status)
			}
		},
	}, {
		// The pool already fails: the one write that records the key also
		// carries the failure, and the transition still makes an event.
		name: "joining a failing pool: recorded and announced",
		outcome: &controllers.ProbeOutcome{Phase: controllers.ProbeFailed, Reason: v1alpha1.ReasonRunTaskFailed, Message: "RESOURCE:ENI", RetryAfter: 30 * time.Second,
			Persist: true, Probe: &v1alpha1.ProbeStatus{PoolKey: "3f9a1c2e7b40"}},
		then: &controllers.ProbeOutcome{Phase: controllers.ProbeFailed, Reason: v1alpha1.ReasonRunTaskFailed, Message: "RESOURCE:ENI", RetryAfter: 30 * time.Second,
			Probe: &v1alpha1.ProbeStatus{PoolKey: "3f9a1c2e7b40"}},
		want:    map[string]string{v1alpha1.ConditionReady: "False/RunTaskFailed", v1alpha1.ConditionProbeReady: "False/RunTaskFailed"},
		requeue: 30 * time.Second, probed: 2, writes: 1, event: "Warning RunTaskFailed",
	}, {
		name:    "starting: the task provisions",
		outcome: &controllers.ProbeOutcome{Phase: controllers.ProbeStarting, Reason: v1alpha1.ReasonProbeStarting, Message: "PROVISIONING", RetryAfter: 2 * time.Second},
		want: map[string]string{v1alpha1.ConditionReady: "Unknown/Probing", v1alpha1.ConditionReconciling: "True/ProbeStarting",
			v1alpha1.ConditionProbeReady: "False/ProbeStarting"},
		requeue: 2 * time.Second, probed: 1,
	}, {
		name:    "failed: the probe task stopped",
		outcome: &controllers.ProbeOutcome{Phase: controllers.ProbeFailed, Reason: v1alpha1.ReasonProbeTaskStopped, Message: "CannotPullContainerError", RetryAfter: 10 * time.Second},
		want: map[string]string{v1alpha1.ConditionReady: "False/ProbeTaskStopped", v1alpha1.ConditionProbeReady: "False/ProbeTaskStopped",
			v1alpha1.ConditionReconciling: "absent", v1alpha1.ConditionStalled: "absent"},
		requeue: 10 * time.Second, probed: 1,
	}, {
		name: "ran: results delivered by the pool",
		outcome: &controllers.ProbeOutcome{Phase: controllers.ProbeAvailable, Reason: v1alpha1.ReasonProbeRunning, Ran: true,
			RanAt: now.Add(-time.Second), Results: healthy, NextRun: next},
		want: map[string]string{v1alpha1.ConditionReady: "True/AllTargetsAsExpected", v1alpha1.ConditionProbeReady: "True/ProbeRunning",
			v1alpha1.ConditionReconciling: "absent"},
		// the pool wakes the check; the safety net is an interval past the next run
		requeue: 5*time.Minute + 5*time.Minute, probed: 1,
		check: func(t *testing.T, c *v1alpha1.ECSConnectivityCheck) {
			if c.Status.Summary != "1/1" || !c.Status.LastProbeTime.Time.Equal(now.Add(-time.Second)) || !c.Status.NextProbeTime.Time.Equal(next) ||
				c.Status.ObservedGeneration != 1 {
				t.Errorf("status %+v", c.Status)
			}
		},
	}, {
		name:    "suspended: leaves the pool, keeps conditions",
		mutate:  func(c *v1alpha1.ECSConnectivityCheck, _ *corev1.Namespace) { c.Spec.Suspend = true },
		outcome: &controllers.ProbeOutcome{},
		want:    map[string]string{v1alpha1.ConditionReady: "absent", v1alpha1.ConditionReconciling: "absent"},
		left:    1,
	}, {
		name: "stalled: role not allowed in the namespace",
		mutate: func(c *v1alpha1.ECSConnectivityCheck, _ *corev1.Namespace) {
			c.Spec.RoleArn = "arn:aws:iam::210987654321:role/ecscheck-probe"
		},
		outcome: &controllers.ProbeOutcome{},
		want:    map[string]string{v1alpha1.ConditionReady: "False/RoleNotAllowed", v1alpha1.ConditionStalled: "True/RoleNotAllowed"},
		requeue: 5 * time.Minute, left: 1,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "payments"}}
			check := &v1alpha1.ECSConnectivityCheck{
				ObjectMeta: metav1.ObjectMeta{Namespace: "payments", Name: "orders-api", Generation: 1, Finalizers: []string{v1alpha1.Finalizer}},
				Spec: v1alpha1.ECSConnectivityCheckSpec{Region: "ap-northeast-1", Cluster: "prod", Service: "orders-api",
					Interval: &metav1.Duration{Duration: 5 * time.Minute}, Timeout: &metav1.Duration{Duration: 5 * time.Second},
					Targets: []v1alpha1.Target{{Name: "sns-https", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}}}},
			}
			if tc.mutate != nil {
				tc.mutate(check, ns)
			}
			writes := 0
			c := fake.NewClientBuilder().WithScheme(env.Scheme).WithObjects(ns, check).WithStatusSubresource(check).
				WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, o ...client.SubResourcePatchOption) error {
					writes++
					return c.SubResource(sub).Patch(ctx, obj, p, o...)
				}}).Build()
			prober := &stepProber{outcome: tc.outcome, then: tc.then}
			recorder := events.NewFakeRecorder(10)
			r := &controllers.ECSConnectivityCheckReconciler{Client: c, AWS: stubAWS{}, Prober: prober,
				Events: recorder, Clock: clocktesting.NewFakeClock(now)}
			res, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(check)})
			if err != nil {
				t.Fatal(err)
			}
			if res.RequeueAfter != tc.requeue {
				t.Errorf("requeue after %s, want %s", res.RequeueAfter, tc.requeue)
			}
			if tc.event != "" {
				var seen []string
				for len(recorder.Events) > 0 {
					seen = append(seen, <-recorder.Events)
				}
				if !slices.ContainsFunc(seen, func(e string) bool { return strings.HasPrefix(e, tc.event) }) {
					t.Errorf("events %q, want one beginning %q", seen, tc.event)
				}
			}
			if tc.writes != 0 && writes != tc.writes {
				t.Errorf("%d status writes, want %d", writes, tc.writes)
			}
			if prober.probed != tc.probed || prober.left != tc.left {
				t.Errorf("probed %d, left %d; want %d, %d", prober.probed, prober.left, tc.probed, tc.left)
			}
			got := &v1alpha1.ECSConnectivityCheck{}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(check), got); err != nil {
				t.Fatal(err)
			}
			for typ, want := range tc.want {
				have := "absent"
				if x := meta.FindStatusCondition(got.Status.Conditions, typ); x != nil {
					have = string(x.Status) + "/" + x.Reason
				}
				if have != want {
					t.Errorf("%s = %s, want %s", typ, have, want)
				}
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}
