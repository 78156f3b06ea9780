package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"

	"github.com/ecscheck/ecscheck/hack/tools/dashboard"
	"github.com/ecscheck/ecscheck/internal/metrics"
)

var update = flag.Bool("update", false, "rewrite config/grafana/ecscheck.json")

func jsonPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "config", "grafana", "ecscheck.json")
}

func TestDashboardIsCurrent(t *testing.T) {
	want, err := dashboard.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(jsonPath()), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(jsonPath(), want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(jsonPath())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("config/grafana/ecscheck.json differs from dashboard.go: run go test ./hack/tools/dashboard -update (in its module)")
	}
}

// exprs are the PromQL expressions of the committed JSON, as Grafana reads
// them: every panel target's expr.
func exprs(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(jsonPath())
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range d.Panels {
		for _, target := range p.Targets {
			if target.Expr == "" {
				t.Errorf("panel %q has a target without expr", p.Title)
			}
			out = append(out, target.Expr)
		}
	}
	// label_values(selector, label) is Grafana's; its selector is PromQL.
	labelValues := regexp.MustCompile(`^label_values\((.+), *[a-z_]+\)$`)
	for _, v := range d.Templating.List {
		if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
			out = append(out, m[1])
		}
	}
	if len(out) < len(dashboard.Panels) {
		t.Fatalf("%d expressions in the JSON, fewer than its %d panels", len(out), len(dashboard.Panels))
	}
	return out
}

// Grafana replaces its variables before the query reaches Prometheus.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$namespace", ".*")

func parse(t *testing.T, expr string) parser.Expr {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVariables.Replace(expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return e
}

func TestEveryExpressionParses(t *testing.T) {
	for _, e := range exprs(t) {
		parse(t, e)
	}
}

// Every metric the dashboard reads is one the controller exports (or
// Prometheus's own up): a renamed metric would leave an empty panel.
func TestEveryMetricIsExported(t *testing.T) {
	exported := map[string]bool{"up": true}
	descs := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range collectors(t) {
			c.Describe(descs)
		}
		close(descs)
	}()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			exported[m[1]] = true
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				exported[m[1]+suffix] = true
			}
		}
	}
	for _, e := range exprs(t) {
		parser.Inspect(parse(t, e), func(node parser.Node, _ []parser.Node) error {
			if vs, ok := node.(*parser.VectorSelector); ok && !exported[vs.Name] {
				t.Errorf("%s reads %s, which the controller does not export", e, vs.Name)
			}
			return nil
		})
	}
}

// collectors lists what the controller's NewRecorder registers.
func collectors(t *testing.T) []prometheus.Collector {
	k := &keeping{}
	if _, err := metrics.NewRecorder(k, metrics.Options{}); err != nil {
		t.Error(err)
	}
	return k.cs
}

type keeping struct{ cs []prometheus.Collector }

func (k *keeping) Register(c prometheus.Collector) error   { k.cs = append(k.cs, c); return nil }
func (k *keeping) MustRegister(cs ...prometheus.Collector) { k.cs = append(k.cs, cs...) }
func (k *keeping) Unregister(prometheus.Collector) bool    { return false }

// series are what one controller exports over 30 minutes (the names and
// labels of internal/metrics) while a check in payments has a failing
// target and a stopped probe: every panel has something to show.
const series = `
load 1m
  ecscheck_build_info{version="v0.1.0",goversion="go1.26.8",job="ecscheck",instance="10.0.1.5:8080"} 1x30
  up{job="ecscheck",instance="10.0.1.5:8080"} 1x30
  ecscheck_check_condition{namespace="payments",name="orders-api",condition="Ready",status="False",reason="TargetsNotAsExpected"} 1x30
  ecscheck_check_condition{namespace="payments",name="orders-api",condition="ProbeReady",status="False",reason="ProbeTaskStopped"} 1x30
  ecscheck_target_as_expected{namespace="payments",name="orders-api",target="sns-https",reason="ConnectionTimedOut"} 0x30
  ecscheck_target_consecutive_failures{namespace="payments",name="orders-api",target="sns-https"} 0+1x30
  ecscheck_check_seconds_since_last_probe{namespace="payments",name="orders-api"} 0+60x30
  ecscheck_probe_task_starts_total 0+1x30
  ecscheck_probe_task_failures_total{reason="AGENT"} 0+1x30
  ecscheck_exec_session_errors_total{kind="SessionDropped"} 0+1x30
  ecscheck_probe_run_duration_seconds_bucket{le="5"} 0+1x30
  ecscheck_probe_run_duration_seconds_bucket{le="10"} 0+2x30
  ecscheck_probe_run_duration_seconds_bucket{le="+Inf"} 0+2x30
  ecscheck_aws_api_calls_total{service="ECS",operation="RunTask"} 0+10x30
  ecscheck_aws_api_errors_total{service="ECS",operation="RunTask",code="AccessDeniedException"} 0+2x30
  ecscheck_aws_api_retries_total{service="EC2",operation="DescribeVpcs",code="RequestLimitExceeded"} 0+1x30
`

// Every expression, evaluated by Prometheus's engine on those series,
// returns something: no panel is empty for a controller that has work.
func TestEveryExpressionEvaluates(t *testing.T) {
	storage := promqltest.LoadedStorage(t, series)
	engine := promqltest.NewTestEngine(t, false, 5*time.Minute, promqltest.DefaultMaxSamplesPerQuery)
	at := time.Unix(0, 0).Add(20 * time.Minute)
	var empty []string
	for _, e := range exprs(t) {
		q, err := engine.NewInstantQuery(context.Background(), storage, nil, grafanaVariables.Replace(e), at)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		res := q.Exec(context.Background())
		if res.Err != nil {
			t.Fatalf("%s: %v", e, res.Err)
		}
		if v, ok := res.Value.(promql.Vector); !ok || len(v) == 0 {
			empty = append(empty, e)
		}
		q.Close()
	}
	sort.Strings(empty)
	if len(empty) > 0 {
		t.Fatalf("empty on the test series:\n%s", strings.Join(empty, "\n"))
	}
}
