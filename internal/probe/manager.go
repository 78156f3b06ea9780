package probe

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// DefaultImage is the probe image when neither the flag nor the spec names one.
const DefaultImage = "public.ecr.aws/aws-cli/aws-cli:latest"

// Executor runs one ECS Exec session; *ecsexec.Client is one.
type Executor interface {
	Run(ctx context.Context, s ecsexec.Session, nonce string) (*ecsexec.Result, error)
}

// Backoff spaces out attempts to start a probe task.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
	// Attempts before the failure is reported as RunTaskFailed; attempts go
	// on at Max after that.
	Attempts int
}

// delay is the wait after the n-th consecutive failure (n >= 1).
func (b Backoff) delay(n int) time.Duration {
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Options configure a Manager. Zero fields take the defaults noted.
type Options struct {
	// DefaultImage is the controller's --probe-image (DefaultImage).
	DefaultImage string
	// MaxAge is --probe-max-age: Reap replaces older probe tasks (24h).
	MaxAge time.Duration
	// ReapGrace protects young tasks of pools that no status names yet, so a
	// probe started just before its check's status write survives (10m).
	ReapGrace time.Duration
	// RunTaskBackoff spaces RunTask retries ({5s, 2m, 5}).
	RunTaskBackoff Backoff
	// ExecAgentGrace is how long a RUNNING task's exec agent may take to
	// start before that counts as a fault (2m).
	ExecAgentGrace time.Duration
	// StoppedWindow is how far back a service's stopped tasks are reported (1h).
	StoppedWindow time.Duration
	// ExecOverhead bounds an exec session beyond the targets' timeout (60s).
	ExecOverhead time.Duration
	// APITimeout bounds the AWS calls of one Resolve, Acquire or Release,
	// and of Reap per cluster (30s), on top of the caller's context.
	APITimeout time.Duration
	// NewExecutor returns the ECS Exec client for a set of AWS clients
	// (an *ecsexec.Client using their KMS client).
	NewExecutor func(*awsclient.Clients) Executor
	// InUse, when set, tells Release whether any check other than except
	// still uses a pool (e.g. from the informer cache). It makes Release
	// correct after a restart, before every check has been reconciled.
	InUse func(ctx context.Context, poolKey string, except types.NamespacedName) (bool, error)
	// Metrics counts probe task starts and failures and exec sessions
	// (metrics.Default() in the controller); nil counts nothing.
	Metrics Metrics
	Clock   clock.Clock
	Log     logr.Logger
}

// Manager owns probe tasks: it resolves identities, starts and shares probe
// tasks, runs checks in them, and stops them. Build one with New and share
// it between reconciles; it is safe for concurrent use.
type Manager struct {
	opts Options

	mu      sync.Mutex
	pools   map[string]*pool
	byCheck map[types.NamespacedName]string
	// stopsSeen: stopped probe tasks already counted, by ARN.
	stopsSeen map[string]time.Time

	cache *cache
}

// pool is the in-memory state of one pool key. AWS stays the source of truth
// (tasks are found by startedBy and tags); this only remembers what saves
// calls and paces retries.
type pool struct {
	mu     sync.Mutex // serialises finding and starting the pool's task
	key    string
	checks map[types.NamespacedName]struct{}

	cluster string
	ecs     awsclient.ECSAPI
	execInt string // ExecInto of the pool

	taskArn     string
	prevTask    string // the task taskArn replaces; part of the client token
	failures    int
	nextAttempt time.Time
	last        *TaskState // the failure reported while backing off
}

// New returns a Manager with defaults filled in.
func New(opts Options) *Manager {
	if opts.DefaultImage == "" {
		opts.DefaultImage = DefaultImage
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 24 * time.Hour
	}
	if opts.ReapGrace <= 0 {
		opts.ReapGrace = 10 * time.Minute
	}
	if opts.RunTaskBackoff.Initial <= 0 {
		opts.RunTaskBackoff.Initial = 5 * time.Second
	}
	if opts.RunTaskBackoff.Max <= 0 {
		opts.RunTaskBackoff.Max = 2 * time.Minute
	}
	if opts.RunTaskBackoff.Attempts <= 0 {
		opts.RunTaskBackoff.Attempts = 5
	}
	if opts.ExecAgentGrace <= 0 {
		opts.ExecAgentGrace = 2 * time.Minute
	}
	if opts.StoppedWindow <= 0 {
		opts.StoppedWindow = time.Hour
	}
	if opts.ExecOverhead <= 0 {
		opts.ExecOverhead = 60 * time.Second
	}
	if opts.APITimeout <= 0 {
		opts.APITimeout = 30 * time.Second
	}
	if opts.NewExecutor == nil {
		log := opts.Log
		opts.NewExecutor = func(c *awsclient.Clients) Executor {
			return &ecsexec.Client{KMS: c.KMS, Log: log.WithName("ecsexec")}
		}
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Metrics == nil {
		opts.Metrics = noMetrics{}
	}
	return &Manager{
		opts:      opts,
		pools:     map[string]*pool{},
		byCheck:   map[types.NamespacedName]string{},
		stopsSeen: map[string]time.Time{},
		cache:     newCache(opts.Clock),
	}
}

// bound limits the AWS work of one call.
func (m *Manager) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, m.opts.APITimeout)
}

// join records that check uses the pool of id and returns the pool, and
// the pool the check used before if it changed and is now unused.
func (m *Manager) join(check types.NamespacedName, id *Identity, ecs awsclient.ECSAPI) (p, abandoned *pool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p = m.poolLocked(id.PoolKey)
	p.checks[check] = struct{}{}
	p.cluster, p.ecs, p.execInt = id.Cluster, ecs, string(id.ExecInto)
	if old := m.byCheck[check]; old != "" && old != id.PoolKey {
		if op := m.pools[old]; op != nil {
			delete(op.checks, check)
			if len(op.checks) == 0 {
				delete(m.pools, old)
				abandoned = op
			}
		}
	}
	m.byCheck[check] = id.PoolKey
	return p, abandoned
}

func (m *Manager) poolLocked(key string) *pool {
	p := m.pools[key]
	if p == nil {
		p = &pool{key: key, checks: map[types.NamespacedName]struct{}{}}
		m.pools[key] = p
	}
	return p
}

// Members lists the checks known to use a pool, so the caller can gather
// their due targets into one Run.
func (m *Manager) Members(poolKey string) []types.NamespacedName {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []types.NamespacedName
	if p := m.pools[poolKey]; p != nil {
		for c := range p.checks {
			out = append(out, c)
		}
	}
	return out
}

func (m *Manager) hasMembers(poolKey string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.pools[poolKey]
	return p != nil && len(p.checks) > 0
}

// forgetTask drops a remembered task ARN, e.g. after stopping it.
func (m *Manager) forgetTask(poolKey, taskArn string) {
	m.mu.Lock()
	p := m.pools[poolKey]
	m.mu.Unlock()
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.taskArn == taskArn {
		p.replaced()
	}
	p.mu.Unlock()
}

// replaced forgets the pool's task so that the next Acquire starts another.
func (p *pool) replaced() {
	if p.taskArn != "" {
		p.prevTask = p.taskArn
	}
	p.taskArn = ""
}
