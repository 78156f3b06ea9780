package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// bench is one mode's world: the fake AWS, the control plane, a client of
// it and the controller against both.
type bench struct {
	o        options
	mode     string
	progress io.Writer
	aws      *fakeaws.Server
	env      *testenv.Env
	client   client.Client
	// view is a watch of the checks: reading Ready and probe times from
	// it, not from a List of thousands of checks every few seconds, keeps
	// the benchmark's own load on the API server small.
	view    cache.Cache
	ctrl    *controller
	logPath string
	rssMax  atomic.Int64
}

func (b *bench) say(format string, args ...any) {
	fmt.Fprintf(b.progress, "[%s %s] %s\n", time.Now().Format("15:04:05"), b.mode, fmt.Sprintf(format, args...))
}

// runMode brings a fresh world up, measures and tears everything down.
func runMode(ctx context.Context, o options, mode string, deadline time.Time, progress io.Writer) (result, error) {
	b := &bench{o: o, mode: mode, progress: progress}
	defer b.stop()
	if err := b.start(ctx); err != nil {
		return result{}, err
	}
	r, err := b.measure(ctx, deadline)
	if err != nil {
		err = fmt.Errorf("%w (controller log: %s)", err, b.logPath)
	}
	return r, err
}

// start starts the fake, the control plane and the controller, as
// hack/sandbox does.
func (b *bench) start(ctx context.Context) error {
	dir := filepath.Join(b.o.dir, b.mode)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var err error
	if b.aws, err = fakeaws.New(world(b.o.identities)); err != nil {
		return fmt.Errorf("building the fake AWS: %w", err)
	}
	if b.o.latency > 0 {
		b.aws.SetFault("*", latencyFault(b.o.latency))
	}
	if err := b.aws.Start("127.0.0.1:0"); err != nil {
		return err
	}
	b.say("starting kube-apiserver and etcd")
	if b.env, err = testenv.Start(); err != nil {
		return err
	}
	// The benchmark's own client is not rate-limited on the client side,
	// so applying and listing a thousand checks measures the controller,
	// not client-go's default 5 QPS.
	cfg := rest.CopyConfig(b.env.Config)
	cfg.QPS, cfg.Burst = 500, 1000
	if b.client, err = client.New(cfg, client.Options{Scheme: b.env.Scheme}); err != nil {
		return err
	}
	if err := b.watchChecks(ctx, cfg); err != nil {
		return err
	}
	user, err := b.env.AddUser(envtest.User{Name: "bench-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		return err
	}

	args, err := b.controllerArgs(ctx)
	if err != nil {
		return err
	}
	b.logPath = filepath.Join(dir, "controller.log")
	log, err := os.Create(b.logPath)
	if err != nil {
		return err
	}
	defer log.Close() // the child holds its own descriptor
	b.say("starting %s %s (log: %s)", b.o.controller, strings.Join(args, " "), b.logPath)
	b.ctrl, err = startController(b.o.controller, args, []string{
		"KUBECONFIG=" + kubeconfigPath,
		"AWS_ENDPOINT_URL=" + b.aws.URL(),
		"AWS_ACCESS_KEY_ID=" + controllerCredential.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + controllerCredential.SecretAccessKey,
		"AWS_REGION=" + benchRegion,
		"AWS_EC2_METADATA_DISABLED=true",
	}, log)
	if err != nil {
		return err
	}
	go b.sampleRSS()
	return b.waitForWorkers(ctx)
}

// watchChecks starts b.view, for the rest of the run.
func (b *bench) watchChecks(ctx context.Context, cfg *rest.Config) error {
	var err error
	b.view, err = cache.New(cfg, cache.Options{Scheme: b.env.Scheme, DefaultTransform: cache.TransformStripManagedFields(),
		DefaultNamespaces: map[string]cache.Config{benchNamespace: {}}})
	if err != nil {
		return err
	}
	if _, err := b.view.GetInformer(ctx, &v1alpha1.ECSConnectivityCheck{}); err != nil {
		return err
	}
	go func() {
		if err := b.view.Start(ctx); err != nil {
			b.say("watching the checks: %v", err)
		}
	}()
	if !b.view.WaitForCacheSync(ctx) {
		return fmt.Errorf("the watch of the checks did not sync")
	}
	return nil
}

// controllerArgs are the flags to pass, each only when the binary has it.
func (b *bench) controllerArgs(ctx context.Context) ([]string, error) {
	want := [][2]string{
		{"metrics-bind-address", "0"},
		{"health-probe-bind-address", "0"},
		{"default-region", benchRegion},
	}
	if b.mode == modePerCheck {
		want = append(want, [2]string{"pool-per-check", "true"})
	}
	var args []string
	for _, f := range want {
		ok, err := flagSupported(ctx, b.o.controller, f[0], f[1])
		if err != nil {
			return nil, err
		}
		if !ok {
			b.say("the controller has no --%s flag; not passing it", f[0])
			continue
		}
		args = append(args, "--"+f[0]+"="+f[1])
	}
	return append(args, b.o.extra...), nil
}

// waitForWorkers waits until the controller's workers run (controller-
// runtime logs "Starting workers"), so that apply → Ready measures the
// controller at work, not its start-up. Past 30 s it goes on regardless.
func (b *bench) waitForWorkers(ctx context.Context) error {
	limit := time.Now().Add(30 * time.Second)
	for time.Now().Before(limit) {
		if log, _ := os.ReadFile(b.logPath); strings.Contains(string(log), "Starting workers") {
			return nil
		}
		if err := b.sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	b.say("no \"Starting workers\" in the controller log after 30 s; going on")
	return nil
}

// sampleRSS keeps the largest VmRSS seen until the controller exits.
func (b *bench) sampleRSS() {
	pid := b.ctrl.cmd.Process.Pid
	for {
		if v, err := rssBytes(pid); err == nil && v > b.rssMax.Load() {
			b.rssMax.Store(v)
		}
		select {
		case <-b.ctrl.exited:
			return
		case <-time.After(time.Second):
		}
	}
}

// sleep waits d, or fails when the run is cancelled or the controller
// exits.
func (b *bench) sleep(ctx context.Context, d time.Duration) error {
	return b.sleepUntil(ctx, time.Now().Add(d))
}

func (b *bench) sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-b.ctrl.exited:
		return b.ctrl.exitError()
	case <-time.After(time.Until(t)):
		return nil
	}
}

