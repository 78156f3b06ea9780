package controllers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// The states a user meets, each reached by driving the real controller in
// envtest with the scripted prober. GitOps and alerting tools (Argo CD's
// Lua health, kstatus, kubectl wait) are tested on what these produce.
//
// The prober's scripts are keyed by check name across namespaces, so every
// caller passes a name of its own.

type gitopsState func(t *testing.T, ns, name string)

// gitopsCheck is a check with one target of each kind of result: a TCP
// path through a VPC endpoint, an AWS API permission, and an egress that
// must stay closed.
func gitopsCheck(ns, name string) *v1alpha1.ECSConnectivityCheck {
	return &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ECSConnectivityCheckSpec{
			Region:  "ap-northeast-1",
			Cluster: "prod",
			Service: "orders-api",
			Targets: []v1alpha1.Target{
				{Name: "sns-https", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}},
				{Name: "sns-list-topics", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics"}},
				{Name: "no-egress-to-internet", TCP: &v1alpha1.TCPTarget{Host: "example.com", Port: 443}, Expect: v1alpha1.ExpectUnreachable},
			},
		},
	}
}

var (
	gitopsHealthy = []probe.Outcome{
		{Target: "sns-https", Result: v1alpha1.ResultReachable, AsExpected: true, Reason: v1alpha1.ReasonConnected, Message: "connected to 10.0.1.169:443",
			Addresses: []string{"10.0.1.169", "10.0.2.248"}, ViaVPCEndpoint: true, Latency: 3 * time.Millisecond},
		{Target: "sns-list-topics", Result: v1alpha1.ResultAllowed, AsExpected: true, Reason: v1alpha1.ReasonAPICallAllowed, Message: "sns ListTopics succeeded", Latency: 412 * time.Millisecond},
		{Target: "no-egress-to-internet", Result: v1alpha1.ResultUnreachable, AsExpected: true, Reason: v1alpha1.ReasonConnectionTimedOut, Message: "TCP connect to 93.184.215.14:443 timed out after 5s", Latency: 5 * time.Second},
	}
	gitopsFailing = []probe.Outcome{
		{Target: "sns-https", Result: v1alpha1.ResultUnreachable, Reason: v1alpha1.ReasonConnectionTimedOut, Message: "TCP connect to 10.0.1.169:443 timed out after 5s",
			Addresses: []string{"10.0.1.169", "10.0.2.248"}, ViaVPCEndpoint: true, Latency: 5 * time.Second,
			Findings: []v1alpha1.Finding{{Code: v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, Resource: "sg-0e1f2a3b4c5d6e7f8",
				Message: "Interface endpoint vpce-0abc (com.amazonaws.ap-northeast-1.sns) uses sg-0e1f2a3b4c5d6e7f8, which allows no inbound TCP 443 from the task's security groups. Add an inbound rule for TCP 443."}}},
		{Target: "sns-list-topics", Result: v1alpha1.ResultDenied, Reason: string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy),
			Message: "User: arn:aws:sts::123456789012:assumed-role/orders-api-task/abc is not authorized to perform: SNS:ListTopics because no VPC endpoint policy allows the SNS:ListTopics action",
			Findings: []v1alpha1.Finding{{Code: v1alpha1.FindingAccessDeniedVPCEndpointPolicy, Resource: "vpce-0abc1234def567890",
				Message: "The policy of VPC endpoint vpce-0abc1234def567890 does not allow sns:ListTopics."}}},
		gitopsHealthy[2],
	}
)

func gitopsStarting(bool) *controllers.ProbeOutcome {
	return &controllers.ProbeOutcome{Phase: controllers.ProbeStarting, Reason: v1alpha1.ReasonProbeStarting,
		Message: "probe task PROVISIONING", RetryAfter: 200 * time.Millisecond}
}

