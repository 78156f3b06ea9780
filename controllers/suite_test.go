package controllers_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

var (
	env    *testenv.Env
	prober = &scriptedProber{}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	testenv.SetLogger()
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The real factory with static credentials: it builds SDK clients without
	// calling AWS, which the scripted prober never does.
	aws, err := awsclient.NewFactory(ctx, awsclient.Options{
		DefaultRegion: "ap-northeast-1",
		ConfigOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r := &controllers.ECSConnectivityCheckReconciler{
		Client: mgr.GetClient(),
		AWS:    aws,
		Prober: prober,
		Events: mgr.GetEventRecorder("ecscheck"),
		Clock:  clock.RealClock{},
	}
	if err := r.SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: 2, SkipNameValidation: ptr(true)}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	code := m.Run()
	cancel()
	<-done
	return code
}

func ptr[T any](v T) *T { return &v }

// scriptedProber stands in for the probe step (internal/probe has its own
// end-to-end tests against the fake AWS): per check name, a function that
// decides the outcome, and a record of calls by namespace/name.
type scriptedProber struct {
	mu       sync.Mutex
	scripts  map[string]func(run bool) *controllers.ProbeOutcome
	runs     map[string]int
	calls    map[string]int
	released map[string]int
	left     map[string]int
}

func (p *scriptedProber) script(name string, f func(run bool) *controllers.ProbeOutcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.scripts == nil {
		p.scripts, p.runs, p.calls, p.released = map[string]func(bool) *controllers.ProbeOutcome{}, map[string]int{}, map[string]int{}, map[string]int{}
	}
	p.scripts[name] = f
}

func (p *scriptedProber) Probe(_ context.Context, _ *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck, run bool) (*controllers.ProbeOutcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := check.Namespace + "/" + check.Name
	p.calls[key]++
	f := p.scripts[check.Name]
	if f == nil {
		return &controllers.ProbeOutcome{Phase: controllers.ProbeStarting, Reason: v1alpha1.ReasonProbeStarting, Message: "no script"}, nil
	}
	o := f(run)
	if o.Ran {
		p.runs[key]++
	}
	return o, nil
}

func (p *scriptedProber) Release(_ context.Context, _ *awsclient.Clients, check *v1alpha1.ECSConnectivityCheck) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.released[check.Namespace+"/"+check.Name]++
	return nil
}

func (p *scriptedProber) Leave(_ context.Context, check *v1alpha1.ECSConnectivityCheck) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left == nil {
		p.left = map[string]int{}
	}
	p.left[check.Namespace+"/"+check.Name]++
	return nil
}

func (p *scriptedProber) count(m *map[string]int, ns, name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return (*m)[ns+"/"+name]
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last seen: %s", what, last)
}

func newNamespace(t *testing.T, annotations map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-", Annotations: annotations}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func get(t *testing.T, ns, name string) *v1alpha1.ECSConnectivityCheck {
	t.Helper()
	c := &v1alpha1.ECSConnectivityCheck{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, c); err != nil {
		t.Fatal(err)
	}
	return c
}
