package controllers

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Reaper stops probe tasks that no check uses and replaces old ones, at
// start and then periodically, so a controller crash orphans nothing. It
// runs on the leader only.
type Reaper struct {
	Client client.Reader
	AWS    awsclient.Provider
	Probes *probe.Manager
	Every  time.Duration
	Log    logr.Logger
}

// Start implements manager.Runnable.
func (r *Reaper) Start(ctx context.Context) error {
	every := r.Every
	if every <= 0 {
		every = 5 * time.Minute
	}
	for {
		r.reapOnce(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// scope is one AWS identity and region whose clusters are swept together.
type scope struct{ region, roleArn, externalID string }

// reapOnce sweeps every cluster any check names, with the pool keys that
// live checks record in their status.
func (r *Reaper) reapOnce(ctx context.Context) {
	list := &v1alpha1.ECSConnectivityCheckList{}
	if err := r.Client.List(ctx, list); err != nil {
		r.Log.Error(err, "listing checks for the probe reaper")
		return
	}
	inUse := map[string]bool{}
	clusters := map[scope]map[string]bool{}
	for _, c := range list.Items {
		if c.DeletionTimestamp.IsZero() && c.Status.Probe != nil && c.Status.Probe.PoolKey != "" {
			inUse[c.Status.Probe.PoolKey] = true
		}
		sc := scope{region: c.Spec.Region}
		if c.Spec.RoleArn != "" {
			sc.roleArn, sc.externalID = c.Spec.RoleArn, c.Namespace
		}
		if clusters[sc] == nil {
			clusters[sc] = map[string]bool{}
		}
		clusters[sc][c.Spec.Cluster] = true
	}
	for sc, names := range clusters {
		clients, err := r.AWS.For(ctx, sc.region, sc.roleArn, sc.externalID)
		if err != nil {
			r.Log.V(1).Info("no AWS clients for the reaper", "region", sc.region, "role", sc.roleArn, "error", err.Error())
			continue
		}
		var cl []string
		for n := range names {
			cl = append(cl, n)
		}
		reaped, err := r.Probes.Reap(ctx, clients, cl, inUse)
		if err != nil {
			r.Log.Error(err, "reaping probe tasks", "region", clients.Region, "clusters", cl)
		}
		for _, t := range reaped {
			r.Log.Info("stopped probe task", "task", t.TaskArn, "pool", t.PoolKey, "why", t.Why)
		}
	}
}

// PoolInUse tells the probe manager whether a check other than except still
// uses a pool, from the checks' recorded status; it keeps Release correct
// after a restart, before every check has been reconciled.
func PoolInUse(c client.Reader) func(ctx context.Context, poolKey string, except types.NamespacedName) (bool, error) {
	return func(ctx context.Context, poolKey string, except types.NamespacedName) (bool, error) {
		list := &v1alpha1.ECSConnectivityCheckList{}
		if err := c.List(ctx, list); err != nil {
			return false, err
		}
		for _, chk := range list.Items {
			if chk.Namespace == except.Namespace && chk.Name == except.Name {
				continue
			}
			if chk.DeletionTimestamp.IsZero() && chk.Status.Probe != nil && chk.Status.Probe.PoolKey == poolKey {
				return true, nil
			}
		}
		return false, nil
	}
}
