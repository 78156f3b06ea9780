package controllers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/probe"
)

func newCheck(ns, name string) *v1alpha1.ECSConnectivityCheck {
	return &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ECSConnectivityCheckSpec{
			Cluster: "prod",
			Service: "orders-api",
			Targets: []v1alpha1.Target{
				{Name: "sns-https", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}},
				{Name: "no-internet", TCP: &v1alpha1.TCPTarget{Host: "example.com", Port: 443}, Expect: v1alpha1.ExpectUnreachable},
			},
		},
	}
}

func available(results ...probe.Outcome) func(bool) *controllers.ProbeOutcome {
	return func(run bool) *controllers.ProbeOutcome {
		o := &controllers.ProbeOutcome{
			Phase:   controllers.ProbeAvailable,
			Message: "probe task running",
			Probe:   &v1alpha1.ProbeStatus{TaskArn: "arn:aws:ecs:ap-northeast-1:123456789012:task/prod/abc", LastStatus: "RUNNING", ExecAgent: "RUNNING", PoolKey: "3f9a1c2e7b40"},
		}
		if run {
			o.Ran, o.Results = true, results
		}
		return o
	}
}

var healthy = []probe.Outcome{
	{Target: "sns-https", Result: v1alpha1.ResultReachable, AsExpected: true, Reason: v1alpha1.ReasonConnected, Message: "connected to 10.0.1.169:443", Addresses: []string{"10.0.1.169"}, ViaVPCEndpoint: true, Latency: 12 * time.Millisecond},
	{Target: "no-internet", Result: v1alpha1.ResultUnreachable, AsExpected: true, Reason: v1alpha1.ReasonConnectionTimedOut, Message: "TCP connect to 93.184.215.14:443 timed out after 5s"},
}

func cond(c *v1alpha1.ECSConnectivityCheck, typ string) string {
	x := meta.FindStatusCondition(c.Status.Conditions, typ)
	if x == nil {
		return "absent"
	}
	return fmt.Sprintf("%s/%s gen=%d", x.Status, x.Reason, x.ObservedGeneration)
}

func TestNewCheckGetsFinalizerThenProbingThenReady(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, nil)
	starting := func(bool) *controllers.ProbeOutcome {
		return &controllers.ProbeOutcome{Phase: controllers.ProbeStarting, Reason: v1alpha1.ReasonProbeStarting, Message: "probe task PROVISIONING", RetryAfter: 200 * time.Millisecond}
	}
	prober.script("new", starting)
	check := newCheck(ns, "new")
	if err := env.Client.Create(ctx, check); err != nil {
		t.Fatal(err)
	}

	eventually(t, "finalizer and Ready=Unknown/Probing", func() (bool, string) {
		c := get(t, ns, "new")
		ok := controllerutil.ContainsFinalizer(c, v1alpha1.Finalizer) &&
			cond(c, v1alpha1.ConditionReady) == "Unknown/Probing gen=1" &&
			cond(c, v1alpha1.ConditionReconciling) == "True/ProbeStarting gen=1" &&
			cond(c, v1alpha1.ConditionProbeReady) == "False/ProbeStarting gen=1"
		return ok, fmt.Sprintf("finalizers=%v ready=%s reconciling=%s", c.Finalizers, cond(c, v1alpha1.ConditionReady), cond(c, v1alpha1.ConditionReconciling))
	})
	if c := get(t, ns, "new"); c.Status.ObservedGeneration != 0 {
		t.Fatalf("observedGeneration = %d before any run completed, want 0", c.Status.ObservedGeneration)
	}

	prober.script("new", available(healthy...))
	eventually(t, "Ready=True after the first run", func() (bool, string) {
		c := get(t, ns, "new")
		return c.Status.ObservedGeneration == 1 && cond(c, v1alpha1.ConditionReady) == "True/AllTargetsAsExpected gen=1" &&
			cond(c, v1alpha1.ConditionReconciling) == "absent" && cond(c, v1alpha1.ConditionStalled) == "absent", fmt.Sprintf("%+v", c.Status)
	})
	c := get(t, ns, "new")
	if c.Status.Summary != "2/2" || c.Status.LastProbeTime == nil || c.Status.NextProbeTime == nil {
		t.Fatalf("status = %+v", c.Status)
	}
	if d := c.Status.NextProbeTime.Sub(c.Status.LastProbeTime.Time); d < 5*time.Minute-time.Second || d > 5*time.Minute+31*time.Second {
		t.Fatalf("next probe %s after the last, want the 5m interval plus at most 10%% jitter", d)
	}
	sns := c.Status.Targets[0]
	if sns.Name != "sns-https" || !sns.AsExpected || sns.Result != v1alpha1.ResultReachable || !sns.ViaVPCEndpoint || sns.LatencyMilliseconds != 12 || sns.LastSuccessTime == nil {
		t.Fatalf("target status = %+v", sns)
	}
	if c.Status.Probe == nil || c.Status.Probe.PoolKey != "3f9a1c2e7b40" {
		t.Fatalf("probe status = %+v", c.Status.Probe)
	}
}

