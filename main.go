// Command ecscheck is the ECSConnectivityCheck controller: it verifies what
// Amazon ECS services can reach by running probes inside ECS tasks.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/smithy-go/middleware"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/cli"
	"github.com/ecscheck/ecscheck/internal/metrics"
	"github.com/ecscheck/ecscheck/internal/probe"
	"github.com/ecscheck/ecscheck/internal/version"
)

type options struct {
	metricsAddr             string
	metricsSecure           bool
	metricsCertDir          string
	allowedProbeImages      string
	probeAddr               string
	leaderElect             bool
	defaultRegion           string
	probeImage              string
	maxConcurrentReconciles int
	probeMaxAge             time.Duration
	poolPerCheck            bool
	kubeAPIQPS              float64
	kubeAPIBurst            int
	pprofAddr               string
	zap                     zap.Options
	// Release and sharding (issue 13).
	printVersion            bool
	watchLabelSelector      string
	leaderElectionNamespace string
	policyReports           bool
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("ecscheck", flag.ContinueOnError)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8443", "Address the metrics endpoint binds to; 0 disables it.")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", true, "Serve metrics over HTTPS to Kubernetes-authenticated clients allowed to get /metrics; false serves plain HTTP to anyone (local runs only).")
	fs.StringVar(&o.metricsCertDir, "metrics-cert-dir", "", "Directory with tls.crt and tls.key for the metrics endpoint, reloaded when they change; default a self-signed certificate.")
	fs.StringVar(&o.allowedProbeImages, "allowed-probe-images", "", "Comma-separated probe images, besides --probe-image, that checks in every namespace may run (exact references).")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address the health and readiness probes bind to.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader, so that only one replica reconciles at a time.")
	fs.StringVar(&o.defaultRegion, "default-region", "", "AWS region of checks that name none; default the AWS configuration's.")
	fs.StringVar(&o.probeImage, "probe-image", probe.DefaultImage, "Image of probe tasks unless a check names one.")
	// Reconciles wait on the API server, not the CPU: ten keep a burst of
	// new checks from reaching their pools one slow step at a time.
	fs.IntVar(&o.maxConcurrentReconciles, "max-concurrent-reconciles", 10, "Checks reconciled in parallel.")
	fs.DurationVar(&o.probeMaxAge, "probe-max-age", 24*time.Hour, "Probe tasks older than this are replaced.")
	// The per-check baseline of make bench-scale: every check its own pool.
	fs.BoolVar(&o.poolPerCheck, "pool-per-check", false, "Give every check a probe pool of its own (benchmark baseline; costs one task and one session per check).")
	// Every check writes its status after each run of its pool: 5000
	// checks at a 60s interval are 83 writes a second in steady state, and
	// a bulk apply about five requests per new check. At 100 the limiter,
	// not the API server, made status late (make bench-scale).
	fs.Float64Var(&o.kubeAPIQPS, "kube-api-qps", 200, "Requests per second the controller may send the Kubernetes API server.")
	fs.IntVar(&o.kubeAPIBurst, "kube-api-burst", 400, "Requests the controller may send the Kubernetes API server in a burst.")
	fs.StringVar(&o.pprofAddr, "pprof-bind-address", "0", "Address Go's pprof endpoints bind to (e.g. 127.0.0.1:6060); 0 disables them.")
	fs.BoolVar(&o.printVersion, "version", false, "Print the version and exit.")
	fs.StringVar(&o.watchLabelSelector, "watch-label-selector", "", "Reconcile only the checks with these labels (a label selector, e.g. shard=a), so that several controllers split the checks.")
	fs.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election Lease; default the pod's namespace (required outside a cluster).")
	fs.BoolVar(&o.policyReports, "policy-reports", false, "Keep a wgpolicyk8s.io/v1alpha2 PolicyReport per namespace summarising its checks (needs the PolicyReport CRD).")
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.maxConcurrentReconciles < 1 {
		return nil, fmt.Errorf("--max-concurrent-reconciles must be at least 1, got %d", o.maxConcurrentReconciles)
	}
	if o.kubeAPIQPS <= 0 || o.kubeAPIBurst < 1 {
		return nil, fmt.Errorf("--kube-api-qps and --kube-api-burst must be positive, got %v and %d", o.kubeAPIQPS, o.kubeAPIBurst)
	}
	if o.probeMaxAge < time.Minute {
		return nil, fmt.Errorf("--probe-max-age must be at least 1m, got %s", o.probeMaxAge)
	}
	if _, err := labels.Parse(o.watchLabelSelector); err != nil {
		return nil, fmt.Errorf("--watch-label-selector: %w", err)
	}
	return o, nil
}

