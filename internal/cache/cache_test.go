package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestConcurrentMissesShareOneLoad(t *testing.T) {
	c := New[string, int](clocktesting.NewFakeClock(time.Now()))
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.GetOrLoad(context.Background(), "svc", time.Minute, func(context.Context) (int, error) {
				loads.Add(1)
				<-release
				return 7, nil
			})
			if err != nil || v != 7 {
				t.Errorf("got %d, %v", v, err)
			}
		}()
	}
	for c.Len() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("20 concurrent misses made %d loads, want 1", n)
	}
}

func TestExpiryAndFailedLoads(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	c := New[string, int](clk)
	n := 0
	load := func(context.Context) (int, error) { n++; return n, nil }
	ctx := context.Background()
	if v, _ := c.GetOrLoad(ctx, "k", time.Minute, load); v != 1 {
		t.Fatalf("first load %d", v)
	}
	clk.Step(59 * time.Second)
	if v, _ := c.GetOrLoad(ctx, "k", time.Minute, load); v != 1 {
		t.Fatalf("fresh entry reloaded: %d", v)
	}
	clk.Step(time.Second)
	if v, _ := c.GetOrLoad(ctx, "k", time.Minute, load); v != 2 {
		t.Fatalf("expired entry not reloaded: %d", v)
	}
	boom := errors.New("throttled")
	if _, err := c.GetOrLoad(ctx, "e", time.Minute, func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("error lost: %v", err)
	}
	if _, ok := c.Get("e"); ok {
		t.Fatal("a failed load was cached")
	}
	c.Set("forever", 3, 0)
	clk.Step(24 * time.Hour)
	if v, ok := c.Get("forever"); !ok || v != 3 {
		t.Fatal("ttl 0 entry expired")
	}
}
