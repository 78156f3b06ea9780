package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// `make demo` end to end: the real controller binary against the sandbox
// shows each seed situation with the reason and the finding a user needs.
func TestDemoShowsTheSeedScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the controller binary")
	}
	root := testenv.RepoRoot()
	ctx := context.Background()
	var log bytes.Buffer
	sb := startDemo(t, &log)
	if err := sb.Apply(ctx, filepath.Join(root, "hack", "sandbox", "checks.yaml")); err != nil {
		t.Fatal(err)
	}
	checks, err := sb.Settle(ctx, "demo", 2*time.Minute)
	if err != nil {
		t.Fatalf("%v\ncontroller log:\n%s", err, log.String())
	}
	byName := map[string]v1alpha1.ECSConnectivityCheck{}
	for _, c := range checks {
		byName[c.Name] = c
	}

	expect := func(check, target string, result v1alpha1.TargetResult, reason string, finding v1alpha1.FindingCode, resource string) {
		t.Helper()
		c := byName[check]
		for _, ts := range c.Status.Targets {
			if ts.Name != target {
				continue
			}
			if ts.Result != result || ts.Reason != reason || ts.AsExpected {
				t.Errorf("%s/%s = %s %s (asExpected %v), want %s %s", check, target, ts.Result, ts.Reason, ts.AsExpected, result, reason)
			}
			if finding == "" {
				return
			}
			for _, f := range ts.Findings {
				if f.Code == finding && f.Resource == resource {
					return
				}
			}
			t.Errorf("%s/%s: no %s finding on %s in %+v", check, target, finding, resource, ts.Findings)
			return
		}
		t.Errorf("%s has no target %s", check, target)
	}
	expect("orders-api-sns", "sns-https", v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionTimedOut, v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, "sg-0vpce-sns")
	expect("worker-iam", "sns-list-topics", v1alpha1.ResultDenied, string(v1alpha1.FindingAccessDeniedNoIdentityPolicy),
		v1alpha1.FindingAccessDeniedNoIdentityPolicy, "arn:aws:iam::123456789012:role/TaskRole")
	expect("reports-sns", "sns-list-topics", v1alpha1.ResultDenied, string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy),
		v1alpha1.FindingAccessDeniedVPCEndpointPolicy, "vpce-0sns")
	expect("payments-batch-pull", "s3-layers", v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionTimedOut, v1alpha1.FindingMissingVPCEndpoint, "vpc-0demo")

	batch := byName["payments-batch-pull"]
	if h := meta.FindStatusCondition(batch.Status.Conditions, v1alpha1.ConditionServiceHealthy); h == nil || h.Reason != v1alpha1.ReasonServiceTaskStartFailed {
		t.Errorf("payments-batch ServiceHealthy = %+v", h)
	}
	codes := map[v1alpha1.FindingCode]bool{}
	for _, f := range batch.Status.Findings {
		codes[f.Code] = true
	}
	if !codes[v1alpha1.FindingCannotPullContainer] || !codes[v1alpha1.FindingMissingVPCEndpoint] {
		t.Errorf("payments-batch findings = %+v, want CannotPullContainer explained by MissingVPCEndpoint", batch.Status.Findings)
	}
	// Seed 001: ResourceInitializationError explained by the execution role.
	logs := byName["reports-api-logs"]
	if h := meta.FindStatusCondition(logs.Status.Conditions, v1alpha1.ConditionServiceHealthy); h == nil || h.Reason != v1alpha1.ReasonServiceTaskStartFailed {
		t.Errorf("reports-api ServiceHealthy = %+v", h)
	}
	if !hasFinding(logs.Status.Findings, v1alpha1.FindingResourceInitialization, "") ||
		!hasFinding(logs.Status.Findings, v1alpha1.FindingExecutionRoleMissingPermission, "logs:CreateLogGroup") {
		t.Errorf("reports-api findings = %+v, want ResourceInitialization explained by logs:CreateLogGroup", logs.Status.Findings)
	}

	// Seed 002: the task role lacks ssmmessages, so ECS Exec cannot reach
	// the probe, and the check names the permissions to add.
	noExec := byName["no-exec-role"]
	if r := meta.FindStatusCondition(noExec.Status.Conditions, v1alpha1.ConditionReady); r == nil || r.Status != "False" || r.Reason != v1alpha1.ReasonExecSessionFailed {
		// ECS reports the agent RUNNING, yet TargetNotConnectedException:
		// the session fails, and the finding names the task role.
		t.Errorf("no-exec-role Ready = %+v", r)
	}
	if !hasFinding(noExec.Status.Findings, v1alpha1.FindingTaskRoleMissingSSMMessages, "ssmmessages:CreateControlChannel") {
		t.Errorf("no-exec-role findings = %+v, want TaskRoleMissingSSMMessages", noExec.Status.Findings)
	}

	if r := meta.FindStatusCondition(byName["orders-worker-egress"].Status.Conditions, v1alpha1.ConditionReady); r == nil || r.Status != "True" {
		t.Errorf("orders-worker-egress Ready = %+v", r)
	}

	// Issue 12: one cause is one finding. No check repeats a finding (the
	// same code on the same resource) in its status or in a target.
	for _, c := range checks {
		lists := map[string][]v1alpha1.Finding{"status": c.Status.Findings}
		for _, ts := range c.Status.Targets {
			lists["target "+ts.Name] = ts.Findings
		}
		for where, fs := range lists {
			seen := map[string]bool{}
			for _, f := range fs {
				t.Logf("%s %s: %s %s: %s", c.Name, where, f.Code, f.Resource, f.Message)
				k := string(f.Code) + "|" + f.Resource
				if seen[k] {
					t.Errorf("%s %s: %s on %s reported twice: %+v", c.Name, where, f.Code, f.Resource, fs)
				}
				seen[k] = true
			}
		}
	}

	for _, ts := range byName["payments-batch-pull"].Status.Targets {
		if ts.Name == "s3-layers" && (len(ts.Findings) != 1 || ts.Findings[0].Code != v1alpha1.FindingMissingVPCEndpoint) {
			t.Errorf("s3-layers findings = %+v, want the missing S3 endpoint alone", ts.Findings)
		}
	}

	out, err := sb.Kubectl("get", "ecschecks", "-n", "demo")
	if err != nil || !strings.Contains(out, "orders-worker-egress   prod      orders-worker    True    3/3       AllTargetsAsExpected") {
		t.Errorf("kubectl get ecschecks:\n%s %v", out, err)
	}
}

func hasFinding(fs []v1alpha1.Finding, code v1alpha1.FindingCode, mentions string) bool {
	for _, f := range fs {
		if f.Code == code && strings.Contains(f.Message, mentions) {
			return true
		}
	}
	return false
}

// startDemo builds the controller binary and starts the sandbox with the
// demo scenario; args are more controller flags. It stops with the test.
func startDemo(t *testing.T, log *bytes.Buffer, args ...string) *Sandbox {
	t.Helper()
	root := testenv.RepoRoot()
	bin := filepath.Join(t.TempDir(), "ecscheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sb, err := Start(context.Background(), Options{Controller: bin, Scenario: filepath.Join(root, "hack", "fakeaws", "demo.yaml"),
		Dir: t.TempDir(), Log: log, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Stop)
	return sb
}
