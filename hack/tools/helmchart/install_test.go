package helmchart_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// A control plane with nothing installed: the chart brings the CRD.
func startAPIServer(t *testing.T) (kubeconfig string, c client.Client) {
	t.Helper()
	env := &envtest.Environment{BinaryAssetsDirectory: binDir()}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting kube-apiserver and etcd from %s: %v", binDir(), err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, data, 0o600); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = apiextensionsv1.AddToScheme(scheme)
	c, err = client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return kubeconfig, c
}

// install is `helm install --create-namespace`, against the API server.
func install(t *testing.T, kubeconfig, name, namespace string, values map[string]any) {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &kubeconfig, &namespace
	cfg := &action.Configuration{}
	if err := cfg.Init(flags, namespace, "secret", t.Logf); err != nil {
		t.Fatal(err)
	}
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace, in.CreateNamespace = name, namespace, true
	if _, err := in.Run(loadChart(t), values); err != nil {
		t.Fatalf("helm install %s: %v", name, err)
	}
}

// Installed into the real kube-apiserver with the default values, then a
// second shard beside it with the non-default ones (the Prometheus
// Operator's kinds left out: this API server has no such CRDs): every
// object is accepted, the CRD serves checks, and the two releases do not
// collide on any cluster-scoped name.
func TestInstallIntoTheAPIServer(t *testing.T) {
	kubeconfig, c := startAPIServer(t)
	ctx := context.Background()

	install(t, kubeconfig, "ecscheck", "ecscheck-system", nil)
	var crd apiextensionsv1.CustomResourceDefinition
	if err := c.Get(ctx, client.ObjectKey{Name: "ecsconnectivitychecks.connectivity.ecscheck.dev"}, &crd); err != nil {
		t.Fatalf("the chart did not install the CRD: %v", err)
	}
	var d appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: "ecscheck-system", Name: "ecscheck"}, &d); err != nil {
		t.Fatal(err)
	}

	shard := nonDefault()
	metrics := shard["metrics"].(map[string]any)
	metrics["serviceMonitor"].(map[string]any)["enabled"] = false
	metrics["prometheusRule"].(map[string]any)["enabled"] = false
	install(t, kubeconfig, "shard-b", "ecscheck-system", shard)
	if err := c.Get(ctx, client.ObjectKey{Namespace: "ecscheck-system", Name: "shard-b-ecscheck"}, &d); err != nil {
		t.Fatal(err)
	}

	// The CRD is established: a check can be created (eventually, as the
	// API server starts serving the new resource).
	check := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "connectivity.ecscheck.dev/v1alpha1",
		"kind":       "ECSConnectivityCheck",
		"metadata":   map[string]any{"name": "orders-api", "namespace": "ecscheck-system", "labels": map[string]any{"ecscheck.dev/shard": "b"}},
		"spec": map[string]any{
			"cluster": "prod", "service": "orders-api",
			"targets": []any{map[string]any{"name": "sns", "tcp": map[string]any{"host": "sns.ap-northeast-1.amazonaws.com", "port": int64(443)}}},
		},
	}}
	var err error
	for i := 0; i < 50; i++ {
		if err = c.Create(ctx, check); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("creating a check after helm install: %v", err)
}
