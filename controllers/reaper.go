package controllers

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/pool"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Reaper stops probe tasks that no check uses and replaces old ones, at
// start and then periodically, so a controller crash orphans nothing. It
// runs on the leader only, and only ever with credentials that a live check
// is allowed to use at that moment.
type Reaper struct {
	Client client.Reader
	// Clients are the AWS clients a check may use now (the reconciler's
	// allow-list checks included); a check refused them is skipped.
	Clients func(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) (*awsclient.Clients, error)
	Probes  *probe.Manager
	// Running lists the pools that run now, even those whose checks have
	// not written their pool key yet.
	Running func() map[string]bool
	Every   time.Duration
	Clock   clock.WithTicker
	Log     logr.Logger
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
		case <-r.Clock.After(every):
		}
	}
}

// reapOnce sweeps every cluster a live check names, with that check's
// credentials, keeping the pools that live checks record or that run.
func (r *Reaper) reapOnce(ctx context.Context) {
	list := &v1alpha1.ECSConnectivityCheckList{}
	if err := r.Client.List(ctx, list); err != nil {
		r.Log.Error(err, "listing checks for the probe reaper")
		return
	}
	inUse := map[string]bool{}
	if r.Running != nil {
		inUse = r.Running()
	}
	type scope struct {
		clients *awsclient.Clients
		names   map[string]bool
	}
	scopes := map[string]*scope{}
	for i := range list.Items {
		c := &list.Items[i]
		if !c.DeletionTimestamp.IsZero() {
			continue
		}
		if c.Status.Probe != nil && c.Status.Probe.PoolKey != "" {
			inUse[c.Status.Probe.PoolKey] = true
		}
		clients, err := r.Clients(ctx, c)
		if err != nil {
			r.Log.V(1).Info("not sweeping with the credentials of a check that may not use them", "check", client.ObjectKeyFromObject(c).String(), "reason", err)
			continue
		}
		sc := scopes[clients.Scope()]
		if sc == nil {
			sc = &scope{clients: clients, names: map[string]bool{}}
			scopes[clients.Scope()] = sc
		}
		sc.names[c.Spec.Cluster] = true
	}
	for _, sc := range scopes {
		var cl []string
		for n := range sc.names {
			cl = append(cl, n)
		}
		reaped, err := r.Probes.Reap(ctx, sc.clients, cl, inUse)
		if err != nil {
			r.Log.Error(err, "reaping probe tasks", "region", sc.clients.Region, "clusters", cl)
		}
		for _, t := range reaped {
			r.Log.Info("stopped probe task", "task", t.TaskArn, "pool", t.PoolKey, "why", t.Why)
		}
	}
}

// PoolInUse tells the pools whether a check records a pool key in its
// status, from the informer cache's index, leaving out the checks ignore
// names and those that do not probe (deleted, suspended): it keeps a
// release correct after a restart, before every check has been reconciled.
func PoolInUse(c client.Reader) pool.InUse {
	return func(ctx context.Context, poolKey string, ignore func(types.NamespacedName) bool) (bool, error) {
		list := &v1alpha1.ECSConnectivityCheckList{}
		if err := c.List(ctx, list, client.MatchingFields{poolKeyIndex: poolKey}); err != nil {
			return false, err
		}
		for _, chk := range list.Items {
			if ignore(client.ObjectKeyFromObject(&chk)) || !chk.DeletionTimestamp.IsZero() || chk.Spec.Suspend {
				continue
			}
			return true, nil
		}
		return false, nil
	}
}
