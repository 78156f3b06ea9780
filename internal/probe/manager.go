package probe

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"

	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/cache"
	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// DefaultImage is the probe image when neither the flag nor the spec names one.
// Pinned, so that every probe of a release runs the same aws CLI; mirror it
// for VPCs without internet access (README).
const DefaultImage = "public.ecr.aws/aws-cli/aws-cli:2.37.11"

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
	// APITimeout bounds the AWS calls of one Resolve, Acquire or StopPool,
	// and of Reap per cluster (30s), on top of the caller's context.
	APITimeout time.Duration
	// Shard is the controller's --watch-label-selector: probe tasks carry it
	// (hashed) in their pool key and a tag, so a shard never shares, stops
	// or reaps another shard's probes.
	Shard string
	// PoolPerCheck gives every check a pool of its own: the per-check
	// baseline that bench-scale compares pooling with.
	PoolPerCheck bool
	// NewExecutor returns the ECS Exec client for a set of AWS clients
	// (an *ecsexec.Client using their KMS client).
	NewExecutor func(*awsclient.Clients) Executor
	// Metrics counts probe task starts and failures and exec sessions
	// (metrics.Default() in the controller); nil counts nothing.
	Metrics Metrics
	Clock   clock.WithTicker
	Log     logr.Logger
}

// Manager owns probe tasks: it resolves identities, finds, starts and
// watches a pool's task, runs sessions in it, and stops it. Which checks
// share a pool and when they run is internal/pool's business. Build one
// with New and share it; it is safe for concurrent use.
type Manager struct {
	opts Options

	mu    sync.Mutex
	slots map[string]*taskSlot
	// stopsSeen: stopped probe tasks already counted, by ARN.
	stopsSeen map[string]time.Time

	cache    *cache.Cache[string, any]
	tasks    *taskReader
	services *serviceReader
}

// taskSlot is what the Manager remembers of one pool's task. AWS stays the
// source of truth (tasks are found by startedBy and tags); this only saves
// calls and paces retries.
type taskSlot struct {
	mu  sync.Mutex // serialises finding and starting the pool's task
	key string

	taskArn     string
	prevTask    string // the task taskArn replaces; part of the client token
	failures    int
	nextAttempt time.Time
	last        *TaskState // the failure reported while backing off
	ready       bool       // the task was ready when last seen
	polls       int        // looks at a starting task so far
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
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.NewExecutor == nil {
		log, clk := opts.Log, opts.Clock
		opts.NewExecutor = func(c *awsclient.Clients) Executor {
			return &ecsexec.Client{KMS: c.KMS, Log: log.WithName("ecsexec"), Clock: clk}
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
		slots:     map[string]*taskSlot{},
		stopsSeen: map[string]time.Time{},
		cache:     cache.New[string, any](opts.Clock),
		tasks:     newTaskReader(opts.Clock),
		services:  newServiceReader(opts.Clock),
	}
}

// log is the logger of the request: the pool's or the check's, when the
// caller put one in ctx, else the Manager's.
func (m *Manager) log(ctx context.Context) logr.Logger {
	if l, err := logr.FromContext(ctx); err == nil {
		return l
	}
	return m.opts.Log
}

// bound limits the AWS work of one call.
func (m *Manager) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, m.opts.APITimeout)
}

func (m *Manager) slot(key string) *taskSlot {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.slots[key]
	if p == nil {
		p = &taskSlot{key: key}
		m.slots[key] = p
	}
	return p
}

// Forget drops what the Manager remembers of a pool that has no members.
func (m *Manager) Forget(poolKey string) {
	m.mu.Lock()
	delete(m.slots, poolKey)
	m.mu.Unlock()
}

// forgetTask drops a remembered task ARN, e.g. after stopping it.
func (m *Manager) forgetTask(poolKey, taskArn string) {
	m.mu.Lock()
	p := m.slots[poolKey]
	m.mu.Unlock()
	m.tasks.forget(taskArn)
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
func (p *taskSlot) replaced() {
	if p.taskArn != "" {
		p.prevTask = p.taskArn
	}
	p.taskArn = ""
}
