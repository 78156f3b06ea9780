package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// expectAgentFailureMetrics checks seed 003 as an operator sees it in
// Prometheus, after RunTask answered AGENT twice and then started the probe
// (TestAgentFailuresThenSuccessConverge).
func expectAgentFailureMetrics(t *testing.T, w *world) {
	t.Helper()
	got := w.samples(t)
	for series, want := range map[string]float64{
		`ecscheck_probe_task_failures_total{reason="AGENT"}`: 2,
		`ecscheck_probe_task_starts_total{}`:                 1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	// Nothing else failed: no other reason, no exec session error; and the
	// run that made the check Ready was timed.
	for series, v := range got {
		switch {
		case strings.HasPrefix(series, "ecscheck_probe_task_failures_total{") && !strings.Contains(series, `"AGENT"`) && v != 0,
			strings.HasPrefix(series, "ecscheck_exec_session_errors_total{") && v != 0:
			t.Errorf("%s = %v, want 0", series, v)
		}
	}
	if got["ecscheck_probe_run_duration_seconds_count{}"] < 1 {
		t.Errorf("no probe run observed:\n%s", render(got))
	}
}

// samples gathers the world's registry as `name{label="value",...}` →
// value; a histogram gives its _count and _sum.
func (w *world) samples(t *testing.T) map[string]float64 {
	t.Helper()
	families, err := w.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := make([]string, 0, len(m.GetLabel()))
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			ls := "{" + strings.Join(labels, ",") + "}"
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[f.GetName()+ls] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[f.GetName()+ls] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[f.GetName()+"_count"+ls] = float64(m.GetHistogram().GetSampleCount())
				out[f.GetName()+"_sum"+ls] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

func render(samples map[string]float64) string {
	lines := make([]string, 0, len(samples))
	for s, v := range samples {
		lines = append(lines, fmt.Sprintf("%s %v", s, v))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
