// Package cache is the controller's one cache of AWS facts: a TTL map whose
// concurrent misses of one key share one load (singleflight), with every
// lifetime named in ttl.go.
package cache

import (
	"context"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Cache holds values for a time and lets concurrent callers of the same key
// share one load, so a burst of checks reads AWS once.
type Cache[K comparable, V any] struct {
	clock clock.PassiveClock

	mu sync.Mutex
	m  map[K]*entry[V]
}

type entry[V any] struct {
	done    chan struct{} // closed once v and err are set
	v       V
	err     error
	expires time.Time // zero: never
}

// New returns an empty cache reading time from c.
func New[K comparable, V any](c clock.PassiveClock) *Cache[K, V] {
	return &Cache[K, V]{clock: c, m: map[K]*entry[V]{}}
}

// Get returns the value of key if it is present and fresh.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !e.loaded() || e.err != nil || c.stale(e) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Set stores v for ttl; ttl 0 keeps it until Delete.
func (c *Cache[K, V]) Set(key K, v V, ttl time.Duration) {
	e := &entry[V]{done: make(chan struct{}), v: v}
	if ttl > 0 {
		e.expires = c.clock.Now().Add(ttl)
	}
	close(e.done)
	c.mu.Lock()
	c.m[key] = e
	c.mu.Unlock()
}

// Delete forgets key.
func (c *Cache[K, V]) Delete(key K) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

// GetOrLoad returns the cached value of key, or loads it once for every
// concurrent caller. A failed load is not kept: the next caller tries again.
func (c *Cache[K, V]) GetOrLoad(ctx context.Context, key K, ttl time.Duration, load func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	if e, ok := c.m[key]; ok && (!e.loaded() || !c.stale(e)) {
		c.mu.Unlock()
		return e.wait(ctx)
	}
	c.sweepLocked()
	e := &entry[V]{done: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()

	v, err := load(ctx)
	c.mu.Lock()
	e.v, e.err = v, err
	if ttl > 0 {
		e.expires = c.clock.Now().Add(ttl)
	}
	if err != nil && c.m[key] == e {
		delete(c.m, key)
	}
	c.mu.Unlock()
	close(e.done)
	return v, err
}

// Len is the number of entries, loaded or loading.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

func (c *Cache[K, V]) stale(e *entry[V]) bool {
	return !e.expires.IsZero() && !c.clock.Now().Before(e.expires)
}

// sweepLocked drops expired entries so the map does not grow with every key
// ever seen.
func (c *Cache[K, V]) sweepLocked() {
	for k, e := range c.m {
		if e.loaded() && c.stale(e) {
			delete(c.m, k)
		}
	}
}

func (e *entry[V]) loaded() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

func (e *entry[V]) wait(ctx context.Context) (V, error) {
	select {
	case <-e.done:
		return e.v, e.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// Typed narrows what GetOrLoad returned from a cache of any values.
func Typed[V any](v any, err error) (V, error) {
	t, _ := v.(V)
	return t, err
}
