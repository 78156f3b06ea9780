package probe

import (
	"context"
	"slices"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// idleAfter: an ID nobody asked for this long is no longer re-read.
const idleAfter = 30 * time.Minute

// batchReader reads many objects of one kind (tasks, services) per
// credentials scope and cluster with as few calls as the API allows: when
// any caller finds its object older than it accepts, every object of the
// scope that callers asked for recently is re-read in one batched refresh;
// objects never read before are read together with the other newcomers;
// concurrent callers share a read. So pools whose ticks fall at different
// times still cost one read per interval between them, not one each.
type batchReader[V any] struct {
	clock clock.PassiveClock
	// read describes ids (at most size of them) and returns what it found;
	// an id missing from the map no longer exists.
	read func(ctx context.Context, c *awsclient.Clients, cluster string, ids []string) (map[string]*V, error)
	size int

	mu     sync.Mutex
	scopes map[batchKey]*batchScope[V]
}

type batchKey struct{ scope, cluster string }

type batchScope[V any] struct {
	asked  map[string]time.Time
	got    map[string]batchEntry[V]
	flight *batchFlight
}

type batchEntry[V any] struct {
	v  *V
	at time.Time
}

type batchFlight struct {
	done chan struct{}
	ids  map[string]bool
	err  error
}

func newBatchReader[V any](c clock.PassiveClock, size int, read func(context.Context, *awsclient.Clients, string, []string) (map[string]*V, error)) *batchReader[V] {
	return &batchReader[V]{clock: c, read: read, size: size, scopes: map[batchKey]*batchScope[V]{}}
}

// get returns id as read no longer than maxAge ago (0: read now), or nil
// when it does not exist.
func (r *batchReader[V]) get(ctx context.Context, c *awsclient.Clients, cluster, id string, maxAge time.Duration) (*V, error) {
	key := batchKey{c.Scope(), cluster}
	for {
		r.mu.Lock()
		s := r.scopes[key]
		if s == nil {
			s = &batchScope[V]{asked: map[string]time.Time{}, got: map[string]batchEntry[V]{}}
			r.scopes[key] = s
		}
		now := r.clock.Now()
		s.asked[id] = now
		if e, ok := s.got[id]; ok && maxAge > 0 && now.Sub(e.at) < maxAge {
			r.mu.Unlock()
			return e.v, nil
		}
		if f := s.flight; f != nil {
			r.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if f.ids[id] {
				if f.err != nil {
					return nil, f.err
				}
				r.mu.Lock()
				e := s.got[id]
				r.mu.Unlock()
				return e.v, nil
			}
			continue // that read did not include id: start one that does
		}
		// A stale object refreshes every object of the scope (so pools and
		// services whose ticks differ still cost one read per interval
		// between them); a new one reads only the new ones, so a scope
		// that grows is not re-read once per newcomer.
		_, known := s.got[id]
		f := &batchFlight{done: make(chan struct{}), ids: map[string]bool{}}
		for other, at := range s.asked {
			if now.Sub(at) > idleAfter {
				delete(s.asked, other)
				delete(s.got, other)
				continue
			}
			if _, read := s.got[other]; known || !read {
				f.ids[other] = true
			}
		}
		s.flight = f
		r.mu.Unlock()

		got, err := r.readAll(ctx, c, cluster, f.ids)
		r.mu.Lock()
		at := r.clock.Now()
		if err == nil {
			for x := range f.ids {
				s.got[x] = batchEntry[V]{v: got[x], at: at}
			}
		}
		f.err, s.flight = err, nil
		r.mu.Unlock()
		close(f.done)
		if err != nil {
			return nil, err
		}
		return got[id], nil
	}
}

func (r *batchReader[V]) readAll(ctx context.Context, c *awsclient.Clients, cluster string, set map[string]bool) (map[string]*V, error) {
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := map[string]*V{}
	for chunk := range slices.Chunk(ids, r.size) {
		got, err := r.read(ctx, c, cluster, chunk)
		if err != nil {
			return nil, err
		}
		for k, v := range got {
			out[k] = v
		}
	}
	return out, nil
}

// forget stops re-reading id (a task that was stopped or replaced).
func (r *batchReader[V]) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.scopes {
		delete(s.asked, id)
		delete(s.got, id)
	}
}