// stop tears down in reverse order of start.
func (b *bench) stop() {
	if b.ctrl != nil {
		b.ctrl.stop()
	}
	if b.env != nil {
		if err := b.env.Stop(); err != nil {
			b.say("stopping the control plane: %v", err)
		}
	}
	if b.aws != nil {
		b.aws.Close()
	}
}

// measure is the timeline of one mode: apply; wait for every check to be
// Ready and for the first interval to pass; the measured intervals; one new
// check on a warm identity.
func (b *bench) measure(ctx context.Context, deadline time.Time) (result, error) {
	o, r := b.o, result{mode: b.mode}
	// The warm-up ends early enough for the measured intervals, the new
	// check and the shutdown to fit before the deadline.
	warmDeadline := deadline.Add(-time.Duration(o.intervals)*o.interval - warmAllowance - startSlack/2)

	b.aws.ResetCalls()
	t0 := time.Now()
	if err := applyChecks(ctx, b.client, o.checks, o.identities, o.targets, o.interval); err != nil {
		return r, err
	}
	b.say("applied %d checks in %s; waiting for Ready (until %s at most)", o.checks, time.Since(t0).Round(time.Millisecond), warmDeadline.Format("15:04:05"))

	// The fake's counters at the end of the first interval after the apply.
	firstEnd := t0.Add(o.interval)
	firstC := make(chan map[string]int, 1)
	timer := time.AfterFunc(time.Until(firstEnd), func() { firstC <- b.aws.Calls() })
	defer timer.Stop()
	for {
		checks, err := listChecks(ctx, b.view)
		if err != nil {
			return r, err
		}
		r.ready, r.allReady = countReady(checks), time.Since(t0)
		if r.ready == o.checks || time.Now().After(warmDeadline) {
			break
		}
		if err := b.sleep(ctx, 2*time.Second); err != nil {
			return r, err
		}
	}
	switch {
	case r.ready == 0:
		return r, fmt.Errorf("no check became Ready within %s of the apply", r.allReady.Round(time.Second))
	case r.ready < o.checks:
		b.say("only %d/%d checks Ready after %s; measuring anyway", r.ready, o.checks, r.allReady.Round(time.Second))
	default:
		b.say("all %d checks Ready %s after the apply", o.checks, r.allReady.Round(100*time.Millisecond))
	}
	var first map[string]int
	select {
	case first = <-firstC:
	case <-ctx.Done():
		return r, ctx.Err()
	case <-b.ctrl.exited:
		return r, b.ctrl.exitError()
	}
	r.execFirst = first["ecs:ExecuteCommand"]

	if err := b.steady(ctx, &r); err != nil {
		return r, err
	}
	if err := b.newCheck(ctx, &r); err != nil {
		return r, err
	}
	r.rssMaxBytes = b.rssMax.Load()
	r.probeTasks = runningProbeTasks(b.aws.State())
	return r, nil
}

