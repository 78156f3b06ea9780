package helmchart_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"
)

// copies are the chart's files that are config/'s, byte for byte: the CRD
// and the manager role are controller-gen's output, the alerts promtool's
// tested rules. `go test -update` refreshes them after `make manifests`.
var copies = map[string]string{
	"crds/connectivity.ecscheck.dev_ecsconnectivitychecks.yaml": "config/crd/bases/connectivity.ecscheck.dev_ecsconnectivitychecks.yaml",
	"files/manager-role.yaml":                                   "config/rbac/role.yaml",
	"files/rules.yaml":                                          "config/prometheus/rules.yaml",
}

func TestChartCarriesConfigsFiles(t *testing.T) {
	for inChart, inConfig := range copies {
		want := readFile(t, filepath.Join(repoRoot(), inConfig))
		path := filepath.Join(chartDir(), inChart)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(readFile(t, path), want) {
			t.Errorf("charts/ecscheck/%s differs from %s: run go test ./hack/tools/helmchart -update (in its module)", inChart, inConfig)
		}
	}
}

// What `helm install` creates and what `kubectl apply -k config/default`
// creates grant the same: one CRD, the same rules for the manager, the
// leader election Role and the aggregated viewer and editor roles.
func TestChartAndConfigRenderTheSameCRDAndRBAC(t *testing.T) {
	kubectl := filepath.Join(binDir(), "kubectl")
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(repoRoot(), "config", "default")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v", err)
	}
	config := objects(t, string(out))
	chart := objects(t, manifest(render(t, "ecscheck", "ecscheck-system", nil)))

	crd := "CustomResourceDefinition/ecsconnectivitychecks.connectivity.ecscheck.dev"
	if config[crd] == nil || !reflect.DeepEqual(config[crd].Object, chart[crd].Object) {
		t.Errorf("the chart's CRD differs from config/'s")
	}
	for chartName, configName := range map[string]string{
		"ClusterRole/ecscheck-manager":  "ClusterRole/ecscheck-manager-role",
		"Role/ecscheck-leader-election": "Role/ecscheck-leader-election-role",
		"ClusterRole/ecscheck-viewer":   "ClusterRole/ecscheck-ecsconnectivitycheck-viewer-role",
		"ClusterRole/ecscheck-editor":   "ClusterRole/ecscheck-ecsconnectivitycheck-editor-role",
	} {
		c, k := chart[chartName], config[configName]
		if c == nil || k == nil {
			t.Errorf("%s (chart) or %s (config) missing", chartName, configName)
			continue
		}
		if !reflect.DeepEqual(c.Object["rules"], k.Object["rules"]) {
			t.Errorf("%s rules %v\ndiffer from %s's %v", chartName, c.Object["rules"], configName, k.Object["rules"])
		}
		for _, label := range []string{"rbac.authorization.k8s.io/aggregate-to-view", "rbac.authorization.k8s.io/aggregate-to-edit"} {
			if c.GetLabels()[label] != k.GetLabels()[label] {
				t.Errorf("%s label %s = %q, config's %q", chartName, label, c.GetLabels()[label], k.GetLabels()[label])
			}
		}
	}
}

// binDir holds kubectl, kube-apiserver and etcd (make tools).
func binDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join(repoRoot(), "bin")
}

// The chart's appVersion is the release config/manager pins (make release
// sets both), so Helm and kustomize users run the same image.
func TestChartAndConfigPinTheSameRelease(t *testing.T) {
	var k struct {
		Images []struct {
			NewName string `json:"newName"`
			NewTag  string `json:"newTag"`
		} `json:"images"`
	}
	if err := yaml.Unmarshal(readFile(t, filepath.Join(repoRoot(), "config", "manager", "kustomization.yaml")), &k); err != nil {
		t.Fatal(err)
	}
	c := loadChart(t)
	if len(k.Images) != 1 || k.Images[0].NewTag != c.Metadata.AppVersion || "v"+c.Metadata.Version != c.Metadata.AppVersion {
		t.Fatalf("config/manager pins %+v, the chart is %s with appVersion %s", k.Images, c.Metadata.Version, c.Metadata.AppVersion)
	}
}