func gitopsCreate(t *testing.T, ns, name string, mutate ...func(*v1alpha1.ECSConnectivityCheck)) {
	t.Helper()
	c := gitopsCheck(ns, name)
	for _, m := range mutate {
		m(c)
	}
	if err := env.Client.Create(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

func gitopsPatchSpec(t *testing.T, ns, name string, mutate func(*v1alpha1.ECSConnectivityCheck)) {
	t.Helper()
	c := get(t, ns, name)
	patch := client.MergeFrom(c.DeepCopy())
	mutate(c)
	if err := env.Client.Patch(context.Background(), c, patch); err != nil {
		t.Fatal(err)
	}
}

func waitCond(t *testing.T, ns, name string, want map[string]string) {
	t.Helper()
	eventually(t, fmt.Sprintf("%s/%s conditions %v", ns, name, want), func() (bool, string) {
		c := get(t, ns, name)
		for typ, w := range want {
			if got := cond(c, typ); got != w {
				return false, fmt.Sprintf("%s=%s (conditions %+v)", typ, got, c.Status.Conditions)
			}
		}
		return true, ""
	})
}

// startingUntilCleanup makes the check's probe start (requeued every
// 200ms) until the test ends, then lets it run so that it stops polling.
func startingUntilCleanup(t *testing.T, name string) {
	prober.script(name, gitopsStarting)
	t.Cleanup(func() { prober.script(name, available(gitopsHealthy...)) })
}

// Created, its probe task still starting: no run has completed.
func stateFirstRun(t *testing.T, ns, name string) {
	startingUntilCleanup(t, name)
	gitopsCreate(t, ns, name)
	waitCond(t, ns, name, map[string]string{
		v1alpha1.ConditionReady:       "Unknown/Probing gen=1",
		v1alpha1.ConditionReconciling: "True/ProbeStarting gen=1",
	})
}

// Every target as expected.
func stateHealthy(t *testing.T, ns, name string) {
	prober.script(name, available(gitopsHealthy...))
	gitopsCreate(t, ns, name)
	waitCond(t, ns, name, map[string]string{v1alpha1.ConditionReady: "True/AllTargetsAsExpected gen=1"})
}

// Two targets not as expected, with findings.
func stateFailing(t *testing.T, ns, name string) {
	prober.script(name, available(gitopsFailing...))
	gitopsCreate(t, ns, name)
	waitCond(t, ns, name, map[string]string{v1alpha1.ConditionReady: "False/TargetsNotAsExpected gen=1"})
}

// Failing, then the probe task stops: the last target results are kept
// and Ready says why the probe cannot run.
func stateProbeUnavailable(t *testing.T, ns, name string) {
	stateFailing(t, ns, name)
	prober.script(name, func(bool) *controllers.ProbeOutcome {
		return &controllers.ProbeOutcome{Phase: controllers.ProbeFailed, Reason: v1alpha1.ReasonProbeTaskStopped,
			Message: "probe task stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/aws-cli/aws-cli:latest"}
	})
	probeNow(t, ns, name, "1")
	waitCond(t, ns, name, map[string]string{v1alpha1.ConditionReady: "False/ProbeTaskStopped gen=1"})
}

// The service does not exist: nothing changes until the spec or AWS does.
func stateStalled(t *testing.T, ns, name string) {
	prober.script(name, func(bool) *controllers.ProbeOutcome {
		return &controllers.ProbeOutcome{Phase: controllers.ProbeStalled, Reason: v1alpha1.ReasonServiceNotFound,
			Message: "service orders-api not found in cluster prod"}
	})
	gitopsCreate(t, ns, name)
	waitCond(t, ns, name, map[string]string{
		v1alpha1.ConditionStalled: "True/ServiceNotFound gen=1",
		v1alpha1.ConditionReady:   "False/ServiceNotFound gen=1",
	})
}

// Healthy, then suspended: the last results stay.
func stateSuspended(t *testing.T, ns, name string) {
	stateHealthy(t, ns, name)
	gitopsPatchSpec(t, ns, name, func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Suspend = true })
	// Whatever Ready says while suspended, the controller has handled the
	// generation that suspends.
	eventually(t, "the suspension handled", func() (bool, string) {
		c := get(t, ns, name)
		return c.Status.ObservedGeneration == 2, fmt.Sprintf("observedGeneration=%d", c.Status.ObservedGeneration)
	})
}

// Healthy, then the spec changes while the probe task for the new network
// identity starts.
func stateNewGeneration(t *testing.T, ns, name string) {
	stateHealthy(t, ns, name)
	startingUntilCleanup(t, name)
	gitopsPatchSpec(t, ns, name, func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Timeout = &metav1.Duration{Duration: 10 * time.Second} })
	waitCond(t, ns, name, map[string]string{
		v1alpha1.ConditionReady:       "Unknown/Probing gen=2",
		v1alpha1.ConditionReconciling: "True/ProbeStarting gen=2",
	})
}

// Healthy, then the spec changes and the object is read before the
// controller has written anything for the new generation. The prober holds
// that reconcile until the object has been read, which makes the moment
// deterministic; the scripted prober serialises calls, so the hold is
// short and released before anything else uses it.
func stateGenerationNotObserved(t *testing.T, ns, name string, read func()) {
	stateHealthy(t, ns, name)
	entered, release := make(chan struct{}), make(chan struct{})
	ran := available(gitopsHealthy...)
	prober.script(name, func(run bool) *controllers.ProbeOutcome {
		select {
		case <-release:
		default:
			close(entered)
			<-release
		}
		return ran(run)
	})
	gitopsPatchSpec(t, ns, name, func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.FailureThreshold = 3 })
	select {
	case <-entered:
	case <-time.After(20 * time.Second):
		close(release)
		t.Fatal("the controller did not reconcile the new generation")
	}
	read()
	close(release)
	waitCond(t, ns, name, map[string]string{v1alpha1.ConditionReady: "True/AllTargetsAsExpected gen=2"})
}

// getUnstructured reads a check as tools that do not know its Go type do
// (Argo CD, kstatus): JSON decoded into maps.
func getUnstructured(t *testing.T, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("ECSConnectivityCheck"))
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		t.Fatal(err)
	}
	return u
}
