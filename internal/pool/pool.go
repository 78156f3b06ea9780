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
	p.mu.Lock()
	p.id, p.clients = id, c
	cur := p.members[m.Check]
	switch {
	case cur == nil:
		cur = &member{Member: m, due: m.Due}
		p.members[m.Check] = cur
	case cur.Generation != m.Generation || (m.ProbeNow != "" && cur.ProbeNow != m.ProbeNow):
		cur.Member, cur.due = m, time.Time{}
	default:
		cur.Member = m
	}
	if cur.due.IsZero() || cur.due.Before(now) {
		cur.due = now
	}
	if cur.due.Before(now.Add(p.ps.opts.Gather)) {
		// Due out of schedule: give members joining at the same moment
		// the time to join, so they share one session.
		cur.due = now.Add(p.ps.opts.Gather)
	}
	rearm := p.next.IsZero() || cur.due.Before(p.next)
	if rearm {
		p.next = cur.due
	}
	r := p.reportLocked(cur)
	p.mu.Unlock()
	if rearm {
		p.poke()
	}
	return r
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
	hint := ""
	if p.task != nil {
		hint = p.task.TaskArn
	}
	return p.id, p.clients, hint
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
