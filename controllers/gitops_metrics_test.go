package controllers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/metrics"
)

// startMetricsWatcher wires the metrics as main does (metrics.Default() on
// controller-runtime's registry, a CheckWatcher on a cache of the cluster)
// next to the suite's controller, and serves the registry over HTTP on
// loopback as the manager's /metrics does.
func startMetricsWatcher(t *testing.T) (rec *metrics.Recorder, scrape func() map[string]*dto.MetricFamily) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	informers, err := cache.New(env.Config, cache.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = informers.Start(ctx) }()
	rec = metrics.Default()
	go func() { _ = (&metrics.CheckWatcher{Informers: informers, Recorder: rec}).Start(ctx) }()
	if !informers.WaitForCacheSync(ctx) {
		t.Fatal("metrics cache did not sync")
	}

	srv := httptest.NewServer(promhttp.HandlerFor(ctrlmetrics.Registry, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return rec, func() map[string]*dto.MetricFamily {
		t.Helper()
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
		if err != nil {
			t.Fatalf("scrape: %v\n%s", err, body)
		}
		return families
	}
}

// seriesOf lists a family's samples whose labels include match, as
// `{label="value",...} value`.
func seriesOf(families map[string]*dto.MetricFamily, name string, match map[string]string) map[string]float64 {
	out := map[string]float64{}
	f := families[name]
	if f == nil {
		return out
	}
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		var keys []string
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range match {
			ok = ok && labels[k] == v
		}
		if !ok {
			continue
		}
		for k := range labels {
			if _, matched := match[k]; !matched {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+strconv.Quote(labels[k]))
		}
		v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
		out["{"+strings.Join(parts, ",")+"}"] = v
	}
	return out
}

