package main

import (
	"strings"
	"testing"
	"time"
)

func TestFloor(t *testing.T) {
	for _, tc := range []struct{ identities, tasks, services, want int }{
		{100, 100, 100, 100 + 1 + 10},   // issue 10's workload
		{500, 500, 500, 500 + 5 + 50},   // the 5000-check target
		{4, 4, 4, 4 + 1 + 1},            // partial batches round up
		{101, 101, 11, 101 + 2 + 2},     // one past a batch is one more call
		{100, 1000, 100, 100 + 10 + 10}, // per-check tasks
	} {
		if got := floor(tc.identities, tc.tasks, tc.services); got != tc.want {
			t.Errorf("floor(%d, %d, %d) = %d, want %d", tc.identities, tc.tasks, tc.services, got, tc.want)
		}
	}
}

func TestOverdueShare(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	interval := 60 * time.Second
	checks := []probeTimes{
		{last: ago(10 * time.Second)},
		{last: ago(66 * time.Second)},                   // exactly 1.1 × interval: on time
		{last: ago(67 * time.Second)},                   // overdue
		{last: nil, created: now.Add(-time.Minute)},     // never ran, created a minute ago: not yet
		{last: nil, created: now.Add(-2 * time.Minute)}, // never ran for two intervals: overdue
	}
	if got, want := overdueShare(now, checks, interval), 2.0/5; got != want {
		t.Errorf("overdueShare = %v, want %v", got, want)
	}
	if got := overdueShare(now, nil, interval); got != 0 {
		t.Errorf("overdueShare of no checks = %v, want 0", got)
	}
}

func TestCallsPerInterval(t *testing.T) {
	start := map[string]int{"ecs:DescribeTasks": 10, "ecs:RunTask": 4}
	end := map[string]int{"ecs:DescribeTasks": 40, "ecs:RunTask": 4, "ecs:ExecuteCommand": 12}
	got := callsPerInterval(start, end, 3)
	if len(got) != 2 || got["ecs:DescribeTasks"] != 10 || got["ecs:ExecuteCommand"] != 4 {
		t.Errorf("callsPerInterval = %v, want DescribeTasks 10 and ExecuteCommand 4 (RunTask unchanged, left out)", got)
	}
	if total(got) != 14 {
		t.Errorf("total = %v, want 14", total(got))
	}
}

func TestRenderTableSideBySide(t *testing.T) {
	p := params{checks: 40, identities: 4, targets: 3, intervals: 1, interval: 30 * time.Second, latency: 50 * time.Millisecond}
	pool := result{mode: modePool, ready: 40, allReady: 12 * time.Second, warmReady: 1500 * time.Millisecond,
		perInterval: map[string]float64{"ecs:ExecuteCommand": 4, "ecs:DescribeTasks": 1, "ecs:DescribeServices": 1},
		execFirst:   4, rssMaxBytes: 64 << 20, cpu: 0.05, probeTasks: 4}
	perCheck := result{mode: modePerCheck, ready: 30, allReady: 40 * time.Second, warmReady: 30 * time.Second, warmTimedOut: true,
		perInterval: map[string]float64{"ecs:ExecuteCommand": 40, "ecs:DescribeTasks": 40, "ecs:DescribeServices": 40, "ecs:ListTasks": 40},
		execFirst:   40, rssMaxBytes: 96 << 20, cpu: 0.2, overdue: 0.25, probeTasks: 40}
	var b strings.Builder
	renderTable(&b, p, []result{pool, perCheck})
	out := b.String()
	for _, want := range []string{
		"= 4 + 1 + 1 = 6 AWS calls per interval",
		"| Measure | pool | per-check | per-check / pool |",
		"| AWS calls per interval | 6.0 | 160.0 | 26.7× |",
		"| ratio to floor | 1.00× | 26.67× | 26.7× |",
		"| `ecs:ListTasks` per interval | 0.0 | 40.0 | n/a |", // pool never called it: no ratio
		"| ExecuteCommand per identity, first interval | 1.00 | 10.00 | 10.0× |",
		"| ExecuteCommand per identity per interval, steady | 1.00 | 10.00 | 10.0× |",
		"| apply → all Ready | 12.0 s | > 40.0 s (30/40 Ready) | 3.3× |",
		"| apply → Ready, new check on a warm identity | 1.5 s | > 30.0 s | 20.0× |",
		"| controller RSS, max (MiB) | 64.0 | 96.0 | 1.5× |",
		"| controller CPU, % of a core | 5.0 | 20.0 | 4.0× |",
		"| checks overdue > 10% of interval (max share) | 0.0% | 25.0% | n/a |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestRenderTableBaselineUnavailable(t *testing.T) {
	p := params{checks: 10, identities: 2, targets: 1, intervals: 1, interval: 30 * time.Second}
	var b strings.Builder
	renderTable(&b, p, []result{
		{mode: modePool, ready: 10, perInterval: map[string]float64{"ecs:ExecuteCommand": 2}},
		{mode: modePerCheck, skipped: "the controller has no --pool-per-check flag"},
	})
	out := b.String()
	for _, want := range []string{
		"Mode per-check not measured: the controller has no --pool-per-check flag.",
		"| Measure | pool | per-check |\n",
		"| `ecs:ExecuteCommand` per interval | 2.0 | n/a |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "per-check / pool") {
		t.Errorf("a ratio column without a baseline:\n%s", out)
	}
}

func TestPlaceKeepsModeOrder(t *testing.T) {
	modes := []string{modePool, modePerCheck}
	got := place([]result{{mode: modePerCheck}}, result{mode: modePool}, modes)
	if got[0].mode != modePool || got[1].mode != modePerCheck {
		t.Errorf("place = %v, want pool then per-check", []string{got[0].mode, got[1].mode})
	}
}

func TestValidateBudget(t *testing.T) {
	o := options{params: params{checks: 1000, identities: 100, targets: 3, intervals: 3, interval: time.Minute}, timeout: 10 * time.Minute}
	if err := o.validate(2); err != nil {
		t.Errorf("the defaults must fit two modes in ten minutes: %v", err)
	}
	o.intervals = 4
	if err := o.validate(2); err == nil || !strings.Contains(err.Error(), "raise -timeout") {
		t.Errorf("four intervals of a minute in five minutes per mode: got %v, want a budget error", err)
	}
	o.intervals, o.interval = 3, 10*time.Second
	if err := o.validate(1); err == nil || !strings.Contains(err.Error(), "at least 30s") {
		t.Errorf("an interval the CRD refuses: got %v", err)
	}
}