func TestFailingTargetMakesReadyFalseAndKeepsResultsWhenProbeFails(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, nil)
	prober.script("fail", available(
		probe.Outcome{Target: "sns-https", Result: v1alpha1.ResultUnreachable, Reason: v1alpha1.ReasonConnectionTimedOut, Message: "TCP connect to 10.0.1.169:443 timed out after 5s",
			Findings: []v1alpha1.Finding{{Code: v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, Resource: "sg-0e1f0e1f", Message: "add an inbound rule"}}},
		healthy[1],
	))
	if err := env.Client.Create(ctx, newCheck(ns, "fail")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Ready=False naming the target", func() (bool, string) {
		c := get(t, ns, "fail")
		r := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionReady)
		return r != nil && r.Status == metav1.ConditionFalse && r.Reason == v1alpha1.ReasonTargetsNotAsExpected &&
			r.Message == "1/2 targets not as expected: sns-https (ConnectionTimedOut)", fmt.Sprintf("%+v", r)
	})
	c := get(t, ns, "fail")
	if c.Status.Summary != "1/2" || c.Status.Targets[0].ConsecutiveFailures != 1 || len(c.Status.Targets[0].Findings) != 1 {
		t.Fatalf("status = %+v", c.Status)
	}

	// The probe task dies; a forced run must not turn anything Unreachable.
	prober.script("fail", func(bool) *controllers.ProbeOutcome {
		return &controllers.ProbeOutcome{Phase: controllers.ProbeFailed, Reason: v1alpha1.ReasonProbeTaskStopped,
			Message: "probe task stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s)"}
	})
	probeNow(t, ns, "fail", "1")
	eventually(t, "Ready=False with the probe's reason", func() (bool, string) {
		c := get(t, ns, "fail")
		return cond(c, v1alpha1.ConditionReady) == "False/ProbeTaskStopped gen=1" && cond(c, v1alpha1.ConditionProbeReady) == "False/ProbeTaskStopped gen=1", cond(c, v1alpha1.ConditionReady)
	})
	c = get(t, ns, "fail")
	if c.Status.Summary != "1/2" || c.Status.Targets[1].Result != v1alpha1.ResultUnreachable || !c.Status.Targets[1].AsExpected || c.Status.Targets[0].ConsecutiveFailures != 1 {
		t.Fatalf("a probe fault changed target results: %+v", c.Status.Targets)
	}
}

func probeNow(t *testing.T, ns, name, value string) {
	t.Helper()
	c := get(t, ns, name)
	patch := client.MergeFrom(c.DeepCopy())
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[v1alpha1.ProbeNowAnnotation] = value
	if err := env.Client.Patch(context.Background(), c, patch); err != nil {
		t.Fatal(err)
	}
}

func TestProbeNowAnnotationRunsImmediately(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, nil)
	prober.script("now", available(healthy...))
	if err := env.Client.Create(ctx, newCheck(ns, "now")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "first run", func() (bool, string) {
		return prober.count(&prober.runs, ns, "now") == 1, fmt.Sprint(prober.count(&prober.runs, ns, "now"))
	})
	probeNow(t, ns, "now", "2026-11-22T03:00:00Z")
	eventually(t, "a second run, long before the 5m interval", func() (bool, string) {
		c := get(t, ns, "now")
		return prober.count(&prober.runs, ns, "now") == 2 && c.Status.LastHandledProbeNow == "2026-11-22T03:00:00Z", fmt.Sprint(prober.count(&prober.runs, ns, "now"))
	})

	// Any other annotation change reconciles, but nothing is due: no run and
	// no status write.
	c := get(t, ns, "now")
	calls := prober.count(&prober.calls, ns, "now")
	patch := client.MergeFrom(c.DeepCopy())
	c.Annotations["team"] = "payments"
	if err := env.Client.Patch(ctx, c, patch); err != nil {
		t.Fatal(err)
	}
	rv := c.ResourceVersion
	eventually(t, "the reconcile of the annotation change", func() (bool, string) {
		return prober.count(&prober.calls, ns, "now") > calls, ""
	})
	time.Sleep(300 * time.Millisecond)
	if c := get(t, ns, "now"); c.ResourceVersion != rv || prober.count(&prober.runs, ns, "now") != 2 {
		t.Fatalf("unchanged status was written (rv %s -> %s) or targets ran again (%d runs)", rv, c.ResourceVersion, prober.count(&prober.runs, ns, "now"))
	}
}

