package metrics

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ecscheck/ecscheck/internal/probe"
)

// Every reason the API defines must be a label value of its own, or alerts
// and dashboards would see it as Other. This reads the constants from the
// API's source, so a reason added there without being added here fails.
func TestEveryAPIReasonIsALabelValue(t *testing.T) {
	fset := token.NewFileSet()
	for _, file := range []string{"conditions.go", "findings.go"} {
		f, err := parser.ParseFile(fset, filepath.Join("..", "..", "api", "v1alpha1", file), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok || len(spec.Values) != 1 {
				return true
			}
			lit, ok := spec.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			name := spec.Names[0].Name
			value, _ := strconv.Unquote(lit.Value)
			switch {
			case strings.HasPrefix(name, "Reason") && !targetReasons[value] && !conditionReasons[value]:
				t.Errorf("api reason %s = %q is not a label value: add it to targetReasons or conditionReasons", name, value)
			case strings.HasPrefix(name, "FindingAccessDenied") && !targetReasons[value]:
				t.Errorf("AccessDenied target reason %s = %q is not in targetReasons", name, value)
			case strings.HasPrefix(name, "Condition") && !conditionTypes[value]:
				t.Errorf("condition type %s = %q is not exported", name, value)
			}
			return true
		})
	}
}

func TestTaskFailureReason(t *testing.T) {
	for in, want := range map[string]string{
		"AGENT":               TaskFailureAgent,
		"RESOURCE:MEMORY":     TaskFailureResource,
		"RESOURCE:ENI":        TaskFailureResource,
		"ATTRIBUTE":           TaskFailureAttribute,
		"MISSING":             TaskFailureMissing,
		"TaskFailedToStart":   TaskFailureTaskFailedToStart,
		"CannotPullContainer": TaskFailureCannotPullContainer,
		"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref": TaskFailureCannotPullContainer,
		"ResourceInitializationError: unable to pull secrets or registry auth":                            TaskFailureResourceInitialization,
		"Essential container in task exited":                                                              TaskFailureEssentialContainerExited,
		"arn:aws:ecs:ap-northeast-1:123456789012:container-instance/abc":                                  Other,
		"": Other,
	} {
		if got := TaskFailureReason(in); got != want {
			t.Errorf("TaskFailureReason(%q) = %q, want %q", in, got, want)
		}
	}
}

// An exec error kind the probe does not report becomes Other, so a new
// error text can never grow the label set.
func TestUnknownExecErrorKindIsOther(t *testing.T) {
	if got := execErrorKind("websocket: close 1006 (abnormal closure)"); got != Other {
		t.Errorf("unknown kind exported as %q, want %q", got, Other)
	}
	if got := execErrorKind(probe.ExecErrorSessionDropped); got != probe.ExecErrorSessionDropped {
		t.Errorf("SessionDropped exported as %q", got)
	}
}
