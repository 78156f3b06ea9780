// Package helmchart_test lints, renders and installs charts/ecscheck with
// Helm's Go SDK: the real Helm template engine and install action, against
// the real kube-apiserver of the tests.
package helmchart_test

import (
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "copy the CRD, the manager role and the alert rules from config/ into the chart")

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

func chartDir() string { return filepath.Join(repoRoot(), "charts", "ecscheck") }

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nonDefault sets every value a platform team would: IRSA, a mirrored probe
// image, an allowlist, a shard, leader election elsewhere, secure metrics
// with a ServiceMonitor and the alerts, PolicyReports, a pinned digest.
func nonDefault() map[string]any {
	return map[string]any{
		"image":          map[string]any{"digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		"replicaCount":   3,
		"aws":            map[string]any{"region": "ap-northeast-1", "roleArn": "arn:aws:iam::123456789012:role/ecscheck"},
		"probe":          map[string]any{"image": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/ecr-public/aws-cli/aws-cli:2.27.49", "allowedImages": []any{"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/ecr-public/aws-cli/aws-cli:2.27.50", "public.ecr.aws/aws-cli/aws-cli:2.27.49"}},
		"leaderElection": map[string]any{"namespace": "kube-system"},
		"sharding":       map[string]any{"watchLabelSelector": "ecscheck.dev/shard=b"},
		"policyReports":  true,
		"metrics": map[string]any{
			"secure":         true,
			"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "kube-prometheus-stack"}},
			"prometheusRule": map[string]any{"enabled": true},
		},
		"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}, "limits": map[string]any{"memory": "512Mi"}},
	}
}

// render is `helm template`: a client-only dry-run install.
func render(t *testing.T, name, namespace string, values map[string]any) *release.Release {
	t.Helper()
	cfg := &action.Configuration{
		Releases:     storage.Init(driver.NewMemory()),
		KubeClient:   nil,
		Capabilities: chartutil.DefaultCapabilities,
		Log:          t.Logf,
	}
	install := action.NewInstall(cfg)
	install.DryRun, install.ClientOnly = true, true
	install.ReleaseName, install.Namespace = name, namespace
	install.KubeVersion = &chartutil.KubeVersion{Version: "v1.37.0", Major: "1", Minor: "37"}
	rel, err := install.Run(loadChart(t), values)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	return rel
}

// objects splits a rendered manifest into its objects, keyed kind/name.
func objects(t *testing.T, manifest string) map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]*unstructured.Unstructured{}
	for _, doc := range strings.Split(manifest, "\n---") {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			t.Fatalf("%v in:\n%s", err, doc)
		}
		if len(obj.Object) == 0 {
			continue
		}
		out[obj.GetKind()+"/"+obj.GetName()] = obj
	}
	return out
}

// manifest is what the release installs, CRDs first (as Helm applies them).
func manifest(rel *release.Release) string {
	var b strings.Builder
	for _, crd := range rel.Chart.CRDObjects() {
		b.Write(crd.File.Data)
		b.WriteString("\n---\n")
	}
	b.WriteString(rel.Manifest)
	return b.String()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
