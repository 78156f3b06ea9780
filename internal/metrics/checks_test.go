package metrics_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/metrics"
	"github.com/ecscheck/ecscheck/internal/probe"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// fakeWall is the scrape-time clock.
type fakeWall struct{ now time.Time }

func (w *fakeWall) Now() time.Time { return w.now }

func newRecorder(t *testing.T) (*metrics.Recorder, *prometheus.Registry, *fakeWall) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	wall := &fakeWall{now: t0}
	rec, err := metrics.NewRecorder(reg, metrics.Options{Now: wall.Now})
	if err != nil {
		t.Fatal(err)
	}
	return rec, reg, wall
}

// series renders the gathered samples of the named families as
// `name{label="value",...} value` lines, sorted, the way a scrape shows them.
func series(t *testing.T, g prometheus.Gatherer, prefixes ...string) []string {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		if !hasPrefix(f.GetName(), prefixes) {
			continue
		}
		for _, m := range f.GetMetric() {
			out = append(out, render(f, m))
		}
	}
	sort.Strings(out)
	return out
}

func hasPrefix(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return len(prefixes) == 0
}

func render(f *dto.MetricFamily, m *dto.Metric) string {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, l.GetName()+"="+`"`+l.GetValue()+`"`)
	}
	var v float64
	switch {
	case m.Gauge != nil:
		v = m.GetGauge().GetValue()
	case m.Counter != nil:
		v = m.GetCounter().GetValue()
	case m.Histogram != nil:
		v = float64(m.GetHistogram().GetSampleCount())
	}
	return f.GetName() + "{" + strings.Join(labels, ",") + "} " + strconv.FormatFloat(v, 'f', -1, 64)
}

func ts(d time.Duration) *metav1.Time { t := metav1.NewTime(t0.Add(d)); return &t }

func failingCheck() *v1alpha1.ECSConnectivityCheck {
	return &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Namespace: "payments", Name: "orders-api", CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Spec:       v1alpha1.ECSConnectivityCheckSpec{Cluster: "prod", Interval: &metav1.Duration{Duration: 2 * time.Minute}},
		Status: v1alpha1.ECSConnectivityCheckStatus{
			LastProbeTime: ts(-30 * time.Second),
			Conditions: []metav1.Condition{
				{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonTargetsNotAsExpected, Message: "1/2 targets not as expected: sns-https (ConnectionTimedOut)"},
				{Type: v1alpha1.ConditionProbeReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonProbeRunning},
			},
			Targets: []v1alpha1.TargetStatus{
				{Name: "sns-https", Result: v1alpha1.ResultUnreachable, Reason: v1alpha1.ReasonConnectionTimedOut,
					Message: "TCP connect to 10.0.1.169:443 timed out after 5s", ConsecutiveFailures: 3, LastSuccessTime: ts(-10 * time.Minute)},
				{Name: "sns-list-topics", Result: v1alpha1.ResultAllowed, Reason: v1alpha1.ReasonAPICallAllowed, AsExpected: true, LastSuccessTime: ts(-30 * time.Second)},
			},
		},
	}
}

// What a scrape shows for a check is its status, one series per target and
// condition, with ages counted from the status times.
func TestObserveCheckExportsTheStatus(t *testing.T) {
	rec, reg, _ := newRecorder(t)
	rec.ObserveCheck(failingCheck(), t0)
	want := []string{
		`ecscheck_check_condition{condition="ProbeReady",name="orders-api",namespace="payments",reason="ProbeRunning",status="True"} 1`,
		`ecscheck_check_condition{condition="Ready",name="orders-api",namespace="payments",reason="TargetsNotAsExpected",status="False"} 1`,
		`ecscheck_check_interval_seconds{name="orders-api",namespace="payments"} 120`,
		`ecscheck_check_seconds_since_last_probe{name="orders-api",namespace="payments"} 30`,
		`ecscheck_check_suspended{name="orders-api",namespace="payments"} 0`,
		`ecscheck_target_as_expected{name="orders-api",namespace="payments",reason="APICallAllowed",target="sns-list-topics"} 1`,
		`ecscheck_target_as_expected{name="orders-api",namespace="payments",reason="ConnectionTimedOut",target="sns-https"} 0`,
		`ecscheck_target_consecutive_failures{name="orders-api",namespace="payments",target="sns-https"} 3`,
		`ecscheck_target_consecutive_failures{name="orders-api",namespace="payments",target="sns-list-topics"} 0`,
		`ecscheck_target_seconds_since_last_success{name="orders-api",namespace="payments",target="sns-https"} 600`,
		`ecscheck_target_seconds_since_last_success{name="orders-api",namespace="payments",target="sns-list-topics"} 30`,
	}
	assertSeries(t, series(t, reg, "ecscheck_check_", "ecscheck_target_"), want)
}

