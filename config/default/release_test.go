// Package install_test checks what a release ships: `make release` renders
// an install.yaml that the real API server accepts, with the controller's
// image pinned to the release, and `make build` stamps the same version.
package install_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/ecscheck/ecscheck/internal/testenv"
)

const release = "v0.1.0"

// runMake runs a Makefile target in dir and returns its output.
func runMake(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// copyTree copies the files of the repository that `make release` reads
// (and rewrites) into dir, so the test leaves the work tree alone.
func copyTree(t *testing.T, dir string) {
	t.Helper()
	root := testenv.RepoRoot()
	for _, p := range []string{"Makefile", "config", "charts"} {
		if _, err := os.Stat(filepath.Join(root, p)); os.IsNotExist(err) {
			continue
		}
		if out, err := exec.Command("cp", "-r", filepath.Join(root, p), dir).CombinedOutput(); err != nil {
			t.Fatalf("cp %s: %v\n%s", p, err, out)
		}
	}
}

func TestReleaseRendersAPinnedInstallYAMLThatApplies(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, dir)
	kubectl := filepath.Join(testenv.BinDir(), "kubectl")
	runMake(t, dir, "release", "VERSION="+release, "KUBECTL="+kubectl)

	install := filepath.Join(dir, "dist", "install.yaml")
	data, err := os.ReadFile(install)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), ":latest") {
		t.Fatal("install.yaml names a :latest image")
	}
	var deployments []appsv1.Deployment
	for _, doc := range strings.Split(string(data), "\n---\n") {
		if !strings.Contains(doc, "\nkind: Deployment\n") {
			continue
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatal(err)
		}
		deployments = append(deployments, d)
	}
	if len(deployments) != 1 {
		t.Fatalf("install.yaml has %d Deployments, want 1", len(deployments))
	}
	if image := deployments[0].Spec.Template.Spec.Containers[0].Image; image != "ghcr.io/ecscheck/ecscheck:"+release {
		t.Fatalf("Deployment image %q, want ghcr.io/ecscheck/ecscheck:%s", image, release)
	}

	// Applied for real to a fresh API server, as `kubectl apply -f
	// install.yaml` from the GitHub release would be.
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	env.Kubectl(t, "apply", "--server-side", "-f", install)
	var got appsv1.Deployment
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: "ecscheck-system", Name: "ecscheck-controller-manager"}, &got); err != nil {
		t.Fatal(err)
	}
	if image := got.Spec.Template.Spec.Containers[0].Image; !strings.HasSuffix(image, ":"+release) {
		t.Fatalf("applied Deployment runs %q", image)
	}
}

// The release rejects a version that is not vX.Y.Z, so that no :latest or
// branch name is ever pinned.
func TestReleaseNeedsAVersion(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, dir)
	cmd := exec.Command("make", "release", "VERSION=latest", "KUBECTL="+filepath.Join(testenv.BinDir(), "kubectl"))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "is not a release version") {
		t.Fatalf("make release VERSION=latest: %v\n%s", err, out)
	}
}

// The committed config/manager pins a release, never :latest (Argo CD does
// not see a new image pushed under the same tag).
func TestManagerImageIsPinned(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "manager", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Images []struct {
			NewTag string `json:"newTag"`
		} `json:"images"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Images) != 1 || !strings.HasPrefix(k.Images[0].NewTag, "v") {
		t.Fatalf("config/manager images %+v, want one pinned to a vX.Y.Z tag", k.Images)
	}
}

// `make build VERSION=v0.1.0` stamps the binary: `ecscheck --version`.
func TestBuildStampsTheVersion(t *testing.T) {
	bin := t.TempDir()
	runMake(t, testenv.RepoRoot(), "build", "VERSION="+release, "BIN="+bin)
	out, err := exec.Command(filepath.Join(bin, "ecscheck"), "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("ecscheck --version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "ecscheck "+release+" (go") {
		t.Fatalf("ecscheck --version printed %q", out)
	}
}
