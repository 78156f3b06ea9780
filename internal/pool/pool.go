package pool

import (
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// pool is one pool key's members, schedule and probe state. Its goroutine
// (loop) does all of its AWS work; join and report only touch memory.
type pool struct {
	ps  *Pools
	key string
	log logr.Logger

	kick chan struct{} // re-arms the loop's timer
	stop chan struct{} // closed when the last member leaves
	done chan struct{} // closed when the loop has returned

	mu      sync.Mutex
	id      *probe.Identity
	clients *awsclient.Clients
	members map[types.NamespacedName]*member
	next    time.Time // when the loop acts next; zero: nothing to do
	// pendingSince is when the first member now pending became due.
	pendingSince time.Time
	// parked and armed say the loop sleeps until armed (tests wait for it).
	parked bool
	armed  time.Time

	task     *probe.TaskState
	err      *probe.Error
	findings []v1alpha1.Finding
}

type member struct {
	Member
	due      time.Time
	delivery *Delivery
	// pending: due out of schedule, waiting for its first run.
	pending bool
}

func newPool(ps *Pools, id *probe.Identity, c *awsclient.Clients) *pool {
	return &pool{
		ps: ps, key: id.PoolKey, log: ps.opts.Log.WithValues("pool", id.PoolKey, "cluster", id.Cluster),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		id: id, clients: c, members: map[types.NamespacedName]*member{},
	}
}

// join adds or updates a member and schedules it. A member the pool knows
// keeps the pool's due time, whatever a status read from a lagging cache
// says, unless its spec or probe-now request changed.
func (p *pool) join(id *probe.Identity, c *awsclient.Clients, m Member) Report {
	now := p.ps.opts.Clock.Now()
	gather := p.ps.opts.Gather
	p.mu.Lock()
	p.id, p.clients = id, c
	cur := p.members[m.Check]
	if cur != nil && cur.Recorded {
		// Once written, the key stays in status for this pool; a read
		// from a lagging cache does not take it back.
		m.Recorded = true
	}
	outOfSchedule := false
	switch {
	case cur == nil:
		cur = &member{Member: m, due: m.Due}
		p.members[m.Check] = cur
		outOfSchedule = cur.due.Before(now.Add(gather))
	case cur.Generation != m.Generation || (m.ProbeNow != "" && cur.ProbeNow != m.ProbeNow):
		cur.Member, outOfSchedule = m, true
	default:
		cur.Member = m
	}
	if outOfSchedule {
		p.gatherLocked(cur, now)
	}
	before := p.next
	p.next = p.firstDueLocked() // tick waits for a recorded member
	r := p.reportLocked(cur)
	next := p.next
	p.mu.Unlock()
	if outOfSchedule {
		p.log.V(1).Info("member due out of schedule", "check", m.Check.String(), "runAt", r.Due)
	}
	if !next.Equal(before) {
		p.poke()
	}
	return r
}

// gatherLocked schedules a member that is due out of schedule (new, changed,
// probe-now): Gather after the latest such join, so that members joining
// together share one session, and never later than holdLimit after the
// first of them (tick may hold the run that long while more are arriving).
func (p *pool) gatherLocked(cur *member, now time.Time) {
	if p.pendingSince.IsZero() {
		p.pendingSince = now
	}
	runAt := minTime(now.Add(p.ps.opts.Gather), p.holdUntilLocked())
	cur.pending = true
	for _, m := range p.members {
		if m.pending {
			m.due = runAt
		}
	}
}

// holdUntilLocked is how long the pending members' run may wait for
// arriving ones: half the pool's tick, 30s at most, after the first.
func (p *pool) holdUntilLocked() time.Time {
	return p.pendingSince.Add(max(min(p.periodLocked()/2, maxHold), p.ps.opts.Gather))
}

// maxHold bounds how long checks arriving one after another may delay the
// first results of those that arrived first.
const maxHold = 30 * time.Second

// recordedLocked: some member's status records the pool key, so the pool
// may start a task.
func (p *pool) recordedLocked() bool {
	for _, m := range p.members {
		if m.Recorded {
			return true
		}
	}
	return false
}

// firstDueLocked is the earliest due time of the members.
func (p *pool) firstDueLocked() time.Time {
	var first time.Time
	for _, m := range p.members {
		if first.IsZero() || m.due.Before(first) {
			first = m.due
		}
	}
	return first
}

// leave removes a member and reports whether the pool is now empty.
func (p *pool) leave(check types.NamespacedName) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.members, check)
	return len(p.members) == 0
}

func (p *pool) report(check types.NamespacedName) (Report, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.members[check]
	if m == nil {
		return Report{}, false
	}
	return p.reportLocked(m), true
}

func (p *pool) reportLocked(m *member) Report {
	return Report{PoolKey: p.key, Task: p.task, Err: p.err, Findings: p.findings, Delivery: m.delivery, Due: m.due}
}

func (p *pool) identity() (*probe.Identity, *awsclient.Clients, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.id, p.clients, p.hintLocked()
}

func (p *pool) poke() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// close stops the loop and waits for it, so no session of the pool runs
// after its task is stopped.
func (p *pool) close() {
	close(p.stop)
	<-p.done
}
