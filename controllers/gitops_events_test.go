package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Events as `kubectl events --for ecscheck/NAME` shows them (events.k8s.io/v1,
// what the manager's recorder writes): "Type Reason: note", with " (xN)"
// when the recorder folded repeats into a series.
func checkEvents(t *testing.T, ns, name string) []string {
	t.Helper()
	list := &eventsv1.EventList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name != name || e.Regarding.Kind != "ECSConnectivityCheck" {
			continue
		}
		s := fmt.Sprintf("%s %s: %s", e.Type, e.Reason, e.Note)
		if e.Series != nil {
			s += fmt.Sprintf(" (x%d)", e.Series.Count)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// waitEvents waits until the check's events are exactly want (sorted), then
// makes sure no other event follows.
func waitEvents(t *testing.T, ns, name string, want ...string) {
	t.Helper()
	slices.Sort(want)
	eventually(t, "events "+strings.Join(want, " | "), func() (bool, string) {
		got := checkEvents(t, ns, name)
		return slices.Equal(got, want), strings.Join(got, "\n")
	})
	// Events are written asynchronously: give a stray one time to land.
	time.Sleep(500 * time.Millisecond)
	if got := checkEvents(t, ns, name); !slices.Equal(got, want) {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// runAgain forces a run with the given outcome and waits until the prober
// has been asked for it.
func runAgain(t *testing.T, ns, name, value string, outcome func(bool) *controllers.ProbeOutcome) {
	t.Helper()
	prober.script(name, outcome)
	calls := prober.count(&prober.calls, ns, name)
	probeNow(t, ns, name, value)
	eventually(t, "the forced run "+value, func() (bool, string) {
		return prober.count(&prober.calls, ns, name) > calls, ""
	})
}

var (
	eventReady         = "Normal Ready: All 3 targets as expected"
	eventSNSNotOK      = "Warning TargetNotAsExpected: Target sns-https is Unreachable, not as expected (ConnectionTimedOut): TCP connect to 10.0.1.169:443 timed out after 5s"
	eventSNSRecovered  = "Normal TargetRecovered: Target sns-https is Reachable as expected again"
	eventRunTaskFailed = "Warning RunTaskFailed: RunTask failed: AGENT (arn:aws:ecs:ap-northeast-1:123456789012:container-instance/prod/0a1b)"
)

func snsFailing() []probe.Outcome {
	return []probe.Outcome{gitopsFailing[0], gitopsHealthy[1], gitopsHealthy[2]}
}

// The life of a check as its events tell it: first success, a target that
// stops being as expected (named, with its reason), its recovery, a probe
// that cannot start; and silence while nothing changes, run after run.
func TestGitopsEventsOnTransitionsOnly(t *testing.T) {
	ns, name := newNamespace(t, nil), "events-life"
	stateHealthy(t, ns, name)
	waitEvents(t, ns, name, eventReady)

	runAgain(t, ns, name, "healthy-again", available(gitopsHealthy...))
	waitEvents(t, ns, name, eventReady)

	runAgain(t, ns, name, "sns-fails", available(snsFailing()...))
	waitEvents(t, ns, name, eventReady, eventSNSNotOK)
	runAgain(t, ns, name, "sns-still-fails", available(snsFailing()...))
	waitEvents(t, ns, name, eventReady, eventSNSNotOK)

	runAgain(t, ns, name, "sns-recovers", available(gitopsHealthy...))
	// The recovery of the target, and Ready again.
	waitEvents(t, ns, name, eventReady, eventSNSNotOK, eventSNSRecovered, eventReady)

	agent := func(bool) *controllers.ProbeOutcome {
		return &controllers.ProbeOutcome{Phase: controllers.ProbeFailed, Reason: v1alpha1.ReasonRunTaskFailed,
			Message: "RunTask failed: AGENT (arn:aws:ecs:ap-northeast-1:123456789012:container-instance/prod/0a1b)"}
	}
	runAgain(t, ns, name, "agent", agent)
	waitEvents(t, ns, name, eventReady, eventSNSNotOK, eventSNSRecovered, eventReady, eventRunTaskFailed)
	runAgain(t, ns, name, "agent-again", agent)
	waitEvents(t, ns, name, eventReady, eventSNSNotOK, eventSNSRecovered, eventReady, eventRunTaskFailed)

	// What a user types to read them.
	out, err := kubectlRun(t, "events", "-n", ns, "--for", "ecscheck/"+name)
	if err != nil {
		t.Fatalf("kubectl events: %v\n%s", err, out)
	}
	for _, want := range []string{"TargetNotAsExpected", "Target sns-https is Unreachable", "TargetRecovered", "RunTaskFailed"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl events --for ecscheck/%s lacks %q:\n%s", name, want, out)
		}
	}
}

// Two targets that stop being as expected in the same run are two
// warnings, each naming its target.
func TestGitopsEventsNameEveryFailingTarget(t *testing.T) {
	ns, name := newNamespace(t, nil), "events-two-targets"
	stateHealthy(t, ns, name)
	waitEvents(t, ns, name, eventReady)
	prober.script(name, available(gitopsFailing...))
	probeNow(t, ns, name, "both-fail")

	snsTopics := "Warning TargetNotAsExpected: Target sns-list-topics is Denied, not as expected (AccessDeniedVPCEndpointPolicy): " + gitopsFailing[1].Message
	warnings := func() []string {
		var w []string
		for _, e := range checkEvents(t, ns, name) {
			if strings.HasPrefix(e, "Warning TargetNotAsExpected") {
				w = append(w, e)
			}
		}
		return w
	}
	// Both are written at once when the recorder keeps them apart; give
	// the asynchronous writes a few seconds.
	deadline := time.Now().Add(3 * time.Second)
	for len(warnings()) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	// The events.k8s.io recorder folds events of the same type, reason,
	// action and object into one series: each target's event points at
	// spec.targets{name} so that neither is lost.
	got := warnings()
	want := []string{eventSNSNotOK, snsTopics}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A check that stalls says so, with the reason, once: counted at the
// reconciler's recorder, since the events.k8s.io recorder may fold a
// duplicate into a series only seconds later.
func TestGitopsEventsWhenStalled(t *testing.T) {
	ns := newNamespace(t, nil)
	stateStalled(t, ns, "events-stalled")
	want := "Warning ServiceNotFound: service orders-api not found in cluster prod"
	eventually(t, "the stall warning", func() (bool, string) {
		got := checkEvents(t, ns, "events-stalled")
		return len(got) > 0 && strings.HasPrefix(got[0], want), strings.Join(got, "\n")
	})

	stalled := &controllers.ProbeOutcome{Phase: controllers.ProbeStalled, Reason: v1alpha1.ReasonServiceNotFound,
		Message: "service orders-api not found in cluster prod"}
	emitted := reconcileDirect(t, gitopsCheck("payments", "direct-stall"), stalled)
	if !slices.Equal(emitted, []string{want}) {
		t.Fatalf("events emitted for a stall: %q, want one %q", emitted, want)
	}
}

// A role the namespace does not allow stalls the check before any probe.
func TestGitopsEventsWhenRoleNotAllowed(t *testing.T) {
	ns := newNamespace(t, nil)
	prober.script("events-role", available(gitopsHealthy...))
	gitopsCreate(t, ns, "events-role", func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.RoleArn = "arn:aws:iam::210987654321:role/ecscheck" })
	waitEvents(t, ns, "events-role", "Warning RoleNotAllowed: Role arn:aws:iam::210987654321:role/ecscheck is not allowed in namespace "+ns+
		": a cluster admin must list it in the namespace annotation "+v1alpha1.AllowedRoleARNsAnnotation)
}

// reconcileDirect runs one Reconcile of the real reconciler against a fake
// API (controller-runtime's fake client) with a prober that answers
// outcome, and returns the events it emitted, as checkEvents renders them.
func reconcileDirect(t *testing.T, check *v1alpha1.ECSConnectivityCheck, outcome *controllers.ProbeOutcome) []string {
	t.Helper()
	check.Generation = 1
	c := fake.NewClientBuilder().WithScheme(env.Scheme).WithObjects(check).WithStatusSubresource(check).Build()
	rec := &callRecorder{}
	r := &controllers.ECSConnectivityCheckReconciler{
		Client: c, AWS: stubAWS{}, Prober: fixedProber{outcome}, Events: rec, Clock: clock.RealClock{},
	}
	if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(check)}); err != nil {
		t.Fatal(err)
	}
	return rec.events
}

// callRecorder records every event the reconciler emits, before any
// folding by a broadcaster.
type callRecorder struct {
	mu     sync.Mutex
	events []string
}

func (r *callRecorder) Eventf(_, _ runtime.Object, eventtype, reason, _, note string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("%s %s: %s", eventtype, reason, fmt.Sprintf(note, args...)))
}

type fixedProber struct{ o *controllers.ProbeOutcome }

func (p fixedProber) Probe(context.Context, *awsclient.Clients, *v1alpha1.ECSConnectivityCheck, bool) (*controllers.ProbeOutcome, error) {
	o := *p.o
	return &o, nil
}

func (fixedProber) Leave(context.Context, *v1alpha1.ECSConnectivityCheck) error { return nil }

func (fixedProber) Release(context.Context, *awsclient.Clients, *v1alpha1.ECSConnectivityCheck) error {
	return nil
}

type stubAWS struct{}

func (stubAWS) For(_ context.Context, region, roleArn, _ string) (*awsclient.Clients, error) {
	return &awsclient.Clients{Region: region, RoleArn: roleArn}, nil
}