// Between status changes the ages keep growing with the wall clock: that is
// how "not probed for 3 intervals" fires when the reconciler is stuck.
func TestAgesGrowBetweenObservations(t *testing.T) {
	rec, reg, wall := newRecorder(t)
	rec.ObserveCheck(failingCheck(), t0)
	wall.now = t0.Add(5 * time.Minute)
	assertSeries(t, series(t, reg, "ecscheck_check_seconds_since_last_probe", "ecscheck_target_seconds_since_last_success"), []string{
		`ecscheck_check_seconds_since_last_probe{name="orders-api",namespace="payments"} 330`,
		`ecscheck_target_seconds_since_last_success{name="orders-api",namespace="payments",target="sns-https"} 900`,
		`ecscheck_target_seconds_since_last_success{name="orders-api",namespace="payments",target="sns-list-topics"} 330`,
	})
}

// A new status replaces the old series: a target whose reason changed, or
// that left the spec, has no series left with the old labels.
func TestObserveCheckReplacesStaleSeries(t *testing.T) {
	rec, reg, _ := newRecorder(t)
	rec.ObserveCheck(failingCheck(), t0)
	c := failingCheck()
	c.Status.Targets = c.Status.Targets[:1]
	c.Status.Targets[0].Reason = v1alpha1.ReasonNoRouteToHost
	rec.ObserveCheck(c, t0)
	assertSeries(t, series(t, reg, "ecscheck_target_as_expected"), []string{
		`ecscheck_target_as_expected{name="orders-api",namespace="payments",reason="NoRouteToHost",target="sns-https"} 0`,
	})
}

func TestForgetCheckRemovesEverySeries(t *testing.T) {
	rec, reg, _ := newRecorder(t)
	rec.ObserveCheck(failingCheck(), t0)
	other := failingCheck()
	other.Name = "ledger"
	rec.ObserveCheck(other, t0)
	rec.ForgetCheck("payments", "orders-api")
	for _, s := range series(t, reg, "ecscheck_check_", "ecscheck_target_") {
		if strings.Contains(s, `name="orders-api"`) {
			t.Fatalf("series left for a forgotten check: %s", s)
		}
	}
	if n := len(series(t, reg, "ecscheck_target_as_expected")); n != 2 {
		t.Fatalf("the other check lost its series: %d left", n)
	}
}

// A check never probed ages from its creation, so it alerts like one that
// stopped being probed; a suspended one does not age at all.
func TestNeverProbedAndSuspendedChecks(t *testing.T) {
	rec, reg, _ := newRecorder(t)
	fresh := failingCheck()
	fresh.Status = v1alpha1.ECSConnectivityCheckStatus{}
	rec.ObserveCheck(fresh, t0)
	paused := failingCheck()
	paused.Name = "paused"
	paused.Spec.Suspend = true
	rec.ObserveCheck(paused, t0)
	assertSeries(t, series(t, reg, "ecscheck_check_seconds_since_last_probe", "ecscheck_check_suspended"), []string{
		`ecscheck_check_seconds_since_last_probe{name="orders-api",namespace="payments"} 3600`,
		`ecscheck_check_suspended{name="orders-api",namespace="payments"} 0`,
		`ecscheck_check_suspended{name="paused",namespace="payments"} 1`,
	})
}

// Label values stay in closed sets: an unknown reason is Other, never the
// text the prober put there.
func TestUnknownReasonsAreOther(t *testing.T) {
	rec, reg, _ := newRecorder(t)
	c := failingCheck()
	c.Status.Targets[0].Reason = "timed out connecting to 10.0.1.169"
	c.Status.Conditions[0].Reason = "arn:aws:ecs:ap-northeast-1:123456789012:task/prod/abc"
	rec.ObserveCheck(c, t0)
	for _, s := range series(t, reg, "ecscheck_check_condition", "ecscheck_target_as_expected") {
		if strings.Contains(s, "10.0.1.169") || strings.Contains(s, "arn:") {
			t.Fatalf("free text in a label: %s", s)
		}
	}
	got := strings.Join(series(t, reg, "ecscheck_check_condition", "ecscheck_target_as_expected"), "\n")
	if !strings.Contains(got, `condition="Ready",name="orders-api",namespace="payments",reason="Other"`) ||
		!strings.Contains(got, `reason="Other",target="sns-https"`) {
		t.Fatalf("unknown reasons not mapped to Other:\n%s", got)
	}
}

// A nil Recorder is a valid "no metrics" for code that was handed none.
func TestNilRecorderIsANoOp(t *testing.T) {
	var rec *metrics.Recorder
	rec.ObserveCheck(failingCheck(), t0)
	rec.ForgetCheck("payments", "orders-api")
	rec.ProbeTaskStarted()
	rec.ProbeTaskFailed("AGENT")
	rec.ExecSessionError(probe.ExecErrorConnect)
	rec.ObserveRun(time.Second)
	if err := rec.AWSMiddleware()(nil); err != nil {
		t.Fatal(err)
	}
}

func assertSeries(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
