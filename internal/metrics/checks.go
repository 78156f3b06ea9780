package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// The per-check series are rebuilt from a snapshot of each check's status at
// every scrape: a check that is forgotten has no series left, a target that
// is renamed or changes reason leaves no stale one behind, and ages ("seconds
// since") keep growing between status changes, which is what tells an alert
// that a check is no longer being probed.
var (
	labelsCheck  = []string{"namespace", "name"}
	labelsTarget = []string{"namespace", "name", "target"}

	descAsExpected = prometheus.NewDesc("ecscheck_target_as_expected",
		"1 when the target is as expected (after failureThreshold), else 0; reason is the target's last reason.",
		[]string{"namespace", "name", "target", "reason"}, nil)
	descConsecutiveFailures = prometheus.NewDesc("ecscheck_target_consecutive_failures",
		"Runs in a row whose result for the target was not as expected.", labelsTarget, nil)
	descSinceSuccess = prometheus.NewDesc("ecscheck_target_seconds_since_last_success",
		"Seconds since the target was last as expected; absent when it never was.", labelsTarget, nil)
	descCondition = prometheus.NewDesc("ecscheck_check_condition",
		"1 for each condition the check has (Ready, ProbeReady, ServiceHealthy, Reconciling, Stalled), with its status and reason.",
		[]string{"namespace", "name", "condition", "status", "reason"}, nil)
	descSuspended = prometheus.NewDesc("ecscheck_check_suspended",
		"1 when spec.suspend is true.", labelsCheck, nil)
	descInterval = prometheus.NewDesc("ecscheck_check_interval_seconds",
		"spec.interval, defaulted.", labelsCheck, nil)
	descSinceProbe = prometheus.NewDesc("ecscheck_check_seconds_since_last_probe",
		"Seconds since the check's last completed run, or since it was created when none has completed; absent while suspended.",
		labelsCheck, nil)
)

type checkCollector struct {
	wall func() time.Time

	mu     sync.Mutex
	checks map[types.NamespacedName]*checkSnapshot
}

// checkSnapshot is what one check's series are made of. Times are kept as
// the age they had when observed plus the wall time of the observation, so
// a reconciler with an injected clock and the scrape agree.
type checkSnapshot struct {
	observedAt time.Time // wall clock
	suspended  bool
	interval   float64
	sinceProbe *time.Duration
	conditions []conditionSnapshot
	targets    []targetSnapshot
}

type conditionSnapshot struct{ typ, status, reason string }

type targetSnapshot struct {
	name                string
	asExpected          bool
	reason              string
	consecutiveFailures int32
	sinceSuccess        *time.Duration
}

func newCheckCollector(wall func() time.Time) *checkCollector {
	return &checkCollector{wall: wall, checks: map[types.NamespacedName]*checkSnapshot{}}
}

// ObserveCheck replaces the check's series with what its status says; now
// is the time of the status (the reconciler's clock).
func (r *Recorder) ObserveCheck(check *v1alpha1.ECSConnectivityCheck, now time.Time) {
	if r == nil || check == nil {
		return
	}
	s := &checkSnapshot{
		observedAt: r.checks.wall(),
		suspended:  check.Spec.Suspend,
		interval:   check.Spec.IntervalDuration().Seconds(),
	}
	if !s.suspended {
		last := check.CreationTimestamp.Time
		if check.Status.LastProbeTime != nil {
			last = check.Status.LastProbeTime.Time
		}
		s.sinceProbe = age(now, last)
	}
	for _, c := range check.Status.Conditions {
		if conditionTypes[c.Type] {
			s.conditions = append(s.conditions, conditionSnapshot{c.Type, string(c.Status), conditionReason(c.Reason)})
		}
	}
	for _, ts := range check.Status.Targets {
		t := targetSnapshot{name: ts.Name, asExpected: ts.AsExpected, reason: targetReason(ts.Reason), consecutiveFailures: ts.ConsecutiveFailures}
		if ts.LastSuccessTime != nil {
			t.sinceSuccess = age(now, ts.LastSuccessTime.Time)
		}
		s.targets = append(s.targets, t)
	}
	r.checks.mu.Lock()
	defer r.checks.mu.Unlock()
	r.checks.checks[types.NamespacedName{Namespace: check.Namespace, Name: check.Name}] = s
}

// ForgetCheck removes every series of a deleted check.
func (r *Recorder) ForgetCheck(namespace, name string) {
	if r == nil {
		return
	}
	r.checks.mu.Lock()
	defer r.checks.mu.Unlock()
	delete(r.checks.checks, types.NamespacedName{Namespace: namespace, Name: name})
}

func age(now, t time.Time) *time.Duration {
	d := max(now.Sub(t), 0)
	return &d
}

func (c *checkCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAsExpected, descConsecutiveFailures, descSinceSuccess, descCondition, descSuspended, descInterval, descSinceProbe} {
		ch <- d
	}
}

func (c *checkCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.wall()
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, s := range c.checks {
		ns, name := key.Namespace, key.Name
		elapsed := max(now.Sub(s.observedAt), 0)
		ch <- gauge(descSuspended, boolValue(s.suspended), ns, name)
		ch <- gauge(descInterval, s.interval, ns, name)
		if s.sinceProbe != nil {
			ch <- gauge(descSinceProbe, (*s.sinceProbe + elapsed).Seconds(), ns, name)
		}
		for _, cond := range s.conditions {
			ch <- gauge(descCondition, 1, ns, name, cond.typ, cond.status, cond.reason)
		}
		for _, t := range s.targets {
			ch <- gauge(descAsExpected, boolValue(t.asExpected), ns, name, t.name, t.reason)
			ch <- gauge(descConsecutiveFailures, float64(t.consecutiveFailures), ns, name, t.name)
			if t.sinceSuccess != nil {
				ch <- gauge(descSinceSuccess, (*t.sinceSuccess + elapsed).Seconds(), ns, name, t.name)
			}
		}
	}
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
