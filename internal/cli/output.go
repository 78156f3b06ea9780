package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

func checkOutput(o string) error {
	switch o {
	case "table", "yaml", "json":
		return nil
	}
	return fmt.Errorf("-o must be table, yaml or json, not %q", o)
}

func readyOf(c *v1alpha1.ECSConnectivityCheck) *metav1.Condition {
	return meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionReady)
}

// printChecks prints the checks' statuses: a table, or the status objects
// (one, or a list when several checks ran).
func printChecks(w io.Writer, output string, checks []*v1alpha1.ECSConnectivityCheck) error {
	if output == "table" {
		for i, c := range checks {
			if i > 0 {
				fmt.Fprintln(w)
			}
			printTable(w, c)
		}
		return nil
	}
	var v any = &checks[0].Status
	if len(checks) > 1 {
		statuses := make([]*v1alpha1.ECSConnectivityCheckStatus, 0, len(checks))
		for _, c := range checks {
			statuses = append(statuses, &c.Status)
		}
		v = statuses
	}
	if output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// printTable is the readable form: the check, its targets with their
// findings and fixes, the service and probe findings, and the verdict.
func printTable(w io.Writer, c *v1alpha1.ECSConnectivityCheck) {
	st := c.Status
	head := fmt.Sprintf("CHECK %s  cluster %s", c.Name, c.Spec.Cluster)
	if c.Spec.Service != "" {
		head += "  service " + c.Spec.Service
	}
	fmt.Fprintln(w, head)
	if len(st.Targets) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TARGET\tRESULT\tAS EXPECTED\tREASON\tMESSAGE")
		for _, t := range st.Targets {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Result, yesNo(t.AsExpected), t.Reason, oneLine(t.Message))
		}
		tw.Flush()
		for _, t := range st.Targets {
			printFindings(w, t.Name, t.Findings)
		}
	}
	if s := st.Service; s != nil {
		fmt.Fprintf(w, "SERVICE %s: %d/%d tasks running\n", c.Spec.Service, s.RunningCount, s.DesiredCount)
		for _, r := range s.RecentStopReasons {
			fmt.Fprintf(w, "  stopped %s: %s\n", r.Code, oneLine(r.StoppedReason))
		}
	}
	for _, typ := range []string{v1alpha1.ConditionServiceHealthy, v1alpha1.ConditionProbeReady} {
		if cond := meta.FindStatusCondition(st.Conditions, typ); cond != nil && cond.Status != metav1.ConditionTrue {
			fmt.Fprintf(w, "%s: %s %s: %s\n", typ, cond.Status, cond.Reason, oneLine(cond.Message))
		}
	}
	printFindings(w, "check", st.Findings)
	if r := readyOf(c); r != nil {
		fmt.Fprintf(w, "READY %s %s: %s", r.Status, r.Reason, oneLine(r.Message))
		if st.Summary != "" {
			fmt.Fprintf(w, " (%s as expected)", st.Summary)
		}
		fmt.Fprintln(w)
	}
}

// printFindings lists findings under what they explain; the message says
// what to change.
func printFindings(w io.Writer, what string, findings []v1alpha1.Finding) {
	if len(findings) == 0 {
		return
	}
	fmt.Fprintf(w, "FINDINGS %s:\n", what)
	for _, f := range findings {
		res := ""
		if f.Resource != "" {
			res = " (" + f.Resource + ")"
		}
		fmt.Fprintf(w, "  - %s%s: %s\n", f.Code, res, oneLine(f.Message))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
