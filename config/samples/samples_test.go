// Package samples_test applies config/samples to a fresh API server, as a
// user following the README would.
package samples_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// `kubectl apply -k config/samples` on a cluster with only the CRD creates
// the payments namespace and every sample check in it (it used to fail with
// namespaces "payments" not found).
func TestApplyOnAFreshCluster(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })

	out := env.Kubectl(t, "apply", "-k", ".")
	if !strings.Contains(out, "namespace/payments created") {
		t.Fatalf("kubectl apply -k config/samples did not create the namespace:\n%s", out)
	}
	var checks v1alpha1.ECSConnectivityCheckList
	if err := env.Client.List(context.Background(), &checks, client.InNamespace("payments")); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range checks.Items {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	if len(names) != strings.Count(out, "ecsconnectivitycheck.connectivity.ecscheck.dev/") || len(names) < 5 {
		t.Fatalf("checks in payments: %v; kubectl said:\n%s", names, out)
	}
	// Applying again changes nothing (GitOps tools re-apply all the time).
	if again := env.Kubectl(t, "apply", "-k", "."); strings.Contains(again, "created") || strings.Contains(again, "configured") {
		t.Fatalf("second apply changed something:\n%s", again)
	}
}