// steady measures o.intervals intervals: AWS calls by operation, the
// controller's CPU, and the share of overdue checks at the end of each.
func (b *bench) steady(ctx context.Context, r *result) error {
	o, pid := b.o, b.ctrl.cmd.Process.Pid
	b.say("measuring %d interval(s) of %s", o.intervals, o.interval)
	tS, calls0 := time.Now(), b.aws.Calls()
	cpu0, err := cpuTime(pid)
	if err != nil {
		return err
	}
	prev, calls1 := calls0, calls0
	var cpu1, wall time.Duration
	for k := 1; k <= o.intervals; k++ {
		end := tS.Add(time.Duration(k) * o.interval)
		if err := b.sleepUntil(ctx, end); err != nil {
			return err
		}
		calls := b.aws.Calls()
		if k == o.intervals {
			calls1, wall = calls, time.Since(tS)
			if cpu1, err = cpuTime(pid); err != nil {
				return err
			}
		}
		checks, err := listChecks(ctx, b.view)
		if err != nil {
			return err
		}
		share := overdueShare(time.Now(), lastProbes(checks), o.interval)
		r.overdue = max(r.overdue, share)
		b.say("interval %d/%d: %.0f AWS calls, %.1f%% of checks overdue", k, o.intervals, total(callsPerInterval(prev, calls, 1)), 100*share)
		prev = calls
	}
	r.perInterval = callsPerInterval(calls0, calls1, o.intervals)
	r.cpu = float64(cpu1-cpu0) / float64(wall)
	return nil
}

// newCheck applies one more check on identity 0, whose probe is warm, and
// times it to Ready.
func (b *bench) newCheck(ctx context.Context, r *result) error {
	c := newCheck("warm-new", 0, b.o.targets, b.o.interval)
	t0 := time.Now()
	if err := b.client.Create(ctx, c); err != nil {
		return fmt.Errorf("creating the new check: %w", err)
	}
	limit := t0.Add(warmAllowance)
	for {
		if err := b.view.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		r.warmReady = time.Since(t0)
		if isReady(c) {
			b.say("a new check on a warm identity was Ready %s after its apply", r.warmReady.Round(10*time.Millisecond))
			return nil
		}
		if time.Now().After(limit) {
			r.warmTimedOut = true
			b.say("a new check on a warm identity was not Ready after %s", warmAllowance)
			return nil
		}
		if err := b.sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// runningProbeTasks counts the probe tasks the controller started
// (startedBy ecscheck-<poolKey>, DESIGN 3.2) that still run.
func runningProbeTasks(st *fakeaws.Scenario) int {
	n := 0
	for _, a := range st.Accounts {
		for _, t := range a.Tasks {
			if strings.HasPrefix(t.StartedBy, "ecscheck") && t.LastStatus == "RUNNING" {
				n++
			}
		}
	}
	return n
}
