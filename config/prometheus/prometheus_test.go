// Package prometheus_test checks the alerting rules: promtool validates and
// unit-tests them, the PrometheusRule carries exactly them, every metric
// they use is one the controller exports, and the kustomization builds.
package prometheus_test

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/yaml"

	"github.com/ecscheck/ecscheck/internal/metrics"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

var updatePrometheusRule = flag.Bool("update-prometheusrule", false, "rewrite prometheusrule.yaml from rules.yaml")

// promtool comes with Debian's prometheus package (.ci/run installs it).
func promtool(t *testing.T, args ...string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not found: install Debian's prometheus package (apt-get install prometheus) to check and unit-test the alerting rules")
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
}

func TestPromtoolCheckRules(t *testing.T) {
	promtool(t, "check", "rules", "rules.yaml")
}

// rules_test.yaml has, for every alert, a case where it fires (with its
// templated summary and description) and cases where it stays quiet.
func TestPromtoolTestRules(t *testing.T) {
	promtool(t, "test", "rules", "rules_test.yaml")
}

func TestPrometheusRuleCarriesTheRules(t *testing.T) {
	rules, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if *updatePrometheusRule {
		if err := os.WriteFile("prometheusrule.yaml", prometheusRuleFor(t, rules), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var plain struct {
		Groups []any `json:"groups"`
	}
	if err := yaml.UnmarshalStrict(rules, &plain); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("prometheusrule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cr struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       struct {
			Groups []any `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(data, &cr); err != nil {
		t.Fatal(err)
	}
	if cr.APIVersion != "monitoring.coreos.com/v1" || cr.Kind != "PrometheusRule" {
		t.Fatalf("prometheusrule.yaml is a %s %s", cr.APIVersion, cr.Kind)
	}
	if len(plain.Groups) == 0 || !reflect.DeepEqual(plain.Groups, cr.Spec.Groups) {
		t.Fatal("prometheusrule.yaml's groups differ from rules.yaml: run go test ./config/prometheus -update-prometheusrule")
	}
}

// prometheusRuleFor wraps rules.yaml's groups, comments and all, in a
// PrometheusRule.
func prometheusRuleFor(t *testing.T, rules []byte) []byte {
	_, groups, ok := strings.Cut(string(rules), "\ngroups:\n")
	if !ok {
		t.Fatal("rules.yaml has no top-level groups:")
	}
	var b strings.Builder
	b.WriteString(`# The alerts of rules.yaml for the Prometheus Operator; generated from it by
# go test ./config/prometheus -update-prometheusrule (do not edit by hand).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: controller-manager-alerts
  namespace: system
  labels:
    control-plane: controller-manager
spec:
  groups:
`)
	for _, line := range strings.SplitAfter(groups, "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("  ")
		}
		b.WriteString(line)
	}
	return []byte(b.String())
}

// Every ecscheck_* metric an alert uses is one the controller exports: a
// renamed metric would otherwise leave an alert that can never fire.
func TestRulesUseExportedMetrics(t *testing.T) {
	rules, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg := &describing{}
	if _, err := metrics.NewRecorder(reg, metrics.Options{}); err != nil {
		t.Fatal(err)
	}
	exported := reg.names()
	used := map[string]bool{}
	for _, name := range regexp.MustCompile(`\becscheck_[a-z_]+`).FindAllString(string(rules), -1) {
		used[name] = true
	}
	if len(used) == 0 {
		t.Fatal("no ecscheck_ metric in rules.yaml")
	}
	for name := range used {
		if !exported[name] {
			t.Errorf("rules.yaml uses %s, which the controller does not export (it exports %v)", name, keys(exported))
		}
	}
}

// describing collects the metric names of everything registered on it.
type describing struct{ collectors []prometheus.Collector }

func (d *describing) Register(c prometheus.Collector) error {
	d.collectors = append(d.collectors, c)
	return nil
}
func (d *describing) MustRegister(cs ...prometheus.Collector) {
	d.collectors = append(d.collectors, cs...)
}
func (d *describing) Unregister(prometheus.Collector) bool { return false }

func (d *describing) names() map[string]bool {
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	out := map[string]bool{}
	for _, c := range d.collectors {
		ch := make(chan *prometheus.Desc, 32)
		go func() { c.Describe(ch); close(ch) }()
		for desc := range ch {
			if m := fqName.FindStringSubmatch(desc.String()); m != nil {
				out[m[1]] = true
			}
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// kubectl apply -k config/prometheus installs the ServiceMonitor and the
// PrometheusRule next to the controller (config/default's namespace), and
// the scrape keeps the checks' namespace label (honorLabels) instead of
// renaming it exported_namespace, which the alerts rely on.
func TestKustomizationBuilds(t *testing.T) {
	kubectl := filepath.Join(testenv.BinDir(), "kubectl")
	if _, err := os.Stat(kubectl); errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s not found: run make tools", kubectl)
	}
	out, err := exec.Command(kubectl, "kustomize", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize config/prometheus: %v\n%s", err, out)
	}
	docs := strings.Split(string(out), "\n---\n")
	found := map[string]map[string]any{}
	for _, doc := range docs {
		obj := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		kind, _ := obj["kind"].(string)
		found[kind] = obj
		if ns := obj["metadata"].(map[string]any)["namespace"]; ns != "ecscheck-system" {
			t.Errorf("%s in namespace %v, want ecscheck-system", kind, ns)
		}
	}
	sm, rule := found["ServiceMonitor"], found["PrometheusRule"]
	if sm == nil || rule == nil || len(found) != 2 {
		t.Fatalf("kustomize built %v, want a ServiceMonitor and a PrometheusRule", keys(toSet(found)))
	}
	if jl := sm["spec"].(map[string]any)["jobLabel"]; jl != "app.kubernetes.io/name" {
		t.Errorf("ServiceMonitor jobLabel %v, want app.kubernetes.io/name (the alerts match job=\"ecscheck\")", jl)
	}
	endpoint := sm["spec"].(map[string]any)["endpoints"].([]any)[0].(map[string]any)
	if endpoint["honorLabels"] != true {
		t.Errorf("ServiceMonitor endpoint %v lacks honorLabels: true", endpoint)
	}
}

func toSet(m map[string]map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}
