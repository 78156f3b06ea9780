package controllers

import (
	"context"
	"fmt"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/cache"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/pool"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Config is what the controller takes from its process: AWS access, the
// probe's settings and the controller's options.
type Config struct {
	AWS        awsclient.Provider
	Probe      probe.Options
	Diagnose   diagnose.Options
	Controller controller.Options
	// AllowedProbeImages is --allowed-probe-images: probe images besides
	// Probe.DefaultImage that checks in every namespace may run.
	AllowedProbeImages []string
	// Clock is the controller's one clock, handed to every package; nil is
	// the real clock.
	Clock clock.WithTicker
	// Shard is --watch-label-selector: the label selector of the checks this
	// controller owns ("" for all). The manager's cache already holds only
	// those; the reaper uses it to leave other shards' probes alone.
	Shard string
}

// poolKeyIndex indexes checks by the pool key their status records, so a
// pool's members are found in the informer cache without listing every
// check.
const poolKeyIndex = "status.probe.poolKey"

// Setup registers the reconciler, the pools behind its probe step, and the
// probe reaper with mgr. main and the end-to-end tests wire the controller
// through here alike.
func Setup(mgr ctrl.Manager, cfg Config) error {
	clk := cfg.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	po := cfg.Probe
	po.Shard = cfg.Shard
	if po.Clock == nil {
		po.Clock = clk
	}
	if po.Log.GetSink() == nil {
		po.Log = ctrl.Log.WithName("probe")
	}
	do := cfg.Diagnose
	if do.Clock == nil {
		do.Clock = clk.Now
	}
	if do.CacheTTL == 0 {
		do.CacheTTL = cache.DiagnosisTTL
	}
	if err := IndexChecks(mgr.GetFieldIndexer()); err != nil {
		return err
	}
	probes := probe.New(po)
	explain := &Explainer{Diagnoser: diagnose.New(do), TaskDefinitions: probes, Clock: clk, Log: ctrl.Log.WithName("diagnose")}
	wakeups := &Wakeups{}

	// With a pool per check (the benchmark's baseline), no other check is
	// ever on its way to a check's pool.
	arrivals := PoolArriving(mgr.GetClient())
	if po.PoolPerCheck {
		arrivals = nil
	}
	// Pools run on the leader, for the manager's lifetime.
	poolCtx, stopPools := context.WithCancel(context.Background())
	pools := pool.New(poolCtx, pool.Options{
		Probes: probes, Explain: explain, Wake: wakeups.Wake, InUse: PoolInUse(mgr.GetClient()), Arriving: arrivals,
		Clock: clk, Log: ctrl.Log.WithName("pool"),
	})
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		stopPools()
		return nil
	})); err != nil {
		return err
	}

	r := &ECSConnectivityCheckReconciler{
		Client:    mgr.GetClient(),
		AWS:       cfg.AWS,
		Admission: ProbeAdmission{DefaultImage: po.DefaultImage, AllowedImages: cfg.AllowedProbeImages},
		Prober:    &ProbeStep{Resolver: probes, Pools: pools, Explain: explain},
		Events:    mgr.GetEventRecorder("ecscheck"),
		Clock:     clk,
		Wakeups:   wakeups,
	}
	if err := r.SetupWithManager(mgr, cfg.Controller); err != nil {
		return fmt.Errorf("setting up the controller: %w", err)
	}
	return mgr.Add(&Reaper{Client: mgr.GetClient(), Clients: r.clientsFor, Probes: probes, Running: pools.Keys,
		Clock: clk, Log: ctrl.Log.WithName("reaper")})
}

// IndexChecks adds the field indexes that PoolInUse and PoolArriving read
// to the informer cache behind idx.
func IndexChecks(idx client.FieldIndexer) error {
	if err := idx.IndexField(context.Background(), &v1alpha1.ECSConnectivityCheck{}, poolKeyIndex, poolKeyOf); err != nil {
		return fmt.Errorf("indexing checks by pool: %w", err)
	}
	if err := idx.IndexField(context.Background(), &v1alpha1.ECSConnectivityCheck{}, placementIndex, placementOf); err != nil {
		return fmt.Errorf("indexing checks by placement: %w", err)
	}
	return nil
}

func poolKeyOf(o client.Object) []string {
	c, ok := o.(*v1alpha1.ECSConnectivityCheck)
	if !ok || c.Status.Probe == nil || c.Status.Probe.PoolKey == "" {
		return nil
	}
	return []string{c.Status.Probe.PoolKey}
}
