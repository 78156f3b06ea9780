package script_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/probe/script/scripttest"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// TestScriptNeverEvaluatesRequest puts shell metacharacters in every field,
// bypassing admission and the controller's own checks, and proves that none
// of them ran: the file they would create never appears, and every target
// still gets an ordinary result.
func TestScriptNeverEvaluatesRequest(t *testing.T) {
	scripttest.RequireIsolatedDNS(t) // the hostile names go to getent
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	payloads := []string{
		"$(touch " + marker + ")",
		"`touch " + marker + "`",
		";touch " + marker,
		"|touch " + marker,
		"&&touch " + marker,
		"$(touch${IFS}" + marker + ")",
		"'$(touch " + marker + ")'",
		`"$(touch ` + marker + `)"`,
		"\\$(touch " + marker + ")",
		"-oProxyCommand=touch " + marker,
		"*",
	}
	var calls int
	env := scripttest.AWSEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		scripttest.SNSListTopics(w)
	}))
	var targets []wire.Target
	add := func(tg wire.Target) { targets = append(targets, tg) }
	for i, p := range payloads {
		id := string(rune('a'+i)) + "-"
		add(wire.DNS(id+"dns", p))
		add(wire.TCP(id+"tcp", p, 80))
		add(wire.HTTP(id+"http-host", "http://"+p+"/"))
		add(wire.HTTP(id+"http-path", "http://127.0.0.1:1/"+p))
		add(wire.AWS(id+"aws-service", p, "list-topics"))
		add(wire.AWS(id+"aws-option", "sns", "list-topics", "--x"+p, "v"))
	}
	add(wire.AWS("aws-value", "sns", "list-topics", "--next-token", payloads[0]))
	add(wire.DNS("$(touch${IFS}"+marker+")", "localhost")) // the id is printed, never run
	req := wire.Request{Nonce: "n3", Timeout: 10 * time.Second, Region: "ap-northeast-1", Targets: targets}

	lines := scripttest.Run(t, req, env...)

	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("a payload ran: %s exists (stat: %v)", marker, err)
	}
	if len(lines) != len(targets) {
		t.Errorf("%d results for %d targets", len(lines), len(targets))
	}
	for _, tg := range targets {
		l, ok := lines[tg.ID]
		if !ok {
			t.Errorf("%s: no result", tg.ID)
			continue
		}
		switch {
		case strings.HasSuffix(tg.ID, "-dns"), strings.HasSuffix(tg.ID, "-tcp"):
			if l.Status != wire.StatusUnresolved {
				t.Errorf("%s (%q) = %s %q, want UNRESOLVED", tg.ID, tg.Fields[0], l.Status, l.Detail)
			}
		case strings.HasSuffix(tg.ID, "-aws-service"), strings.HasSuffix(tg.ID, "-aws-option"):
			if l.Status != wire.StatusError || !strings.HasPrefix(l.Detail, "ecscheck: refused") {
				t.Errorf("%s = %s %q, want a refusal", tg.ID, l.Status, l.Detail)
			}
		case strings.HasSuffix(tg.ID, "-http-host"), strings.HasSuffix(tg.ID, "-http-path"):
			if l.Status != wire.StatusCurl {
				t.Errorf("%s = %s %q, want a curl error", tg.ID, l.Status, l.Detail)
			}
		}
	}
	// The hostile value went to the CLI as one argument and the call was made.
	if l := lines["aws-value"]; l.Status != wire.StatusOK || calls != 1 {
		t.Errorf("aws-value = %s %q with %d calls, want OK after one call", l.Status, l.Detail, calls)
	}
}

// TestScriptRefusesDangerousAWSOptions: options that would redirect the call,
// print credentials or read files are refused even though they are well-formed.
func TestScriptRefusesDangerousAWSOptions(t *testing.T) {
	var calls int
	env := scripttest.AWSEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		scripttest.SNSListTopics(w)
	}))
	req := wire.Request{Nonce: "n4", Timeout: 10 * time.Second, Region: "ap-northeast-1", Targets: []wire.Target{
		wire.AWS("endpoint", "sns", "list-topics", "--endpoint-url", "http://127.0.0.1:1"),
		wire.AWS("debug", "sns", "list-topics", "--debug", "true"),
		wire.AWS("file", "sns", "list-topics", "--next-token", "file:///etc/passwd"),
		wire.AWS("input", "sns", "list-topics", "--cli-input-json", "{}"),
	}}
	lines := scripttest.Run(t, req, env...)
	for id, l := range lines {
		if l.Status != wire.StatusError || !strings.HasPrefix(l.Detail, "ecscheck: refused") {
			t.Errorf("%s = %s %q, want a refusal", id, l.Status, l.Detail)
		}
	}
	if calls != 0 {
		t.Errorf("%d calls reached the endpoint", calls)
	}
}
