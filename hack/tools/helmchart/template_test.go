package helmchart_test

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func container(t *testing.T, objs map[string]*unstructured.Unstructured, deployment string) (image string, args []string, env []any) {
	t.Helper()
	d := objs["Deployment/"+deployment]
	if d == nil {
		t.Fatalf("no Deployment %s among %v", deployment, keys(objs))
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	c := containers[0].(map[string]any)
	for _, a := range c["args"].([]any) {
		args = append(args, a.(string))
	}
	env, _ = c["env"].([]any)
	return c["image"].(string), args, env
}

func keys(objs map[string]*unstructured.Unstructured) []string {
	var out []string
	for k := range objs {
		out = append(out, k)
	}
	return out
}

func TestTemplateDefaults(t *testing.T) {
	rel := render(t, "ecscheck", "ecscheck-system", nil)
	objs := objects(t, rel.Manifest)
	image, args, env := container(t, objs, "ecscheck")
	if image != "ghcr.io/ecscheck/ecscheck:"+rel.Chart.Metadata.AppVersion || strings.HasSuffix(image, ":latest") {
		t.Errorf("image %q, want the chart's appVersion %s", image, rel.Chart.Metadata.AppVersion)
	}
	want := []string{"--leader-elect", "--leader-election-namespace=ecscheck-system", "--metrics-bind-address=:8443", "--metrics-secure=true", "--health-probe-bind-address=:8081", "--max-concurrent-reconciles=10", "--probe-max-age=24h"}
	if strings.Join(args, " ") != strings.Join(want, " ") {
		t.Errorf("args %q, want %q", args, want)
	}
	if env != nil {
		t.Errorf("env %v, want none", env)
	}
	for _, absent := range []string{"ServiceMonitor/ecscheck-metrics", "PrometheusRule/ecscheck-alerts"} {
		if objs[absent] != nil {
			t.Errorf("%s rendered by default", absent)
		}
	}
	for _, present := range []string{"ServiceAccount/ecscheck", "ClusterRole/ecscheck-manager", "ClusterRoleBinding/ecscheck-manager", "Role/ecscheck-leader-election", "RoleBinding/ecscheck-leader-election", "Service/ecscheck-metrics", "ClusterRole/ecscheck-viewer", "ClusterRole/ecscheck-editor"} {
		if objs[present] == nil {
			t.Errorf("%s missing; rendered %v", present, keys(objs))
		}
	}
	if a := objs["ServiceAccount/ecscheck"].GetAnnotations(); len(a) != 0 {
		t.Errorf("ServiceAccount annotations %v by default", a)
	}
	if len(rel.Chart.CRDObjects()) != 1 {
		t.Errorf("chart has %d CRDs in crds/", len(rel.Chart.CRDObjects()))
	}
}

func TestTemplateNonDefaults(t *testing.T) {
	rel := render(t, "shard-b", "ecscheck-system", nonDefault())
	objs := objects(t, rel.Manifest)
	image, args, env := container(t, objs, "shard-b-ecscheck")
	if image != "ghcr.io/ecscheck/ecscheck@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" {
		t.Errorf("image %q, want the digest", image)
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{
		"--leader-election-namespace=kube-system",
		"--metrics-bind-address=:8443", "--metrics-secure=true",
		"--probe-image=123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/ecr-public/aws-cli/aws-cli:2.27.49",
		"--allowed-probe-images=123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/ecr-public/aws-cli/aws-cli:2.27.50,public.ecr.aws/aws-cli/aws-cli:2.27.49",
		"--watch-label-selector=ecscheck.dev/shard=b",
		"--policy-reports",
	} {
		if !strings.Contains(" "+joined+" ", " "+want+" ") {
			t.Errorf("args lack %s: %q", want, args)
		}
	}
	if len(env) != 1 || env[0].(map[string]any)["value"] != "ap-northeast-1" {
		t.Errorf("env %v, want AWS_REGION", env)
	}
	if a := objs["ServiceAccount/shard-b-ecscheck"].GetAnnotations()["eks.amazonaws.com/role-arn"]; a != "arn:aws:iam::123456789012:role/ecscheck" {
		t.Errorf("IRSA annotation %q", a)
	}
	if ns := objs["Role/shard-b-ecscheck-leader-election"].GetNamespace(); ns != "kube-system" {
		t.Errorf("leader election Role in %q, want kube-system", ns)
	}
	sm := objs["ServiceMonitor/shard-b-ecscheck-metrics"]
	if sm == nil {
		t.Fatalf("no ServiceMonitor; rendered %v", keys(objs))
	}
	endpoint := sm.Object["spec"].(map[string]any)["endpoints"].([]any)[0].(map[string]any)
	if endpoint["scheme"] != "https" || endpoint["honorLabels"] != true || sm.Object["spec"].(map[string]any)["jobLabel"] != "app.kubernetes.io/name" {
		t.Errorf("ServiceMonitor %v", sm.Object["spec"])
	}
	if sm.GetLabels()["release"] != "kube-prometheus-stack" {
		t.Errorf("ServiceMonitor labels %v", sm.GetLabels())
	}
	for _, present := range []string{"PrometheusRule/shard-b-ecscheck-alerts", "ClusterRole/shard-b-ecscheck-metrics-reader"} {
		if objs[present] == nil {
			t.Errorf("%s missing", present)
		}
	}
	if replicas, _, _ := unstructured.NestedFieldNoCopy(objs["Deployment/shard-b-ecscheck"].Object, "spec", "replicas"); fmt.Sprint(replicas) != "3" {
		t.Errorf("replicas %v", replicas)
	}
	if !strings.Contains(rel.Manifest, "memory: 512Mi") {
		t.Error("resources not applied")
	}
}

// Without IRSA, Pod Identity leaves the ServiceAccount unannotated.
func TestPodIdentityNeedsNoAnnotation(t *testing.T) {
	rel := render(t, "ecscheck", "ecscheck-system", map[string]any{"aws": map[string]any{"podIdentity": true, "roleArn": "arn:aws:iam::123456789012:role/ecscheck"}})
	if a := objects(t, rel.Manifest)["ServiceAccount/ecscheck"].GetAnnotations(); len(a) != 0 {
		t.Errorf("annotations %v with Pod Identity", a)
	}
}
