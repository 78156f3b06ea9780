package pool

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// loop is the pool's goroutine: it sleeps until the pool's next action and
// then ticks, until the last member leaves or the controller stops.
func (p *pool) loop(ctx context.Context) {
	defer close(p.done)
	// Every line the probe manager and diagnosis log for this pool names it.
	ctx = logr.NewContext(ctx, p.log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.stop:
			cancel() // a session in flight ends with the pool
		case <-ctx.Done():
		}
	}()
	clk := p.ps.opts.Clock
	for {
		p.mu.Lock()
		next, now := p.next, clk.Now()
		due := !next.IsZero() && !next.After(now)
		// The timer is set before the loop says it is parked, so whoever
		// sees it parked (tests stepping a fake clock) sees it armed.
		var timer clock.Timer
		var fire <-chan time.Time
		if !due && !next.IsZero() {
			timer = clk.NewTimer(next.Sub(now))
			fire = timer.C()
		}
		p.parked, p.armed = !due, next
		p.mu.Unlock()
		if due {
			p.tick(ctx)
			continue
		}
		select {
		case <-ctx.Done():
			stopTimer(timer)
			return
		case <-p.kick:
			stopTimer(timer)
			p.unpark()
			continue
		case <-fire:
		}
		p.unpark()
		p.tick(ctx)
	}
}

func (p *pool) unpark() {
	p.mu.Lock()
	p.parked = false
	p.mu.Unlock()
}

func stopTimer(t clock.Timer) {
	if t != nil {
		t.Stop()
	}
}

// tick brings the pool's probe up and, when it is ready, runs every member
// due before the next tick in one session.
func (p *pool) tick(ctx context.Context) {
	now := p.ps.opts.Clock.Now()
	p.mu.Lock()
	if !p.recordedLocked() {
		p.next = time.Time{} // a recorded join wakes the loop
		p.mu.Unlock()
		return
	}
	id, c, period, hint := p.id, p.clients, p.periodLocked(), p.hintLocked()
	p.mu.Unlock()
	log := p.log

	task, err := p.ps.opts.Probes.Acquire(ctx, c, id, hint, period)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		e := probe.AsError(err)
		log.Error(err, "the probe cannot start", "reason", e.Reason)
		p.settle(ctx, task, e, now.Add(retry(e.RetryAfter, period)), nil)
		return
	}
	if !task.Ready {
		log.V(1).Info("probe not ready", "task", task.TaskArn, "reason", task.Reason)
		p.settle(ctx, task, nil, now.Add(retry(task.RetryAfter, period)), nil)
		return
	}

	p.mu.Lock()
	anyDue, onlyNew := p.dueNowLocked(now)
	p.mu.Unlock()
	if !anyDue {
		// A look at a starting probe: the run waits for its due time.
		p.settle(ctx, task, nil, time.Time{}, nil)
		return
	}
	if onlyNew {
		if until, hold := p.holding(ctx, now); hold {
			p.settle(ctx, task, nil, until, nil)
			return
		}
	}
	carried := p.due(now.Add(period))
	jobs := make([]probe.Job, 0, len(carried))
	for _, m := range carried {
		jobs = append(jobs, probe.Job{Check: m.Check, Targets: m.Targets, Timeout: m.Timeout})
	}
	res, err := p.ps.opts.Probes.Run(ctx, c, task, jobs)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		e := probe.AsError(err)
		log.Error(err, "probe session failed", "reason", e.Reason, "task", task.TaskArn)
		p.ps.opts.Probes.Stale(p.key)
		p.settle(ctx, task, e, now.Add(retry(e.RetryAfter, period)), nil)
		return
	}
	deliveries := make(map[types.NamespacedName]*Delivery, len(carried))
	for _, m := range carried {
		outcomes := res.Outcomes[m.Check]
		if p.ps.opts.Explain != nil {
			p.ps.opts.Explain.Targets(ctx, c, id, m.Targets, outcomes)
		}
		deliveries[m.Check] = &Delivery{Generation: m.Generation, ProbeNow: m.ProbeNow, At: now, Outcomes: outcomes}
	}
	names := make([]string, 0, len(carried))
	for _, m := range carried {
		names = append(names, m.Check.String())
	}
	log.V(1).Info("probe run", "task", task.TaskArn, "checks", names)
	p.settle(ctx, task, nil, time.Time{}, deliveries)
}

// dueNowLocked tells whether a member is due now, and whether all of
// those are new (pending): only then may the run wait for arriving ones.
func (p *pool) dueNowLocked(now time.Time) (anyDue, onlyNew bool) {
	onlyNew = true
	for _, m := range p.members {
		if !m.due.After(now) {
			anyDue, onlyNew = true, onlyNew && m.pending
		}
	}
	return anyDue, onlyNew
}

