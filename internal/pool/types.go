package pool

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Member is one check's share of a pool: what it runs and when.
type Member struct {
	Check      types.NamespacedName
	Generation int64
	// ProbeNow is the check's unhandled probe-now request, if any: a new
	// value makes the member due now.
	ProbeNow string
	Targets  []v1alpha1.Target
	Timeout  time.Duration
	Interval time.Duration
	// Due is when the check's status says its targets are next due; zero
	// means now. The pool's own schedule wins once it knows the member.
	Due time.Time
	// Hint is the probe task the check's status records, so a restarted
	// controller finds it before starting another.
	Hint string
	// Recorded: the check's status records the pool key, so a deletion,
	// even after a crash, finds the pool's task. A pool starts no task
	// until one of its members is recorded.
	Recorded bool
	// Placement is what of the check's spec decides its pool before any
	// AWS read; checks that share it are on their way to the same pool.
	Placement string
}

// Delivery is one run's results for one member.
type Delivery struct {
	Generation int64
	ProbeNow   string
	At         time.Time
	// Outcomes are in target order, findings included; targets the probe
	// printed nothing for are not Probed.
	Outcomes []probe.Outcome
}

// Report is what the pool last saw for a member.
type Report struct {
	PoolKey string
	// Task is the pool's probe as last seen; nil before the first look.
	Task *probe.TaskState
	// Err is why the last attempt to start or run the probe failed; nil
	// once a run succeeded since.
	Err *probe.Error
	// Findings explain Task or Err.
	Findings []v1alpha1.Finding
	// Delivery holds the member's latest results; nil before its first run.
	Delivery *Delivery
	// Due is when the pool will next run the member.
	Due time.Time
}

// Prober is what a pool needs of the probe manager (*probe.Manager).
type Prober interface {
	Acquire(ctx context.Context, c *awsclient.Clients, id *probe.Identity, hint string, fresh time.Duration) (*probe.TaskState, error)
	Run(ctx context.Context, c *awsclient.Clients, task *probe.TaskState, jobs []probe.Job) (*probe.RunResult, error)
	StopPool(ctx context.Context, c *awsclient.Clients, cluster, poolKey, hint, why string) ([]string, error)
	Stale(poolKey string)
}

var _ Prober = (*probe.Manager)(nil)

// Explainer is diagnosis as a pool uses it, always with the pool's clients.
type Explainer interface {
	// Targets fills the findings of the outcomes that are not as expected.
	Targets(ctx context.Context, c *awsclient.Clients, id *probe.Identity, targets []v1alpha1.Target, outcomes []probe.Outcome)
	// Probe explains a probe that is not ready or whose session failed.
	Probe(ctx context.Context, c *awsclient.Clients, id *probe.Identity, task *probe.TaskState, err *probe.Error) []v1alpha1.Finding
}

// InUse tells whether a check that ignore does not exclude records poolKey
// in its status (the informer cache's field index), so that a restarted
// controller, which knows no members yet, never stops a task in use.
type InUse func(ctx context.Context, poolKey string, ignore func(types.NamespacedName) bool) (bool, error)

// Arriving tells whether a check that is not a member (member says which
// are) is on its way to pool key: its spec places it like a member
// (placements) and it has not yet been resolved to another pool, stalled,
// or settled at its generation. A pool holds a run of new members while
// checks are arriving, so that checks applied together, whose reconciles
// reach the pool seconds apart, share one session.
type Arriving func(ctx context.Context, key string, placements []string, member func(types.NamespacedName) bool) (bool, error)
