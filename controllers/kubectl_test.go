package controllers_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// kubectl runs the kubectl built in bin/ against the test API server as an
// admin user.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	return env.Kubectl(t, args...)
}

func TestKubectlGetShowsTheColumns(t *testing.T) {
	ns := newNamespace(t, nil)
	prober.script("orders-api", available(healthy...))
	if err := env.Client.Create(context.Background(), newCheck(ns, "orders-api")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Ready", func() (bool, string) {
		c := get(t, ns, "orders-api")
		return cond(c, v1alpha1.ConditionReady) == "True/AllTargetsAsExpected gen=1", ""
	})

	// Both short names and the category work.
	for _, resource := range []string{"ecschecks", "ecscheck", "ecsconnectivitychecks"} {
		out := kubectl(t, "get", resource, "-n", ns)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 {
			t.Fatalf("kubectl get %s printed:\n%s", resource, out)
		}
		header := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(lines[0]), -1)
		want := []string{"NAME", "CLUSTER", "SERVICE", "READY", "TARGETS", "REASON", "LAST PROBE", "AGE"}
		if strings.Join(header, "|") != strings.Join(want, "|") {
			t.Fatalf("columns = %q, want %q", header, want)
		}
		row := strings.Fields(lines[1])
		if len(row) != 8 || strings.Join(row[:6], " ") != "orders-api prod orders-api True 2/2 AllTargetsAsExpected" {
			t.Fatalf("row = %q", lines[1])
		}
	}
	if out := kubectl(t, "get", "ecscheck", "-n", ns, "-o", "name"); strings.TrimSpace(out) != "ecsconnectivitycheck.connectivity.ecscheck.dev/orders-api" {
		t.Fatalf("kubectl get ecscheck -o name: %q", out)
	}
}

// The install manifests build with kustomize and the API server accepts
// every object in them.
func TestInstallManifestsApply(t *testing.T) {
	out := kubectl(t, "kustomize", filepath.Join(testenv.RepoRoot(), "config", "default"))
	for _, kind := range []string{"kind: CustomResourceDefinition", "kind: Deployment", "kind: ClusterRole", "kind: ServiceAccount", "namespace: ecscheck-system"} {
		if !strings.Contains(out, kind) {
			t.Fatalf("config/default lacks %q", kind)
		}
	}
	path := filepath.Join(t.TempDir(), "install.yaml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	// The namespace must exist for a server-side dry run of what goes in it.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ecscheck-system"}}
	if err := env.Client.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	kubectl(t, "apply", "--server-side", "--dry-run=server", "-f", path)
}
