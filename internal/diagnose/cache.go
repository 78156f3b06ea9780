package diagnose

import (
	"context"
	"sync"
	"time"
)

// ttlCache holds values for a short time and lets concurrent callers of the
// same key share one load: a burst of failures reads AWS once.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[K]*cacheEntry[V]
}

type cacheEntry[V any] struct {
	done chan struct{} // closed when v and err are set
	v    V
	err  error
	at   time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, now: now, m: map[K]*cacheEntry[V]{}}
}

// get returns the cached value of key, loading it when absent or stale.
// A failed load is not cached, so the next caller tries again.
func (c *ttlCache[K, V]) get(ctx context.Context, key K, load func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	if ok && !e.loaded() || ok && c.now().Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.wait(ctx)
	}
	c.sweep()
	e = &cacheEntry[V]{done: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()

	v, err := load(ctx)
	c.mu.Lock()
	e.v, e.err, e.at = v, err, c.now()
	if err != nil && c.m[key] == e {
		delete(c.m, key)
	}
	c.mu.Unlock()
	close(e.done)
	return v, err
}

// sweep drops stale entries so the map does not grow with every VPC and
// role ever seen. Called with c.mu held.
func (c *ttlCache[K, V]) sweep() {
	now := c.now()
	for k, e := range c.m {
		if e.loaded() && now.Sub(e.at) >= c.ttl {
			delete(c.m, k)
		}
	}
}

func (e *cacheEntry[V]) loaded() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

func (e *cacheEntry[V]) wait(ctx context.Context) (V, error) {
	select {
	case <-e.done:
		return e.v, e.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}
