package probe

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// botocoreOps lists every read-only operation of every service in the
// botocore models of the aws CLI on this machine, with the CLI command
// botocore's xform_name gives it.
const botocoreOps = `
import re, botocore.session
from botocore import xform_name
s = botocore.session.get_session()
for svc in s.get_available_services():
    for op in s.get_service_model(svc).operation_names:
        if re.match(r'^(List|Describe|Get|Head)', op):
            print(svc, op, xform_name(op, '-'))
`

// TestEveryBotocoreReadOnlyActionPasses: every List*, Describe*, Get* and
// Head* operation AWS publishes passes the controller's checks (as it passes
// admission, whose rule is the same expression), and turns into the command
// the aws CLI names it.
func TestEveryBotocoreReadOnlyActionPasses(t *testing.T) {
	out, err := exec.Command("python3", "-c", botocoreOps).Output()
	if err != nil {
		t.Skipf("botocore (the aws CLI v1's library) is not importable: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 1000 {
		t.Fatalf("only %d operations listed", len(lines))
	}
	for _, l := range lines {
		f := strings.Fields(l)
		op, command := f[1], f[2]
		tg, err := WireTarget("t", v1alpha1.Target{Name: "a", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: op}})
		if err == nil {
			err = wire.Request{Nonce: "n", Timeout: 1, Targets: []wire.Target{tg}}.Validate()
		}
		if err != nil || tg.Fields[1] != command {
			t.Errorf("%s %s: command %q, %v; the CLI calls it %s", f[0], op, tg.Fields, err, command)
		}
	}
}