// holding tells whether other checks are still on their way to the pool
// whose new members are due, and if so when to look again: Gather later,
// or the hold's limit.
func (p *pool) holding(ctx context.Context, now time.Time) (time.Time, bool) {
	arriving := p.ps.opts.Arriving
	if arriving == nil {
		return time.Time{}, false
	}
	p.mu.Lock()
	limit := p.holdUntilLocked()
	places := map[string]bool{}
	for _, m := range p.members {
		if m.Placement != "" {
			places[m.Placement] = true
		}
	}
	p.mu.Unlock()
	if !now.Before(limit) || len(places) == 0 {
		return time.Time{}, false
	}
	isMember := func(c types.NamespacedName) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.members[c] != nil
	}
	more, err := arriving(ctx, p.key, slices.Sorted(maps.Keys(places)), isMember)
	if err != nil {
		p.log.Error(err, "looking for checks on their way to the pool; running without them")
		return time.Time{}, false
	}
	if !more {
		return time.Time{}, false
	}
	return minTime(now.Add(p.ps.opts.Gather), limit), true
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// due snapshots the members due before horizon.
func (p *pool) due(horizon time.Time) []Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Member
	for _, m := range p.members {
		if m.due.Before(horizon) {
			out = append(out, m.Member)
		}
	}
	return out
}

// settle records what a tick saw, schedules the next one (at retryAt when
// set, else at the first member's due time) and wakes the members with
// news: a delivery, or a probe whose state changed.
func (p *pool) settle(ctx context.Context, task *probe.TaskState, e *probe.Error, retryAt time.Time, deliveries map[types.NamespacedName]*Delivery) {
	p.mu.Lock()
	changed := stateOf(p.task, p.err) != stateOf(task, e)
	id, c := p.id, p.clients
	p.mu.Unlock()

	var findings []v1alpha1.Finding
	explain := changed && p.ps.opts.Explain != nil && (e != nil || task != nil)
	if explain {
		findings = p.ps.opts.Explain.Probe(ctx, c, id, task, e)
	}

	p.mu.Lock()
	if task != nil || e == nil {
		p.task = task
	}
	p.err = e
	if changed {
		p.findings = findings
	}
	var wake []types.NamespacedName
	for name, d := range deliveries {
		m := p.members[name]
		if m == nil || m.Generation != d.Generation || m.ProbeNow != d.ProbeNow {
			continue // left or changed during the run: its next run is set
		}
		m.delivery = d
		m.due = d.At.Add(m.Interval)
		m.pending = false
		wake = append(wake, name)
	}
	stillPending := false
	for _, m := range p.members {
		stillPending = stillPending || m.pending
	}
	if !stillPending {
		p.pendingSince = time.Time{}
	}
	if changed {
		wake = wake[:0]
		for name := range p.members {
			wake = append(wake, name)
		}
	}
	p.next = retryAt
	if retryAt.IsZero() {
		p.next = p.firstDueLocked()
	}
	p.mu.Unlock()
	slices.SortFunc(wake, func(a, b types.NamespacedName) int { return compareNames(a, b) })
	for _, name := range wake {
		p.ps.opts.Wake(name)
	}
}

// periodLocked is the pool tick: the shortest interval of its members.
func (p *pool) periodLocked() time.Duration {
	var period time.Duration
	for _, m := range p.members {
		if period == 0 || m.Interval < period {
			period = m.Interval
		}
	}
	if period <= 0 {
		period = time.Minute
	}
	return period
}

func (p *pool) hintLocked() string {
	if p.task != nil && p.task.TaskArn != "" {
		return p.task.TaskArn
	}
	for _, m := range p.members {
		if m.Hint != "" {
			return m.Hint
		}
	}
	return ""
}

// stateOf is what members show of the probe: a change wakes them all.
func stateOf(t *probe.TaskState, e *probe.Error) string {
	switch {
	case e != nil:
		return "error|" + e.Reason + "|" + e.Message
	case t == nil:
		return ""
	default:
		return t.TaskArn + "|" + t.Reason + "|" + t.LastStatus + "|" + t.ExecAgent
	}
}

func retry(after, period time.Duration) time.Duration {
	if after > 0 {
		return min(after, period)
	}
	return period
}

func compareNames(a, b types.NamespacedName) int {
	if a.Namespace != b.Namespace {
		if a.Namespace < b.Namespace {
			return -1
		}
		return 1
	}
	switch {
	case a.Name < b.Name:
		return -1
	case a.Name > b.Name:
		return 1
	}
	return 0
}
