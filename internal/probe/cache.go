package probe

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// cache keeps answers that change rarely: task definitions (immutable per
// ARN), registered probe task definitions, and VPC facts (minutes).
type cache struct {
	clock clock.PassiveClock

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	value   any
	expires time.Time // zero: never
}

func newCache(c clock.PassiveClock) *cache {
	return &cache{clock: c, entries: map[string]cacheEntry{}}
}

func (c *cache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || (!e.expires.IsZero() && c.clock.Now().After(e.expires)) {
		return nil, false
	}
	return e.value, true
}

// put stores value for ttl; ttl 0 keeps it for the process's life.
func (c *cache) put(key string, value any, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := cacheEntry{value: value}
	if ttl > 0 {
		e.expires = c.clock.Now().Add(ttl)
	}
	c.entries[key] = e
}