func TestSuspendedCheckIsNotProbed(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, nil)
	prober.script("paused", available(healthy...))
	check := newCheck(ns, "paused")
	check.Spec.Suspend = true
	if err := env.Client.Create(ctx, check); err != nil {
		t.Fatal(err)
	}
	// Nothing ran, so there is no Ready to keep; the generation is handled.
	eventually(t, "generation 1 handled without a Ready", func() (bool, string) {
		c := get(t, ns, "paused")
		return cond(c, v1alpha1.ConditionReady) == "absent" && c.Status.ObservedGeneration == 1, cond(c, v1alpha1.ConditionReady)
	})
	time.Sleep(300 * time.Millisecond)
	if n := prober.count(&prober.calls, ns, "paused"); n != 0 {
		t.Fatalf("a suspended check was probed %d times", n)
	}

	c := get(t, ns, "paused")
	patch := client.MergeFrom(c.DeepCopy())
	c.Spec.Suspend = false
	if err := env.Client.Patch(ctx, c, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Ready=True once resumed", func() (bool, string) {
		c := get(t, ns, "paused")
		return cond(c, v1alpha1.ConditionReady) == "True/AllTargetsAsExpected gen=2", cond(c, v1alpha1.ConditionReady)
	})
}

func TestDeletedCheckReleasesItsProbeAndGoesAway(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, nil)
	prober.script("gone", available(healthy...))
	check := newCheck(ns, "gone")
	if err := env.Client.Create(ctx, check); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Ready", func() (bool, string) {
		c := get(t, ns, "gone")
		return cond(c, v1alpha1.ConditionReady) == "True/AllTargetsAsExpected gen=1", ""
	})
	if err := env.Client.Delete(ctx, check); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the check to be gone", func() (bool, string) {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(check), &v1alpha1.ECSConnectivityCheck{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	if n := prober.count(&prober.released, ns, "gone"); n != 1 {
		t.Fatalf("probe released %d times, want 1", n)
	}
}

func TestRoleMustBeAllowedByTheNamespace(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, nil)
	prober.script("xacct", available(healthy...))
	check := newCheck(ns, "xacct")
	check.Spec.RoleArn = "arn:aws:iam::210987654321:role/ecscheck"
	if err := env.Client.Create(ctx, check); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled=True/RoleNotAllowed", func() (bool, string) {
		c := get(t, ns, "xacct")
		return cond(c, v1alpha1.ConditionStalled) == "True/RoleNotAllowed gen=1" && cond(c, v1alpha1.ConditionReady) == "False/RoleNotAllowed gen=1" &&
			c.Status.ObservedGeneration == 1, cond(c, v1alpha1.ConditionStalled)
	})
	if n := prober.count(&prober.calls, ns, "xacct"); n != 0 {
		t.Fatalf("probed %d times with a role the namespace does not allow", n)
	}

	// A cluster admin allows the role: the check proceeds without any change to it.
	nsObj := &corev1Namespace{}
	nsObj.get(t, ns)
	nsObj.annotate(t, v1alpha1.AllowedRoleARNsAnnotation, "arn:aws:iam::111111111111:role/other, arn:aws:iam::210987654321:role/ecscheck")
	eventually(t, "Ready once the role is allowed", func() (bool, string) {
		c := get(t, ns, "xacct")
		return cond(c, v1alpha1.ConditionReady) == "True/AllTargetsAsExpected gen=1" && cond(c, v1alpha1.ConditionStalled) == "absent", cond(c, v1alpha1.ConditionReady)
	})
}
