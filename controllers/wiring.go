package controllers

import (
	"fmt"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Config is what the controller takes from its process: AWS access, the
// probe's settings and the controller's options.
type Config struct {
	AWS        awsclient.Provider
	Probe      probe.Options
	Diagnose   diagnose.Options
	Controller controller.Options
	// Shard is --watch-label-selector: the label selector of the checks this
	// controller owns ("" for all). The manager's cache already holds only
	// those; the reaper uses it to leave other shards' probes alone.
	Shard string
}

// Setup registers the reconciler, with the probe manager and diagnoser
// behind its probe step, and the probe reaper with mgr. main and the
// end-to-end tests wire the controller through here alike.
func Setup(mgr ctrl.Manager, cfg Config) error {
	po := cfg.Probe
	if po.InUse == nil {
		po.InUse = PoolInUse(mgr.GetClient())
	}
	if po.Log.GetSink() == nil {
		po.Log = ctrl.Log.WithName("probe")
	}
	probes := probe.New(po)
	wakeups, wake := NewWakeups()
	r := &ECSConnectivityCheckReconciler{
		Client: mgr.GetClient(),
		AWS:    cfg.AWS,
		Prober: &ProbeStep{
			Probes:    probes,
			Diagnoser: diagnose.New(cfg.Diagnose),
			Reader:    mgr.GetClient(),
			Wake:      wake,
			Clock:     clock.RealClock{},
			Log:       po.Log,
		},
		Events:  mgr.GetEventRecorder("ecscheck"),
		Clock:   clock.RealClock{},
		Wakeups: wakeups,
	}
	if err := r.SetupWithManager(mgr, cfg.Controller); err != nil {
		return fmt.Errorf("setting up the controller: %w", err)
	}
	return mgr.Add(&Reaper{Client: mgr.GetClient(), AWS: cfg.AWS, Probes: probes, Log: ctrl.Log.WithName("reaper")})
}