func main() {
	// ecscheck run|diagnose|suggest: the CLI (internal/cli); anything else
	// runs the controller.
	if len(os.Args) > 1 && cli.IsCommand(os.Args[1]) {
		os.Exit(cli.Main(os.Args[1:]))
	}
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if o.printVersion {
		fmt.Println(version.String())
		return
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	if tuneGC() {
		ctrl.Log.WithName("setup").V(1).Info("GC percent set; GOGC overrides it", "percent", gcPercent)
	}
	if soft := softMemoryLimit("/sys/fs/cgroup"); soft > 0 {
		ctrl.Log.WithName("setup").Info("soft memory limit: 90% of the container's", "bytes", soft)
	}
	if err := run(ctrl.SetupSignalHandler(), o); err != nil {
		ctrl.Log.Error(err, "controller stopped")
		os.Exit(1)
	}
}

func run(ctx context.Context, o *options) error {
	log := ctrl.Log.WithName("setup")
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))

	restConfig := ctrl.GetConfigOrDie()
	// Every check writes its status after each run of its pool: the
	// client's rate limit, not AWS, bounds how fast a thousand checks
	// applied at once join their pools.
	restConfig.QPS, restConfig.Burst = float32(o.kubeAPIQPS), o.kubeAPIBurst
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOptions(o),
		HealthProbeBindAddress:        o.probeAddr,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              leaderElectionID(o.watchLabelSelector),
		LeaderElectionNamespace:       o.leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Cache:                         shardCache(o.watchLabelSelector),
		PprofBindAddress:              o.pprofAddr,
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}

	// Metrics on controller-runtime's registry (served at /metrics): AWS
	// calls through the SDK middleware, checks through their status.
	rec := metrics.Default()
	aws, err := awsclient.NewFactory(ctx, awsclient.Options{
		DefaultRegion: o.defaultRegion,
		APIOptions:    []func(*middleware.Stack) error{rec.AWSMiddleware()},
	})
	if err != nil {
		return err
	}

	if err := controllers.Setup(mgr, controllers.Config{
		AWS:                aws,
		Probe:              probe.Options{DefaultImage: o.probeImage, MaxAge: o.probeMaxAge, Metrics: rec, PoolPerCheck: o.poolPerCheck},
		Controller:         controller.Options{MaxConcurrentReconciles: o.maxConcurrentReconciles},
		AllowedProbeImages: controllers.SplitList(o.allowedProbeImages),
		Shard:              o.watchLabelSelector,
	}); err != nil {
		return err
	}
	if o.policyReports {
		if err := controllers.SetupPolicyReports(mgr, controllers.PolicyReportOptions{Name: policyReportName(o.watchLabelSelector)}); err != nil {
			return err
		}
	}
	if err := mgr.Add(&metrics.CheckWatcher{Informers: mgr.GetCache(), Recorder: rec}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	log.Info("starting manager", "version", version.Version, "shard", o.watchLabelSelector, "probeImage", o.probeImage,
		"allowedProbeImages", o.allowedProbeImages, "metricsSecure", o.metricsSecure, "defaultRegion", o.defaultRegion, "probeMaxAge", o.probeMaxAge)
	return mgr.Start(ctx)
}

// metricsOptions serves /metrics, by default over HTTPS (with the
// certificate in --metrics-cert-dir, else a self-signed one) to clients
// the API server authenticates (TokenReview) and authorizes for
// nonResourceURL /metrics get (SubjectAccessReview), as kubebuilder
// scaffolds it. HTTP/2 is off:
// its rapid-reset and stream-cancellation flaws (CVE-2023-44487,
// CVE-2023-39325) are not worth a scrape endpoint's while.
func metricsOptions(o *options) metricsserver.Options {
	opts := metricsserver.Options{BindAddress: o.metricsAddr, SecureServing: o.metricsSecure, CertDir: o.metricsCertDir}
	if o.metricsSecure {
		opts.FilterProvider = filters.WithAuthenticationAndAuthorization
		opts.TLSOpts = []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}
	}
	return opts
}
