package probe

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// countingReader is a batch reader of strings whose reads are recorded.
func countingReader(clk *clocktesting.FakeClock) (*batchReader[string], *[][]string, *sync.Mutex) {
	var mu sync.Mutex
	var calls [][]string
	r := newBatchReader(clk, 10, func(_ context.Context, _ *awsclient.Clients, _ string, ids []string) (map[string]*string, error) {
		mu.Lock()
		calls = append(calls, append([]string(nil), ids...))
		mu.Unlock()
		out := map[string]*string{}
		for _, id := range ids {
			v := "v-" + id
			out[id] = &v
		}
		return out, nil
	})
	return r, &calls, &mu
}

func TestBatchReaderReadsNewcomersOnlyAndRefreshesAllTogether(t *testing.T) {
	clk := clocktesting.NewFakeClock(epoch)
	r, calls, _ := countingReader(clk)
	c := &awsclient.Clients{Region: region}
	ctx := context.Background()
	// Services arriving one by one are read one by one, never the whole
	// scope again for each newcomer.
	for i := range 25 {
		if v, err := r.get(ctx, c, "prod", fmt.Sprintf("svc-%02d", i), time.Minute); err != nil || *v != fmt.Sprintf("v-svc-%02d", i) {
			t.Fatalf("%v %v", v, err)
		}
	}
	read := 0
	for _, call := range *calls {
		read += len(call)
	}
	if len(*calls) != 25 || read != 25 {
		t.Fatalf("25 newcomers took %d calls reading %d objects", len(*calls), read)
	}
	// Fresh: no call.
	if _, err := r.get(ctx, c, "prod", "svc-07", time.Minute); err != nil || len(*calls) != 25 {
		t.Fatalf("a fresh object was read again")
	}
	// Stale: one refresh reads all 25, ten a call.
	clk.Step(time.Minute)
	if _, err := r.get(ctx, c, "prod", "svc-03", time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := (*calls)[25:]; len(got) != 3 || len(got[0]) != 10 || len(got[2]) != 5 {
		t.Fatalf("the refresh made calls %v", got)
	}
	for i := range 25 {
		if _, err := r.get(ctx, c, "prod", fmt.Sprintf("svc-%02d", i), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if len(*calls) != 28 {
		t.Fatalf("after the refresh every object was fresh, yet %d calls", len(*calls)-28)
	}
	// Another tenant's credentials never see these reads.
	other := &awsclient.Clients{Region: region, RoleArn: otherRole, ExternalID: "team-b"}
	if _, err := r.get(ctx, other, "prod", "svc-03", time.Minute); err != nil || len(*calls) != 29 {
		t.Fatalf("another scope was served from this one's cache (%d calls)", len(*calls))
	}
}

func TestBatchReaderSharesConcurrentMisses(t *testing.T) {
	clk := clocktesting.NewFakeClock(epoch)
	r, calls, mu := countingReader(clk)
	c := &awsclient.Clients{Region: region}
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.get(context.Background(), c, "prod", "svc-a", time.Minute); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(*calls) != 1 {
		t.Fatalf("30 concurrent misses of one object made %d reads", len(*calls))
	}
}
