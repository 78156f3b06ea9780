package metrics_test

import (
	"strings"
	"testing"
	"time"

	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/ecscheck/ecscheck/internal/metrics"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// The probe step's counters: failures by a closed set of reasons and kinds,
// each present at zero from the start so that increase() sees the first one.
func TestProbeCounters(t *testing.T) {
	rec, reg, _ := newRecorder(t)
	before := series(t, reg, "ecscheck_probe_task_failures_total", "ecscheck_exec_session_errors_total")
	for _, s := range before {
		if !strings.HasSuffix(s, " 0") {
			t.Fatalf("a counter does not start at zero: %s", s)
		}
	}
	if len(before) != 11+11 {
		t.Fatalf("%d pre-initialised series, want every reason and kind:\n%s", len(before), strings.Join(before, "\n"))
	}

	rec.ProbeTaskStarted()
	rec.ProbeTaskStarted()
	rec.ProbeTaskFailed("AGENT")
	rec.ProbeTaskFailed("CannotPullContainerError: pull image manifest has been retried 5 time(s)")
	rec.ProbeTaskFailed("RESOURCE:MEMORY")
	rec.ExecSessionError(probe.ExecErrorSessionDropped)
	rec.ExecSessionError("websocket: close 1006 (abnormal closure): unexpected EOF")
	rec.ObserveRun(4 * time.Second)
	rec.ObserveRun(7 * time.Second)

	got := strings.Join(series(t, reg, "ecscheck_probe_", "ecscheck_exec_"), "\n")
	for _, want := range []string{
		`ecscheck_probe_task_starts_total{} 2`,
		`ecscheck_probe_task_failures_total{reason="AGENT"} 1`,
		`ecscheck_probe_task_failures_total{reason="CannotPullContainer"} 1`,
		`ecscheck_probe_task_failures_total{reason="RESOURCE"} 1`,
		`ecscheck_probe_task_failures_total{reason="MISSING"} 0`,
		`ecscheck_exec_session_errors_total{kind="SessionDropped"} 1`,
		`ecscheck_exec_session_errors_total{kind="Other"} 1`,
		`ecscheck_probe_run_duration_seconds{} 2`,
	} {
		if !strings.Contains(got, want+"\n") && !strings.HasSuffix(got, want) {
			t.Errorf("missing %s in:\n%s", want, got)
		}
	}
	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() == "ecscheck_probe_run_duration_seconds" {
			if s := f.GetMetric()[0].GetHistogram().GetSampleSum(); s != 11 {
				t.Errorf("run duration sum = %v, want 11", s)
			}
		}
	}
}

// Default registers on controller-runtime's registry once: the manager's
// /metrics serves it, and a second call does not try to register again.
func TestDefaultIsRegisteredOnce(t *testing.T) {
	a, b := metrics.Default(), metrics.Default()
	if a == nil || a != b {
		t.Fatalf("Default() = %p, %p", a, b)
	}
	if !strings.Contains(strings.Join(series(t, ctrlmetrics.Registry, "ecscheck_"), "\n"), `ecscheck_probe_task_failures_total{reason="AGENT"} 0`) {
		t.Fatal("the default recorder is not on controller-runtime's registry")
	}
}
