package controllers_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/probe"
)

func policyReportManager(t *testing.T) ctrl.Manager {
	t.Helper()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	return mgr
}

func policyReport(t *testing.T, ns string) (*unstructured.Unstructured, error) {
	t.Helper()
	r := &unstructured.Unstructured{}
	r.SetGroupVersionKind(controllers.PolicyReportGVK)
	return r, env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "ecscheck"}, r)
}

// With --policy-reports, each namespace gets one PolicyReport of its checks
// (a result per target, findings in the failing ones) that follows their
// status and goes away with the last check; policy-reporter UIs and
// `kubectl get polr` read it.
func TestPolicyReportPerNamespace(t *testing.T) {
	ctx := context.Background()

	// Without the PolicyReport CRD, the flag fails at start-up, saying why.
	if err := controllers.SetupPolicyReports(policyReportManager(t), controllers.PolicyReportOptions{}); err == nil || !strings.Contains(err.Error(), "wgpolicyk8s.io/v1alpha2, Kind=PolicyReport CRD") {
		t.Fatalf("SetupPolicyReports without the CRD: %v", err)
	}
	if _, err := envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{Paths: []string{filepath.Join("testdata", "wgpolicyk8s.io_policyreports.yaml")}}); err != nil {
		t.Fatal(err)
	}
	mgr := policyReportManager(t)
	if err := controllers.SetupPolicyReports(mgr, controllers.PolicyReportOptions{Controller: controller.Options{SkipNameValidation: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	mgrCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = mgr.Start(mgrCtx) }()
	t.Cleanup(func() { cancel(); <-done })

	ns := newNamespace(t, nil)
	prober.script("polr-ok", available(healthy...))
	prober.script("polr-fail", available(
		probe.Outcome{Target: "sns-https", Result: v1alpha1.ResultUnreachable, Reason: v1alpha1.ReasonConnectionTimedOut, Message: "TCP connect to 10.0.1.169:443 timed out after 5s",
			Findings: []v1alpha1.Finding{{Code: v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, Resource: "sg-0e1f0e1f", Message: "add an inbound rule for 443"}}},
		healthy[1],
	))
	for _, name := range []string{"polr-ok", "polr-fail"} {
		if err := env.Client.Create(ctx, newCheck(ns, name)); err != nil {
			t.Fatal(err)
		}
	}

	summaryIs := func(want string) func() (bool, string) {
		return func() (bool, string) {
			r, err := policyReport(t, ns)
			if err != nil {
				return false, err.Error()
			}
			s := r.Object["summary"].(map[string]any)
			got := fmt.Sprintf("pass=%v fail=%v skip=%v error=%v results=%d", s["pass"], s["fail"], s["skip"], s["error"], len(r.Object["results"].([]any)))
			return got == want, got
		}
	}
	eventually(t, "a report of both checks", summaryIs("pass=3 fail=1 skip=0 error=0 results=4"))

	r, _ := policyReport(t, ns)
	var failed map[string]any
	for _, x := range r.Object["results"].([]any) {
		if x := x.(map[string]any); x["result"] == "fail" {
			failed = x
		}
	}
	if failed["policy"] != "polr-fail" || failed["rule"] != "sns-https" || failed["source"] != "ecscheck" ||
		failed["message"] != "sns-https Unreachable (ConnectionTimedOut): TCP connect to 10.0.1.169:443 timed out after 5s; InterfaceEndpointSecurityGroupDenied (sg-0e1f0e1f): add an inbound rule for 443" {
		t.Fatalf("failing result = %v", failed)
	}
	props := failed["properties"].(map[string]any)
	if props["findings"] != "InterfaceEndpointSecurityGroupDenied" || props["reason"] != "ConnectionTimedOut" || props["cluster"] != "prod" {
		t.Fatalf("failing result's properties = %v", props)
	}
	resource := failed["resources"].([]any)[0].(map[string]any)
	if resource["kind"] != "ECSConnectivityCheck" || resource["name"] != "polr-fail" || resource["namespace"] != ns || resource["uid"] == "" {
		t.Fatalf("failing result's resource = %v", resource)
	}
	// The CRD's printer columns: what `kubectl get polr` shows.
	if out := env.Kubectl(t, "get", "polr", "-n", ns, "--no-headers"); !strings.HasPrefix(strings.Join(strings.Fields(out), " "), "ecscheck 3 1 0 0 0") {
		t.Fatalf("kubectl get polr: %q", out)
	}

	// Deleting a check drops its results; deleting the last, the report.
	if err := env.Client.Delete(ctx, newCheck(ns, "polr-fail")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the deleted check's results gone", summaryIs("pass=2 fail=0 skip=0 error=0 results=2"))
	if err := env.Client.Delete(ctx, newCheck(ns, "polr-ok")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the report deleted with the last check", func() (bool, string) {
		_, err := policyReport(t, ns)
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}
