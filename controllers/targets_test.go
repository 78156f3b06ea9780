package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// A target flaps only after failureThreshold failed runs in a row, and its
// transition and success times move as a user would read them.
func TestFailureThreshold(t *testing.T) {
	check := &v1alpha1.ECSConnectivityCheck{Spec: v1alpha1.ECSConnectivityCheckSpec{
		FailureThreshold: 3,
		Targets:          []v1alpha1.Target{{Name: "sns", TCP: &v1alpha1.TCPTarget{Host: "sns", Port: 443}}},
	}}
	t0 := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	run := func(i int, r v1alpha1.TargetResult) v1alpha1.TargetStatus {
		applyResults(check, []probe.Outcome{{Target: "sns", Result: r, AsExpected: r == v1alpha1.ResultReachable}}, metav1.NewTime(t0.Add(time.Duration(i)*time.Minute)))
		return check.Status.Targets[0]
	}
	ok := run(0, v1alpha1.ResultReachable)
	if !ok.AsExpected || ok.LastSuccessTime == nil || !ok.LastTransitionTime.Time.Equal(t0) || check.Status.Summary != "1/1" {
		t.Fatalf("first success: %+v", ok)
	}
	for i := 1; i <= 2; i++ {
		s := run(i, v1alpha1.ResultUnreachable)
		if !s.AsExpected || s.ConsecutiveFailures != int32(i) || !s.LastTransitionTime.Time.Equal(t0) || !s.LastSuccessTime.Time.Equal(t0) {
			t.Fatalf("failure %d below the threshold: %+v", i, s)
		}
	}
	s := run(3, v1alpha1.ResultUnreachable)
	if s.AsExpected || s.ConsecutiveFailures != 3 || !s.LastTransitionTime.Time.Equal(t0.Add(3*time.Minute)) || check.Status.Summary != "0/1" {
		t.Fatalf("third failure: %+v", s)
	}
	s = run(4, v1alpha1.ResultReachable)
	if !s.AsExpected || s.ConsecutiveFailures != 0 || !s.LastTransitionTime.Time.Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("recovery: %+v", s)
	}
}

// A target that was never as expected is not as expected from its first
// failure, whatever the threshold.
func TestNewTargetFailingIsNotAsExpected(t *testing.T) {
	check := &v1alpha1.ECSConnectivityCheck{Spec: v1alpha1.ECSConnectivityCheckSpec{
		FailureThreshold: 5,
		Targets: []v1alpha1.Target{
			{Name: "egress", TCP: &v1alpha1.TCPTarget{Host: "example.com", Port: 443}, Expect: v1alpha1.ExpectUnreachable},
			{Name: "api", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics"}},
		},
	}}
	applyResults(check, []probe.Outcome{
		{Target: "egress", Result: v1alpha1.ResultReachable, Reason: v1alpha1.ReasonConnected},
		{Target: "api", Result: v1alpha1.ResultAllowed, AsExpected: true},
	}, metav1.Now())
	if check.Status.Targets[0].AsExpected || !check.Status.Targets[1].AsExpected || check.Status.Summary != "1/2" {
		t.Fatalf("%+v", check.Status.Targets)
	}
	if got := failingTargets(check.Status.Targets); len(got) != 1 || got[0] != "egress (Connected)" {
		t.Fatalf("failing = %v", got)
	}
}

// A stopped probe's own finding gives way to diagnosis's fuller one.
func TestOverrideFindings(t *testing.T) {
	base := []v1alpha1.Finding{{Code: v1alpha1.FindingCannotPullContainer, Message: "probe task stopped"}, {Code: v1alpha1.FindingRunTaskAgent, Message: "agent"}}
	better := []v1alpha1.Finding{{Code: v1alpha1.FindingCannotPullContainer, Message: "stopped; the findings that follow name what is missing"}, {Code: v1alpha1.FindingMissingVPCEndpoint, Message: "s3"}}
	got := overrideFindings(base, better)
	if len(got) != 3 || got[0].Code != v1alpha1.FindingRunTaskAgent || got[1].Message != better[0].Message || got[2].Code != v1alpha1.FindingMissingVPCEndpoint {
		t.Fatalf("overrideFindings = %+v", got)
	}
}
