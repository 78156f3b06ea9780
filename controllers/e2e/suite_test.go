// Package e2e runs the controller end to end: a real kube-apiserver and etcd,
// the real reconciler, probe manager and diagnoser, and the real AWS SDK
// talking HTTP to the fake AWS, whose ECS Exec agent answers the probe.
package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
	"github.com/ecscheck/ecscheck/internal/metrics"
	"github.com/ecscheck/ecscheck/internal/probe"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.SetLogger()
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// world is one test's fake AWS and the controller running against it.
type world struct {
	t   *testing.T
	aws *fakeaws.Server
	ns  string
	// tenants are more namespaces this world's controller watches.
	tenants []string
	// registry holds the probe metrics of this world's controllers (one
	// recorder across restarts), for tests to gather.
	registry *prometheus.Registry
	recorder *metrics.Recorder
	// stop stops the controller; restart starts a new one, as after a crash.
	stop func()
	// configure, when set, changes the controller's Config (its flags).
	configure func(*controllers.Config)
}

// newWorld starts the fake AWS with the sandbox's demo scenario (the four
// seed situations), changed by edit, and a controller against it.
func newWorld(t *testing.T, edit func(*fakeaws.Scenario)) *world {
	t.Helper()
	return newTenantWorld(t, edit, nil)
}

// newTenantWorld is newWorld with more namespaces, each with the
// annotations given, watched by the same controller.
func newTenantWorld(t *testing.T, edit func(*fakeaws.Scenario), tenants []map[string]string) *world {
	t.Helper()
	srv := testenv.DemoAWS(t, edit)

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, aws: srv, ns: ns.Name, registry: prometheus.NewRegistry()}
	for _, annotations := range tenants {
		tn := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenant-", Annotations: annotations}}
		if err := env.Client.Create(context.Background(), tn); err != nil {
			t.Fatal(err)
		}
		w.tenants = append(w.tenants, tn.Name)
	}
	var err error
	if w.recorder, err = metrics.NewRecorder(w.registry, metrics.Options{}); err != nil {
		t.Fatal(err)
	}
	w.start()
	t.Cleanup(func() { w.stop() })
	return w
}

// start runs a controller with fresh in-memory state, as a new process would.
func (w *world) start() {
	t := w.t
	ctx, cancel := context.WithCancel(context.Background())
	factory, err := awsclient.NewFactory(ctx, awsclient.Options{
		DefaultRegion: "ap-northeast-1",
		ConfigOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDECSCHECKDEMO", "demo-secret", "")),
			config.WithBaseEndpoint(w.aws.URL()),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache:   cacheFor(append([]string{w.ns}, w.tenants...)...),
	})
	if err != nil {
		t.Fatal(err)
	}
	skip := true
	cfg := controllers.Config{
		AWS: factory,
		Probe: probe.Options{
			RunTaskBackoff: probe.Backoff{Initial: 200 * time.Millisecond, Max: time.Second, Attempts: 3},
			Metrics:        w.recorder,
		},
		Controller: controller.Options{MaxConcurrentReconciles: 4, SkipNameValidation: &skip},
	}
	if w.configure != nil {
		w.configure(&cfg)
	}
	if err := controllers.Setup(mgr, cfg); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	w.stop = func() {
		cancel()
		<-done
	}
}

// restart stops the controller and starts a new one with no memory.
func (w *world) restart() {
	w.stop()
	w.start()
}

func (w *world) create(c *v1alpha1.ECSConnectivityCheck) {
	w.t.Helper()
	c.Namespace = w.ns
	if err := env.Client.Create(context.Background(), c); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) get(name string) *v1alpha1.ECSConnectivityCheck {
	w.t.Helper()
	c := &v1alpha1.ECSConnectivityCheck{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: name}, c); err != nil {
		w.t.Fatal(err)
	}
	return c
}

// probeNow asks for an immediate run, as a user would with kubectl annotate.
func (w *world) probeNow(name string) {
	w.t.Helper()
	c := w.get(name)
	patch := client.MergeFrom(c.DeepCopy())
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[v1alpha1.ProbeNowAnnotation] = time.Now().Format(time.RFC3339Nano)
	if err := env.Client.Patch(context.Background(), c, patch); err != nil {
		w.t.Fatal(err)
	}
}

// waitFor polls a check until cond holds.
func (w *world) waitFor(name, what string, cond func(*v1alpha1.ECSConnectivityCheck) bool) *v1alpha1.ECSConnectivityCheck {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var c *v1alpha1.ECSConnectivityCheck
	for time.Now().Before(deadline) {
		c = w.get(name)
		if cond(c) {
			return c
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.t.Fatalf("%s: timed out waiting for %s; status:\n%s", name, what, describe(c))
	return nil
}

func ready(status metav1.ConditionStatus, reason string) func(*v1alpha1.ECSConnectivityCheck) bool {
	return func(c *v1alpha1.ECSConnectivityCheck) bool {
		r := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionReady)
		return r != nil && r.Status == status && r.Reason == reason && r.ObservedGeneration == c.Generation
	}
}

func condition(c *v1alpha1.ECSConnectivityCheck, typ string) metav1.Condition {
	if x := meta.FindStatusCondition(c.Status.Conditions, typ); x != nil {
		return *x
	}
	return metav1.Condition{}
}

func target(c *v1alpha1.ECSConnectivityCheck, name string) v1alpha1.TargetStatus {
	for _, t := range c.Status.Targets {
		if t.Name == name {
			return t
		}
	}
	return v1alpha1.TargetStatus{}
}

func describe(c *v1alpha1.ECSConnectivityCheck) string {
	if c == nil {
		return "<none>"
	}
	s := fmt.Sprintf("summary=%s probe=%+v\n", c.Status.Summary, c.Status.Probe)
	for _, x := range c.Status.Conditions {
		s += fmt.Sprintf("  %s=%s %s: %s\n", x.Type, x.Status, x.Reason, x.Message)
	}
	for _, t := range c.Status.Targets {
		s += fmt.Sprintf("  target %s: %s asExpected=%v %s: %s findings=%v\n", t.Name, t.Result, t.AsExpected, t.Reason, t.Message, t.Findings)
	}
	for _, f := range c.Status.Findings {
		s += fmt.Sprintf("  finding %s %s: %s\n", f.Code, f.Resource, f.Message)
	}
	return s
}
