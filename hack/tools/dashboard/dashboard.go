// Package dashboard builds the Grafana dashboard of ecscheck's metrics,
// config/grafana/ecscheck.json, with the Grafana Foundation SDK: its test
// rewrites the file with -update and fails when the file and this code
// differ, so the JSON is never edited by hand.
package dashboard

import (
	"encoding/json"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Query is one PromQL expression of a panel, with its legend.
type Query struct {
	Expr   string
	Legend string
	// Instant queries feed tables (the current state, not a history).
	Instant bool
}

// The checks' panels select with the dashboard's namespace variable.
const ns = `namespace=~"$namespace"`

// Panel is the SDK-free description of a panel, so the test can walk every
// expression without decoding the SDK's variants.
type Panel struct {
	Row     string
	Kind    string // stat, timeseries or table
	Title   string
	Help    string
	Unit    string
	Queries []Query
}

// Panels is the dashboard's content, top to bottom.
var Panels = []Panel{
	{Row: "Overview", Kind: "stat", Title: "Checks", Help: "ECSConnectivityChecks the controller reports.",
		Queries: []Query{{Expr: `count(count by (namespace, name) (ecscheck_check_condition{condition="Ready",` + ns + `})) or vector(0)`}}},
	{Row: "Overview", Kind: "stat", Title: "Checks not Ready", Help: "Checks whose Ready condition is not True.",
		Queries: []Query{{Expr: `count(max by (namespace, name) (ecscheck_check_condition{condition="Ready",status!="True",` + ns + `}) == 1) or vector(0)`}}},
	{Row: "Overview", Kind: "stat", Title: "Targets not as expected", Help: "Targets whose last result differs from spec.targets[].expect.",
		Queries: []Query{{Expr: `count(max without (reason) (ecscheck_target_as_expected{` + ns + `}) == 0) or vector(0)`}}},
	{Row: "Overview", Kind: "stat", Title: "Controllers", Help: "Controller replicas scraped, by version (ecscheck_build_info).",
		Queries: []Query{{Expr: `count by (version) (ecscheck_build_info)`, Legend: "{{version}}"}}},

	{Row: "Checks", Kind: "table", Title: "Targets not as expected", Help: "Each failing target with its reason; `kubectl describe ecscheck` shows the findings.",
		Queries: []Query{{Expr: `max by (namespace, name, target, reason) (ecscheck_target_as_expected{` + ns + `}) == 0`, Instant: true}}},
	{Row: "Checks", Kind: "table", Title: "Probes that cannot run", Help: "Checks whose ProbeReady condition is False, with the reason.",
		Queries: []Query{{Expr: `max by (namespace, name, reason) (ecscheck_check_condition{condition="ProbeReady",status="False",` + ns + `}) == 1`, Instant: true}}},
	{Row: "Checks", Kind: "timeseries", Title: "Time since last probe run", Unit: "s", Help: "Age of each check's last completed run; the ECSCheckNotProbed alert fires past 3 intervals.",
		Queries: []Query{{Expr: `ecscheck_check_seconds_since_last_probe{` + ns + `}`, Legend: "{{namespace}}/{{name}}"}}},
	{Row: "Checks", Kind: "timeseries", Title: "Consecutive failures", Help: "Runs in a row in which a target was not as expected.",
		Queries: []Query{{Expr: `ecscheck_target_consecutive_failures{` + ns + `} > 0`, Legend: "{{namespace}}/{{name}} {{target}}"}}},

	{Row: "Probes", Kind: "timeseries", Title: "Probe tasks started and failed", Unit: "ops",
		Queries: []Query{
			{Expr: `sum(rate(ecscheck_probe_task_starts_total[$__rate_interval]))`, Legend: "started"},
			{Expr: `sum by (reason) (rate(ecscheck_probe_task_failures_total[$__rate_interval])) > 0`, Legend: "failed: {{reason}}"},
		}},
	{Row: "Probes", Kind: "timeseries", Title: "Probe run duration", Unit: "s",
		Queries: []Query{
			{Expr: `histogram_quantile(0.5, sum by (le) (rate(ecscheck_probe_run_duration_seconds_bucket[$__rate_interval])))`, Legend: "p50"},
			{Expr: `histogram_quantile(0.95, sum by (le) (rate(ecscheck_probe_run_duration_seconds_bucket[$__rate_interval])))`, Legend: "p95"},
		}},
	{Row: "Probes", Kind: "timeseries", Title: "ECS Exec session errors", Unit: "ops",
		Queries: []Query{{Expr: `sum by (kind) (rate(ecscheck_exec_session_errors_total[$__rate_interval])) > 0`, Legend: "{{kind}}"}}},

	{Row: "AWS API", Kind: "timeseries", Title: "AWS API calls", Unit: "reqps",
		Queries: []Query{{Expr: `sum by (service, operation) (rate(ecscheck_aws_api_calls_total[$__rate_interval]))`, Legend: "{{service}} {{operation}}"}}},
	{Row: "AWS API", Kind: "timeseries", Title: "AWS API errors", Unit: "reqps", Help: "Calls that failed after their retries, by error code.",
		Queries: []Query{{Expr: `sum by (service, operation, code) (rate(ecscheck_aws_api_errors_total[$__rate_interval])) > 0`, Legend: "{{service}} {{operation}} {{code}}"}}},
	{Row: "AWS API", Kind: "timeseries", Title: "AWS API retries", Unit: "reqps",
		Queries: []Query{{Expr: `sum by (service, operation, code) (rate(ecscheck_aws_api_retries_total[$__rate_interval])) > 0`, Legend: "{{service}} {{operation}} {{code}}"}}},
}

// Variables are the dashboard's template variables: the Prometheus data
// source and the checks' namespaces.
var Variables = []Query{{Expr: `label_values(ecscheck_check_condition, namespace)`}}

func datasource() common.DataSourceRef {
	t, uid := "prometheus", "${datasource}"
	return common.DataSourceRef{Type: &t, Uid: &uid}
}

func targets(p Panel) []cog.Builder[variants.Dataquery] {
	var out []cog.Builder[variants.Dataquery]
	for _, q := range p.Queries {
		b := prometheus.NewDataqueryBuilder().Expr(q.Expr).Datasource(datasource())
		if q.Legend != "" {
			b = b.LegendFormat(q.Legend)
		}
		if q.Instant {
			b = b.Instant().Format(prometheus.PromQueryFormatTable)
		} else {
			b = b.Range()
		}
		out = append(out, b)
	}
	return out
}

func panel(p Panel) cog.Builder[dashboard.Panel] {
	switch p.Kind {
	case "stat":
		b := stat.NewPanelBuilder().Title(p.Title).Description(p.Help).Datasource(datasource()).Height(4).Span(6)
		for _, t := range targets(p) {
			b = b.WithTarget(t)
		}
		return b
	case "table":
		b := table.NewPanelBuilder().Title(p.Title).Description(p.Help).Datasource(datasource()).Height(8).Span(12)
		for _, t := range targets(p) {
			b = b.WithTarget(t)
		}
		return b
	default:
		b := timeseries.NewPanelBuilder().Title(p.Title).Description(p.Help).Datasource(datasource()).Height(8).Span(12)
		if p.Unit != "" {
			b = b.Unit(p.Unit)
		}
		for _, t := range targets(p) {
			b = b.WithTarget(t)
		}
		return b
	}
}

// JSON is config/grafana/ecscheck.json.
func JSON() ([]byte, error) {
	namespaces := Variables[0].Expr
	b := dashboard.NewDashboardBuilder("ecscheck").
		Uid("ecscheck").
		Description("ECSConnectivityCheck results, probe tasks and AWS API calls of the ecscheck controller.").
		Tags([]string{"ecscheck", "ecs", "aws"}).
		Refresh("1m").
		Time("now-6h", "now").
		Timezone(common.TimeZoneBrowser).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus")).
		WithVariable(dashboard.NewQueryVariableBuilder("namespace").Label("Namespace").
			Datasource(datasource()).
			Query(dashboard.StringOrMap{String: &namespaces}).
			Definition(namespaces).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Multi(true).IncludeAll(true).AllValue(".*"))
	row := ""
	for _, p := range Panels {
		if p.Row != row {
			row = p.Row
			b = b.WithRow(dashboard.NewRowBuilder(row))
		}
		b = b.WithPanel(panel(p))
	}
	d, err := b.Build()
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
