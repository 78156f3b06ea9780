// Package metrics exports what the controller sees as Prometheus metrics on
// the controller-runtime registry (served at the manager's /metrics):
//
//   - ecscheck_build_info{version,goversion}, always 1;
//   - per check and target, from their status: ecscheck_target_as_expected
//     {namespace,name,target,reason}, ecscheck_target_consecutive_failures,
//     ecscheck_target_seconds_since_last_success, ecscheck_check_condition
//     {namespace,name,condition,status,reason}, ecscheck_check_suspended,
//     ecscheck_check_interval_seconds, ecscheck_check_seconds_since_last_probe;
//   - from the probe step: ecscheck_probe_run_duration_seconds,
//     ecscheck_probe_task_starts_total, ecscheck_probe_task_failures_total
//     {reason}, ecscheck_exec_session_errors_total{kind};
//   - from an SDK middleware on every AWS client: ecscheck_aws_api_calls_total
//     {service,operation}, ecscheck_aws_api_errors_total and
//     ecscheck_aws_api_retries_total {service,operation,code}.
//
// Every label value is a name from the spec or a member of a closed set
// (reasons, kinds, AWS error codes); messages and ARNs never are.
// config/prometheus/rules.yaml alerts on these series.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Recorder holds the controller's metrics. Its methods are safe for
// concurrent use, and do nothing on a nil *Recorder, so code that is handed
// none needs no checks.
type Recorder struct {
	checks *checkCollector

	taskStarts   prometheus.Counter
	taskFailures *prometheus.CounterVec
	execErrors   *prometheus.CounterVec
	runDuration  prometheus.Histogram

	awsCalls   *prometheus.CounterVec
	awsErrors  *prometheus.CounterVec
	awsRetries *prometheus.CounterVec
}

// Options change a Recorder; the zero value is what the controller uses.
type Options struct {
	// Now is the wall clock "seconds since" gauges are computed with at
	// scrape time; nil means time.Now.
	Now func() time.Time
}

var (
	defaultOnce     sync.Once
	defaultRecorder *Recorder
)

// Default returns the Recorder registered on controller-runtime's registry,
// creating it on first use, so main and tests share one set of collectors.
func Default() *Recorder {
	defaultOnce.Do(func() {
		r, err := NewRecorder(ctrlmetrics.Registry, Options{})
		if err != nil {
			panic(err) // only a name clash with another collector, a programming error
		}
		defaultRecorder = r
	})
	return defaultRecorder
}

// NewRecorder creates the collectors and registers them on reg.
func NewRecorder(reg prometheus.Registerer, opts Options) (*Recorder, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	r := &Recorder{
		checks: newCheckCollector(now),
		taskStarts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ecscheck_probe_task_starts_total",
			Help: "Probe tasks started with ecs:RunTask.",
		}),
		taskFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecscheck_probe_task_failures_total",
			Help: "Probe tasks that failed to start or stopped, by RunTask failure reason or stop code (AGENT, CannotPullContainer, ...).",
		}, []string{"reason"}),
		execErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecscheck_exec_session_errors_total",
			Help: "ECS Exec sessions into probes that failed, by kind.",
		}, []string{"kind"}),
		runDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ecscheck_probe_run_duration_seconds",
			Help: "Time one probe run took, from ecs:ExecuteCommand to the last target result.",
			// Targets run in parallel, so a run takes about one timeout
			// (1s..60s) plus the session set-up.
			Buckets: []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120},
		}),
		awsCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecscheck_aws_api_calls_total",
			Help: "AWS API operations the controller called, retries included in one call.",
		}, []string{"service", "operation"}),
		awsErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecscheck_aws_api_errors_total",
			Help: "AWS API operations that failed after their retries, by the final error code.",
		}, []string{"service", "operation", "code"}),
		awsRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecscheck_aws_api_retries_total",
			Help: "Attempts of AWS API operations the SDK retried, by the error code that caused the retry.",
		}, []string{"service", "operation", "code"}),
	}
	// Reasons and kinds start at zero, so increase() sees the first failure.
	for _, reason := range sortedKeys(taskFailureReasons) {
		r.taskFailures.WithLabelValues(reason)
	}
	for _, kind := range sortedKeys(execErrorKinds) {
		r.execErrors.WithLabelValues(kind)
	}
	for _, c := range []prometheus.Collector{newBuildInfo(), r.checks, r.taskStarts, r.taskFailures, r.execErrors, r.runDuration, r.awsCalls, r.awsErrors, r.awsRetries} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// ProbeTaskStarted counts a probe task that RunTask started.
func (r *Recorder) ProbeTaskStarted() {
	if r != nil {
		r.taskStarts.Inc()
	}
}

// ProbeTaskFailed counts a probe task that could not start or stopped;
// reason is a RunTask failure reason, a stop code or a stopped reason (see
// TaskFailureReason).
func (r *Recorder) ProbeTaskFailed(reason string) {
	if r != nil {
		r.taskFailures.WithLabelValues(TaskFailureReason(reason)).Inc()
	}
}

// ExecSessionError counts a failed ECS Exec session; kind is one of the
// ExecError* constants (anything else counts as Other).
func (r *Recorder) ExecSessionError(kind string) {
	if r != nil {
		r.execErrors.WithLabelValues(execErrorKind(kind)).Inc()
	}
}

// ObserveRun records how long one probe run took.
func (r *Recorder) ObserveRun(d time.Duration) {
	if r != nil {
		r.runDuration.Observe(d.Seconds())
	}
}