// A scrape during an envtest run shows each check and target as its status
// says, counts the controller's AWS calls through the SDK middleware, and
// shows nothing for a check once it is deleted.
func TestGitopsMetricsScrape(t *testing.T) {
	_, scrape := startMetricsWatcher(t)
	ns := newNamespace(t, nil)
	stateFailing(t, ns, "metrics-failing")
	stateHealthy(t, ns, "metrics-healthy")
	failing := map[string]string{"namespace": ns, "name": "metrics-failing"}

	var families map[string]*dto.MetricFamily
	eventually(t, "the failing check's series", func() (bool, string) {
		families = scrape()
		got := seriesOf(families, "ecscheck_target_as_expected", failing)
		return len(got) == 3, fmt.Sprint(got)
	})
	expectSeries(t, families, "ecscheck_target_as_expected", failing, map[string]float64{
		`{reason="ConnectionTimedOut",target="sns-https"}`:                  0,
		`{reason="AccessDeniedVPCEndpointPolicy",target="sns-list-topics"}`: 0,
		`{reason="ConnectionTimedOut",target="no-egress-to-internet"}`:      1,
	})
	expectSeries(t, families, "ecscheck_target_consecutive_failures", failing, map[string]float64{
		`{target="sns-https"}`: 1, `{target="sns-list-topics"}`: 1, `{target="no-egress-to-internet"}`: 0,
	})
	expectSeries(t, families, "ecscheck_check_condition", failing, map[string]float64{
		`{condition="Ready",reason="TargetsNotAsExpected",status="False"}`: 1,
		`{condition="ProbeReady",reason="ProbeRunning",status="True"}`:     1,
	})
	expectSeries(t, families, "ecscheck_check_interval_seconds", failing, map[string]float64{`{}`: 300})
	expectSeries(t, families, "ecscheck_check_suspended", failing, map[string]float64{`{}`: 0})
	// Ages: the targets that failed from the start never succeeded.
	since := seriesOf(families, "ecscheck_target_seconds_since_last_success", failing)
	if _, ok := since[`{target="sns-https"}`]; ok || len(since) != 1 || since[`{target="no-egress-to-internet"}`] > 60 {
		t.Errorf("seconds since last success = %v, want only no-egress-to-internet, recent", since)
	}
	if age := seriesOf(families, "ecscheck_check_seconds_since_last_probe", failing)[`{}`]; age <= 0 || age > 60 {
		t.Errorf("seconds since last probe = %v, want the age of the run just made", age)
	}
	expectSeries(t, families, "ecscheck_check_condition", map[string]string{"namespace": ns, "name": "metrics-healthy"}, map[string]float64{
		`{condition="Ready",reason="AllTargetsAsExpected",status="True"}`: 1,
		`{condition="ProbeReady",reason="ProbeRunning",status="True"}`:    1,
	})

	// The probe step's counters are on the same endpoint from the start.
	for _, name := range []string{"ecscheck_probe_task_starts_total", "ecscheck_probe_task_failures_total", "ecscheck_exec_session_errors_total", "ecscheck_probe_run_duration_seconds"} {
		if families[name] == nil {
			t.Errorf("%s is not served", name)
		}
	}
	if v := seriesOf(families, "ecscheck_probe_task_failures_total", nil)[`{reason="AGENT"}`]; families["ecscheck_probe_task_failures_total"] != nil && v != 0 {
		t.Errorf("probe task failures by AGENT = %v before any probe", v)
	}

	// The AWS counters live on the process-wide registry: count this call
	// as the difference it makes, so the test holds when repeated.
	ecs := map[string]string{"service": "ECS"}
	callsBefore := seriesOf(families, "ecscheck_aws_api_calls_total", ecs)[`{operation="DescribeServices"}`]
	errorsBefore := seriesOf(families, "ecscheck_aws_api_errors_total", ecs)[`{code="AccessDeniedException",operation="DescribeServices"}`]
	awsCallThroughFactory(t)
	families = scrape()
	if d := seriesOf(families, "ecscheck_aws_api_calls_total", ecs)[`{operation="DescribeServices"}`] - callsBefore; d != 1 {
		t.Errorf("ecscheck_aws_api_calls_total{service=ECS,operation=DescribeServices} grew by %v, want 1", d)
	}
	if d := seriesOf(families, "ecscheck_aws_api_errors_total", ecs)[`{code="AccessDeniedException",operation="DescribeServices"}`] - errorsBefore; d != 1 {
		t.Errorf("ecscheck_aws_api_errors_total{service=ECS,code=AccessDeniedException} grew by %v, want 1", d)
	}

	// Deleted: its probe is released, and no series is left.
	if err := env.Client.Delete(context.Background(), get(t, ns, "metrics-failing")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the check to be gone", func() (bool, string) {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "metrics-failing"}, &v1alpha1.ECSConnectivityCheck{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	eventually(t, "no series for the deleted check", func() (bool, string) {
		families = scrape()
		for name := range families {
			if got := seriesOf(families, name, failing); len(got) > 0 {
				return false, name + fmt.Sprint(got)
			}
		}
		return true, ""
	})
	if got := seriesOf(families, "ecscheck_target_as_expected", map[string]string{"namespace": ns, "name": "metrics-healthy"}); len(got) != 3 {
		t.Fatalf("the other check lost its series: %v", got)
	}
}

func expectSeries(t *testing.T, families map[string]*dto.MetricFamily, name string, match map[string]string, want map[string]float64) {
	t.Helper()
	got := seriesOf(families, name, match)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s%v = %v, want %v", name, match, got, want)
	}
}

// awsCallThroughFactory makes one ECS call that AWS refuses, through the
// client factory with the metrics middleware as main wires it, against a
// loopback endpoint.
func awsCallThroughFactory(t *testing.T) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/ecscheck/x is not authorized to perform: ecs:DescribeServices"}`)
	}))
	defer srv.Close()
	f, err := awsclient.NewFactory(context.Background(), awsclient.Options{
		APIOptions: []func(*middleware.Stack) error{metrics.Default().AWSMiddleware()},
		ConfigOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
			config.WithBaseEndpoint(srv.URL),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.For(context.Background(), "ap-northeast-1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"orders-api"}}); err == nil {
		t.Fatal("DescribeServices succeeded against an endpoint that refuses it")
	}
}
