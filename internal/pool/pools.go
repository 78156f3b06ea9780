package pool

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Options configure Pools.
type Options struct {
	Probes  Prober
	Explain Explainer
	// Wake enqueues a member's reconcile when the pool has news for it.
	Wake  func(types.NamespacedName)
	InUse InUse
	// Arriving, when set, holds runs of new members while more are on
	// their way (up to half the tick).
	Arriving Arriving
	// Gather is how long a pool waits after a member becomes due out of
	// schedule (a new check, a spec change, probe-now), so that members
	// joining at nearly the same moment share one session (500ms). Checks
	// applied together but reconciled seconds apart are Arriving's.
	Gather time.Duration
	Clock  clock.Clock
	Log    logr.Logger
}

// DefaultGather is Options.Gather when unset.
const DefaultGather = 500 * time.Millisecond

// Pools is every pool of the controller. It is safe for concurrent use.
type Pools struct {
	opts Options

	// ctx bounds every pool's goroutine: the manager's lifetime.
	ctx context.Context

	mu      sync.Mutex
	pools   map[string]*pool
	byCheck map[types.NamespacedName]string
	// departed: per pool key, the checks that left it and have not joined
	// it again.
	departed map[string]map[types.NamespacedName]bool
}

// New returns Pools whose goroutines run until ctx ends.
func New(ctx context.Context, opts Options) *Pools {
	if opts.Gather <= 0 {
		opts.Gather = DefaultGather
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Wake == nil {
		opts.Wake = func(types.NamespacedName) {}
	}
	return &Pools{opts: opts, ctx: ctx, pools: map[string]*pool{}, byCheck: map[types.NamespacedName]string{},
		departed: map[string]map[types.NamespacedName]bool{}}
}

// Join makes m a member of the pool of id, with the clients of m's check,
// and returns what the pool last saw for it. A check that moves to another
// pool leaves its old one first, which stops the old task when it was the
// last member. Join never calls AWS for the pool it joins.
func (ps *Pools) Join(ctx context.Context, c *awsclient.Clients, id *probe.Identity, m Member) (Report, error) {
	ps.mu.Lock()
	if old := ps.byCheck[m.Check]; old != "" && old != id.PoolKey {
		ps.mu.Unlock()
		if err := ps.Leave(ctx, m.Check); err != nil {
			return Report{}, err
		}
		ps.mu.Lock()
	}
	p := ps.pools[id.PoolKey]
	if p == nil {
		p = newPool(ps, id, c)
		ps.pools[id.PoolKey] = p
		go p.loop(ps.ctx)
	}
	ps.byCheck[m.Check] = id.PoolKey
	delete(ps.departed[id.PoolKey], m.Check)
	// Joined under ps.mu, so a Leave that empties the pool cannot close
	// it between the lookup and the join.
	r := p.join(id, c, m)
	ps.mu.Unlock()
	return r, nil
}

// Leave takes check out of its pool, if it has one. When it was the last
// member, the pool's probe task is stopped (unless another check's status
// still names the pool) and the pool forgotten; an error means the stop
// has not happened yet.
func (ps *Pools) Leave(ctx context.Context, check types.NamespacedName) error {
	ps.mu.Lock()
	key := ps.byCheck[check]
	p := ps.pools[key]
	delete(ps.byCheck, check)
	if key != "" {
		if ps.departed[key] == nil {
			ps.departed[key] = map[types.NamespacedName]bool{}
		}
		ps.departed[key][check] = true
	}
	if p == nil {
		ps.mu.Unlock()
		return nil
	}
	if !p.leave(check) {
		ps.mu.Unlock()
		return nil
	}
	delete(ps.pools, key)
	ps.mu.Unlock()
	p.close()
	id, c, hint := p.identity()
	return ps.stopIfUnused(ctx, c, id.Cluster, key, hint, id.ExecInto, check)
}

// Release is Leave for a check that is being deleted, also after a
// restart, when no pool knows it: the pool key and task its status
// recorded say what to stop, with the check's own clients.
func (ps *Pools) Release(ctx context.Context, c *awsclient.Clients, check types.NamespacedName, cluster string, recorded *v1alpha1.ProbeStatus, execInto v1alpha1.ExecInto) error {
	ps.mu.Lock()
	_, known := ps.byCheck[check]
	ps.mu.Unlock()
	if known {
		return ps.Leave(ctx, check)
	}
	if recorded == nil || recorded.PoolKey == "" {
		return nil
	}
	ps.mu.Lock()
	p := ps.pools[recorded.PoolKey]
	ps.mu.Unlock()
	if p != nil {
		return nil // other members run it
	}
	return ps.stopIfUnused(ctx, c, cluster, recorded.PoolKey, recorded.TaskArn, execInto, check)
}

func (ps *Pools) stopIfUnused(ctx context.Context, c *awsclient.Clients, cluster, key, hint string, execInto v1alpha1.ExecInto, leaving types.NamespacedName) error {
	if execInto == v1alpha1.ExecIntoServiceTask {
		return nil // the service's task is not ours to stop
	}
	if ps.opts.InUse != nil {
		// Checks that left this pool in this process (stalled, suspended,
		// moved, deleted) may still record it until their status catches
		// up; they do not keep it alive.
		ps.mu.Lock()
		gone := make(map[types.NamespacedName]bool, len(ps.departed[key])+1)
		for c := range ps.departed[key] {
			gone[c] = true
		}
		ps.mu.Unlock()
		gone[leaving] = true
		used, err := ps.opts.InUse(ctx, key, func(c types.NamespacedName) bool { return gone[c] })
		if err != nil {
			return fmt.Errorf("looking for other members of pool %s: %w", key, err)
		}
		if used {
			return nil
		}
	}
	stopped, err := ps.opts.Probes.StopPool(ctx, c, cluster, key, hint, "no check uses this pool any more")
	if err != nil {
		return err
	}
	ps.opts.Log.Info("released probe pool", "pool", key, "check", leaving.String(), "stopped", stopped)
	return nil
}

// Keys are the pools the controller runs now, for the reaper.
func (ps *Pools) Keys() map[string]bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make(map[string]bool, len(ps.pools))
	for k := range ps.pools {
		out[k] = true
	}
	return out
}

// Report is what the check's pool last saw for it, if it has a pool.
func (ps *Pools) Report(check types.NamespacedName) (Report, bool) {
	ps.mu.Lock()
	p := ps.pools[ps.byCheck[check]]
	ps.mu.Unlock()
	if p == nil {
		return Report{}, false
	}
	return p.report(check)
}
