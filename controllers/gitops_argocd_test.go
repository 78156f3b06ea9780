package controllers_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/ecscheck/ecscheck/config/argocd"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

var updateArgoCDTestdata = flag.Bool("update-argocd-testdata", false,
	"rewrite config/argocd/testdata from the objects the controller produces")

// argoScenarios pairs each input of config/argocd/health_test.yaml with the
// state of the real controller it was taken from.
var argoScenarios = map[string]gitopsState{
	"testdata/progressing_first_run.yaml":      stateFirstRun,
	"testdata/progressing_new_generation.yaml": stateNewGeneration,
	"testdata/healthy.yaml":                    stateHealthy,
	"testdata/degraded_targets.yaml":           stateFailing,
	"testdata/degraded_probe_unavailable.yaml": stateProbeUnavailable,
	"testdata/degraded_stalled.yaml":           stateStalled,
	"testdata/suspended.yaml":                  stateSuspended,
}

const argoGenerationNotObserved = "testdata/progressing_generation_not_observed.yaml"

// The health script gives Argo CD's status and message for objects the
// controller really wrote, and the inputs of health_test.yaml (Argo CD's
// own test format, which config/argocd's test runs) are those objects.
func TestGitopsArgoCDHealthOfControllerStatus(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "config", "argocd")
	cases := readArgoCases(t, filepath.Join(dir, "health_test.yaml"))
	if len(cases) != len(argoScenarios)+1 {
		t.Fatalf("health_test.yaml has %d cases, the controller produces %d states", len(cases), len(argoScenarios)+1)
	}
	ns := newNamespace(t, nil)
	check := func(input string, obj map[string]any) {
		t.Helper()
		want, ok := cases[input]
		if !ok {
			t.Fatalf("health_test.yaml has no case for %s", input)
		}
		got, err := argocd.Assess(argocd.HealthLua, obj)
		if err != nil {
			t.Fatalf("%s: %v", input, err)
		}
		if got != want {
			t.Errorf("%s: Argo CD health of the live object = %+v, want %+v", input, got, want)
		}
		compareArgoFixture(t, filepath.Join(dir, input), obj)
	}
	for input, state := range argoScenarios {
		name := argoCheckName(input)
		state(t, ns, name)
		check(input, getUnstructured(t, ns, name).Object)
	}
	name := argoCheckName(argoGenerationNotObserved)
	stateGenerationNotObserved(t, ns, name, func() {
		check(argoGenerationNotObserved, getUnstructured(t, ns, name).Object)
	})
}

// "testdata/degraded_targets.yaml" -> "argo-degraded-targets"
func argoCheckName(input string) string {
	base := strings.TrimSuffix(filepath.Base(input), ".yaml")
	return "argo-" + strings.ReplaceAll(base, "_", "-")
}

func readArgoCases(t *testing.T, path string) map[string]argocd.HealthStatus {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests []struct {
			InputPath    string              `json:"inputPath"`
			HealthStatus argocd.HealthStatus `json:"healthStatus"`
		} `json:"tests"`
	}
	if err := yaml.UnmarshalStrict(data, &doc); err != nil {
		t.Fatal(err)
	}
	cases := map[string]argocd.HealthStatus{}
	for _, c := range doc.Tests {
		cases[c.InputPath] = c.HealthStatus
	}
	return cases
}

const argoFixtureHeader = "# Written by the controller in envtest (controllers/gitops_argocd_test.go).\n" +
	"# Regenerate: go test ./controllers/ -run GitopsArgoCD -update-argocd-testdata\n"

// compareArgoFixture checks that the committed input is the live object,
// up to what varies between runs (identity, times, namespace).
func compareArgoFixture(t *testing.T, path string, obj map[string]any) {
	t.Helper()
	data, err := yaml.Marshal(normalizeForFixture(obj))
	if err != nil {
		t.Fatal(err)
	}
	data = append([]byte(argoFixtureHeader), data...)
	if *updateArgoCDTestdata {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update-argocd-testdata)", err)
	}
	if !bytes.Equal(committed, data) {
		t.Errorf("%s is not what the controller writes now; rerun with -update-argocd-testdata and review the diff.\nlive object:\n%s", path, data)
	}
}

var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)

func normalizeForFixture(obj map[string]any) map[string]any {
	out := deepCopyJSON(obj).(map[string]any)
	meta := out["metadata"].(map[string]any)
	for _, k := range []string{"uid", "resourceVersion", "creationTimestamp", "managedFields"} {
		delete(meta, k)
	}
	meta["namespace"] = "payments"
	return out
}

func deepCopyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopyJSON(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopyJSON(x)
		}
		return s
	case string:
		if rfc3339.MatchString(v) {
			return "2026-11-22T03:00:00Z"
		}
	}
	return v
}
