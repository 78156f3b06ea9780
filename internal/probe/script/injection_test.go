package script_test

import (
	"encoding/json"
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
	var tokens []string
	env := scripttest.AWSEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		_ = r.ParseForm()
		tokens = append(tokens, r.Form.Get("NextToken"))
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
	}
	value, _ := json.Marshal(map[string]string{"NextToken": payloads[0]})
	add(wire.AWSInput("aws-value", "sns", "list-topics", value))
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
		case strings.HasSuffix(tg.ID, "-http-host"), strings.HasSuffix(tg.ID, "-http-path"):
			if l.Status != wire.StatusCurl {
				t.Errorf("%s = %s %q, want a curl error", tg.ID, l.Status, l.Detail)
			}
		}
	}
	// The hostile value went to the API as the parameter's value.
	if l := lines["aws-value"]; l.Status != wire.StatusOK || calls != 1 || tokens[0] != payloads[0] {
		t.Errorf("aws-value = %s %q with %d calls (NextToken %q), want OK after one call", l.Status, l.Detail, calls, tokens)
	}
}

// TestScriptRefusesWhatWireRefuses sends aws targets that package wire
// would not encode: the script checks the service, the command and the input
// itself, and refuses them without calling anything.
func TestScriptRefusesWhatWireRefuses(t *testing.T) {
	var calls int
	env := scripttest.AWSEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		scripttest.SNSListTopics(w)
	}))
	empty := b64("{}")
	targets := [][]string{
		{"svc-option", "aws", "--endpoint-url=http://127.0.0.1:1", "list-topics", empty},
		{"svc-abbrev", "aws", "--debu", "list-topics", empty},
		{"svc-dash", "aws", "-sns", "list-topics", empty},
		{"svc-shell", "aws", "sns;touch x", "list-topics", empty},
		{"cmd-write", "aws", "sns", "publish", empty},
		{"cmd-option", "aws", "sns", "--generate-cli-sk", empty},
		{"cmd-extra", "aws", "sns", "list-topics --debug", empty},
		{"cmd-unicode", "aws", "sns", "list\u2010topics", empty},
		{"in-file", "aws", "sns", "list-topics", b64("file:///etc/passwd")},
		{"in-url", "aws", "sns", "list-topics", b64("http://127.0.0.1:1/x")},
		{"in-option", "aws", "sns", "list-topics", b64("--debug")},
		{"in-plain", "aws", "sns", "list-topics", "--debug"},
		{"extra-words", "aws", "sns", "list-topics", empty, "--debug", "x"},
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	targets = append(targets, []string{"$(touch${IFS}" + marker + ")", "dns", "localhost"}) // the id is printed, never run
	lines := scripttest.RunUnchecked(t, "n4", 10*time.Second, "ap-northeast-1", targets, env...)
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("a target id ran: %s exists (stat: %v)", marker, err)
	}
	if l := lines[targets[len(targets)-1][0]]; l.Status != wire.StatusOK {
		t.Errorf("hostile id: %+v, want OK for localhost", l)
	}
	for _, f := range targets[:len(targets)-1] {
		l := lines[f[0]]
		if l.Status != wire.StatusError || !strings.HasPrefix(l.Detail, "ecscheck: ") {
			t.Errorf("%s = %s %q, want a refusal", f[0], l.Status, l.Detail)
		}
	}
	if calls != 0 {
		t.Errorf("%d calls reached the endpoint", calls)
	}
}
