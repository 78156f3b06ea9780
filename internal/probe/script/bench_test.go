package script_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/probe/script/scripttest"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// BenchmarkScriptTwentyTargets: twenty targets that each time out after 2 s
// run in parallel, so one run takes about 2 s, not 40. The run-seconds
// metric is the figure to read.
func BenchmarkScriptTwentyTargets(b *testing.B) {
	port := scripttest.FullBacklog(b)
	req := wire.Request{Nonce: "bench", Timeout: 2 * time.Second}
	for i := 0; i < 20; i++ {
		req.Targets = append(req.Targets, wire.TCP(fmt.Sprintf("t%02d", i), "127.0.0.1", port))
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		lines := scripttest.Run(b, req)
		for _, tg := range req.Targets {
			if lines[tg.ID].Status != wire.StatusTimeout {
				b.Fatalf("%s = %+v, want TIMEOUT", tg.ID, lines[tg.ID])
			}
		}
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "run-seconds")
}
