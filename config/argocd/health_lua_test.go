package argocd

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

var updateConfigMap = flag.Bool("update-argocd-cm", false, "rewrite argocd-cm.yaml from health.lua")

// The cases of health_test.yaml, run the way Argo CD's own test runs its
// resource_customizations (util/lua: each inputPath through the script,
// compared with healthStatus). The inputs were written by the controller
// in envtest; controllers/gitops_argocd_test.go keeps them current.
func TestHealthTestYAML(t *testing.T) {
	data, err := os.ReadFile("health_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests []struct {
			InputPath    string       `json:"inputPath"`
			HealthStatus HealthStatus `json:"healthStatus"`
		} `json:"tests"`
	}
	if err := yaml.UnmarshalStrict(data, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tc := range doc.Tests {
		t.Run(tc.InputPath, func(t *testing.T) {
			input, err := os.ReadFile(tc.InputPath)
			if err != nil {
				t.Fatal(err)
			}
			obj := map[string]any{}
			if err := yaml.Unmarshal(input, &obj); err != nil {
				t.Fatal(err)
			}
			got, err := Assess(HealthLua, obj)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.HealthStatus {
				t.Errorf("health = %+v\nwant     %+v", got, tc.HealthStatus)
			}
		})
		seen[tc.HealthStatus.Status] = true
	}
	for _, status := range []string{"Healthy", "Progressing", "Degraded", "Suspended"} {
		if !seen[status] {
			t.Errorf("no case of %s in health_test.yaml", status)
		}
	}
	inputs, _ := filepath.Glob("testdata/*.yaml")
	if len(inputs) != len(doc.Tests) {
		t.Errorf("%d files in testdata/, %d cases: every input needs a case", len(inputs), len(doc.Tests))
	}
}

// Objects the controller never wrote, as Argo CD may see them: just
// applied with no controller running, or with a status of an older schema.
// The script must still answer, never fail (Argo CD would show an error).
func TestHealthOfObjectsWithoutStatus(t *testing.T) {
	for name, tc := range map[string]struct {
		obj  string
		want HealthStatus
	}{
		"no status": {
			obj:  `{metadata: {name: a, generation: 1}, spec: {cluster: prod}}`,
			want: HealthStatus{"Progressing", "Waiting for a run of generation 1"},
		},
		"status without conditions": {
			obj:  `{metadata: {name: a, generation: 1}, spec: {cluster: prod}, status: {observedGeneration: 1}}`,
			want: HealthStatus{"Progressing", "Waiting for the first probe run"},
		},
		"suspended before the controller saw it": {
			obj:  `{metadata: {name: a, generation: 1}, spec: {cluster: prod, suspend: true}}`,
			want: HealthStatus{"Suspended", "Probing is suspended (spec.suspend)"},
		},
		"Ready False with targets lacking reasons": {
			obj: `{metadata: {name: a, generation: 1}, spec: {cluster: prod}, status: {observedGeneration: 1,
			       conditions: [{type: Ready, status: "False", reason: TargetsNotAsExpected, observedGeneration: 1, message: m}],
			       targets: [{name: x, asExpected: false}]}}`,
			want: HealthStatus{"Degraded", "1 of 1 targets not as expected: x Unknown (Unknown)"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			obj := map[string]any{}
			if err := yaml.Unmarshal([]byte(tc.obj), &obj); err != nil {
				t.Fatal(err)
			}
			got, err := Assess(HealthLua, obj)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("health = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// Argo CD gives argocd-cm scripts neither the string nor the os library:
// a script that used them would fail there while passing a laxer runner.
func TestAssessRunsWithArgoCDsLibrariesOnly(t *testing.T) {
	for _, script := range []string{
		`return {status = string.format("%s", "Healthy")}`,
		`return {status = os.getenv("HOME")}`,
	} {
		if _, err := Assess(script, map[string]any{}); err == nil {
			t.Errorf("%q ran; Argo CD would fail it", script)
		}
	}
	if got, _ := Assess(`return {status = "Fine"}`, map[string]any{}); got.Status != "Unknown" {
		t.Errorf("an invalid status gave %+v; Argo CD turns it into Unknown", got)
	}
}

// The argocd-cm snippet carries health.lua itself, under the key Argo CD
// looks up for connectivity.ecscheck.dev/ECSConnectivityCheck.
func TestArgoCDConfigMapCarriesTheScript(t *testing.T) {
	if *updateConfigMap {
		if err := os.WriteFile("argocd-cm.yaml", []byte(configMapYAML()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile("argocd-cm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cm := corev1.ConfigMap{}
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Name != "argocd-cm" || cm.Namespace != "argocd" {
		t.Errorf("ConfigMap %s/%s, want argocd/argocd-cm", cm.Namespace, cm.Name)
	}
	if got := cm.Data[ConfigMapKey]; got != HealthLua {
		t.Errorf("argocd-cm.yaml's %s differs from health.lua: run go test ./config/argocd -update-argocd-cm", ConfigMapKey)
	}
}

func configMapYAML() string {
	var b strings.Builder
	b.WriteString(`# The Argo CD health check of ECSConnectivityCheck, as the argocd-cm key Argo CD
# reads it. Merge it into your argocd-cm (for example as a kustomize patch of
# the Argo CD install); the script is health.lua, kept identical by
# config/argocd's test (go test ./config/argocd -update-argocd-cm rewrites it).
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
  ` + ConfigMapKey + `: |
`)
	for _, line := range strings.Split(strings.TrimSuffix(HealthLua, "\n"), "\n") {
		if line != "" {
			b.WriteString("    " + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}
