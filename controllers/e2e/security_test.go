package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
	"github.com/ecscheck/ecscheck/internal/probe/script/scripttest"
)

// Issue 11: nothing a namespace editor writes into a check becomes an aws
// CLI option, a shell word or a URL the probe fetches. Every payload below is
// either refused at admission, with a message that says what is wrong, or
// reaches the real probe script and the real aws CLI (the fake's shell mode)
// as inert data: the call goes to the fake with the payload as a parameter
// value and the status shows only the call's own answer. An "attacker"
// listener on loopback must receive nothing, and a canary file the payloads
// try to create must never appear.

// securityBase is a check of the demo world's orders-worker service.
func securityBase(name string) *v1alpha1.ECSConnectivityCheck {
	return &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.ECSConnectivityCheckSpec{
			Cluster: "prod",
			Service: "orders-worker",
			Targets: []v1alpha1.Target{{Name: "t", TCP: &v1alpha1.TCPTarget{Host: "127.0.0.1", Port: 443}}},
		},
	}
}

func snsWith(args map[string]intstr.IntOrString) *v1alpha1.AWSAPITarget {
	return &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics", Args: args}
}

func str(s string) intstr.IntOrString { return intstr.FromString(s) }

// attacker counts the connections made to a loopback listener.
func attacker(t *testing.T) (addr string, connections *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	connections = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			connections.Add(1)
			c.Close()
		}
	}()
	return l.Addr().String(), connections
}

// Option names as the aws CLI v1 accepts them through argparse's prefix
// matching (allow_abbrev): each of these acts as the full option.
var abbreviations = []string{"--endpoint", "--debu", "--generate-cli-sk", "--quer", "--no-verify-ss", "--prof"}

func TestSecurityAdmissionRefusesOptionsAndShellInEveryField(t *testing.T) {
	const (
		argKey  = "awsAPI.args keys must be the action's request parameter names as in the API reference"
		service = "awsAPI.service must be an AWS CLI service name"
		action  = "awsAPI.action must be a read-only action named List*, Describe*, Get* or Head*"
		host    = "host must be a DNS name (RFC 1123: letters, digits, '-' and '.') or an IP address"
		dnsName = "name must be a DNS name (RFC 1123: letters, digits, '-' and '.')"
		url     = "url must be an http:// or https:// URL with no spaces, quotes or shell metacharacters"
		tname   = "target name must be lower-case letters, digits and '-'"
	)
	type edit func(*v1alpha1.ECSConnectivityCheck)
	target := func(tg v1alpha1.Target) edit {
		return func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Targets = []v1alpha1.Target{tg} }
	}
	cases := map[string]struct {
		edit edit
		want string
	}{}
	add := func(name string, e edit, want string) {
		cases[name] = struct {
			edit edit
			want string
		}{e, want}
	}

	optionLike := append([]string{"--endpoint-url", "--endpoint-url=http://127.0.0.1:1", "--debug", "--generate-cli-skeleton",
		"--cli-input-json", "--profile", "-x", "next-token", "NextToken\u2010x", "\u2010\u2010debug", "\u2212\u2212debug",
		"Next\tToken", "Next\nToken", "NextToken \"", `NextToken","Attacker":"`, "$(touch canary)", "file://x"}, abbreviations...)
	for _, p := range optionLike {
		add("arg key "+p, target(v1alpha1.Target{Name: "a", AWSAPI: snsWith(map[string]intstr.IntOrString{p: str("x")})}), argKey)
	}
	add("arg value too long", target(v1alpha1.Target{Name: "a", AWSAPI: snsWith(map[string]intstr.IntOrString{"NextToken": str(strings.Repeat("x", 1025))})}),
		"awsAPI.args values may be at most 1024 characters long")

	shellAndOptions := append([]string{"--debug", "--endpoint-url=http://127.0.0.1:1", "-oProxyCommand=touch canary",
		"$(touch canary)", "`touch canary`", ";touch canary", "a b", "a\tb", "a\nb", "\u2010debug", "\u2212\u2212debug", "x\u2010y"}, abbreviations...)
	for _, p := range shellAndOptions {
		add("service "+p, target(v1alpha1.Target{Name: "a", AWSAPI: &v1alpha1.AWSAPITarget{Service: p, Action: "ListTopics"}}), service)
		add("action "+p, target(v1alpha1.Target{Name: "a", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics" + p}}), action)
		add("action alone "+p, target(v1alpha1.Target{Name: "a", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: p}}), action)
		add("tcp host "+p, target(v1alpha1.Target{Name: "a", TCP: &v1alpha1.TCPTarget{Host: p, Port: 443}}), host)
		add("dns name "+p, target(v1alpha1.Target{Name: "a", DNS: &v1alpha1.DNSTarget{Name: p}}), dnsName)
		add("url "+p, target(v1alpha1.Target{Name: "a", HTTP: &v1alpha1.HTTPTarget{URL: p}}), url)
		add("target name "+p, target(v1alpha1.Target{Name: p, TCP: &v1alpha1.TCPTarget{Host: "127.0.0.1", Port: 443}}), tname)
		add("region "+p, func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Region = p }, "spec.region")
		add("image "+p, func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Probe.Image = p }, "spec.probe.image in body should match")
	}
	// Option-like paths, log groups, clusters and containers pass: they are
	// one curl argument, or values in ECS API calls, never CLI words; the
	// next test runs some.
	for _, p := range []string{"a b", "a\tb", "a\nb", "$(touch canary)", "`touch canary`", ";touch canary", "x\u2010y"} {
		if !strings.Contains(p, "\u2010") {
			add("url path "+p, target(v1alpha1.Target{Name: "a", HTTP: &v1alpha1.HTTPTarget{URL: "http://127.0.0.1/" + p}}), url)
		}
		add("log group "+p, func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Probe.LogGroup = p }, "spec.probe.logGroup in body should match")
		add("container "+p, func(c *v1alpha1.ECSConnectivityCheck) {
			c.Spec.Probe.ExecInto, c.Spec.Probe.Container = v1alpha1.ExecIntoServiceTask, p
		}, "spec.probe.container in body should match")
		add("cluster "+p, func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Cluster = p }, "cluster must be a cluster name (letters, digits, '-' and '_') or a cluster ARN")
	}
	add("url file", target(v1alpha1.Target{Name: "a", HTTP: &v1alpha1.HTTPTarget{URL: "file:///etc/passwd"}}), url)
	add("url with curl option", target(v1alpha1.Target{Name: "a", HTTP: &v1alpha1.HTTPTarget{URL: "http://x/ -K /etc/passwd"}}), url)

	for name, tc := range cases {
		c := securityBase("refused")
		c.Namespace = "default"
		tc.edit(c)
		err := env.Client.Create(context.Background(), c, client.DryRunAll)
		if err == nil {
			t.Errorf("%s: admitted", name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: refused with\n  %v\nwant a message containing %q", name, err, tc.want)
		}
	}
}

func TestSecurityPayloadsThatPassAdmissionRunAsInertData(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the aws CLI is not on PATH")
	}
	att, connections := attacker(t)
	dir := t.TempDir()
	canary := filepath.Join(dir, "canary")
	secretFile := filepath.Join(dir, "secret")
	const secret = "ECSCHECK-SECRET-FILE-CONTENT"
	if err := os.WriteFile(secretFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	closed := scripttest.ClosedPort(t)

	// The aws CLI runs for real, in a local shell, with the probe task's
	// credentials; the worker's task role may not list SNS topics (seed
	// 000), so a ListTopics call that reached the fake answers with that
	// denial, and nothing else.
	w := newWorld(t, func(sc *fakeaws.Scenario) { sc.Exec.Shell = true })

	const denied = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/"
	const deniedEnd = "is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:ap-northeast-1:123456789012:* because no identity-based policy allows the SNS:ListTopics action"
	isDenial := func(ts v1alpha1.TargetStatus) error {
		if ts.Result != v1alpha1.ResultDenied || !strings.HasPrefix(ts.Message, denied) || !strings.HasSuffix(ts.Message, deniedEnd) ||
			strings.Contains(ts.Message, "\n") {
			return fmt.Errorf("want Denied with only seed 000's message")
		}
		return nil
	}
	allowed := func(ts v1alpha1.TargetStatus) error {
		if ts.Result != v1alpha1.ResultAllowed || ts.Reason != v1alpha1.ReasonAPICallAllowed {
			return fmt.Errorf("want Allowed")
		}
		return nil
	}
	// A string where the API wants an integer: botocore's own parameter
	// validation echoes the value, proving it arrived as the literal string
	// and was not read from the file or the URL it names.
	typeError := func(value string) func(v1alpha1.TargetStatus) error {
		return func(ts v1alpha1.TargetStatus) error {
			want := "Invalid type for parameter MaxResults, value: " + value + ", type: <class 'str'>, valid types: <class 'int'>"
			if ts.Result == v1alpha1.ResultAllowed || !strings.Contains(ts.Message, want) {
				return fmt.Errorf("want the CLI's parameter validation error %q", want)
			}
			return nil
		}
	}

	type payload struct {
		target v1alpha1.Target
		expect func(v1alpha1.TargetStatus) error
	}
	cases := map[string]payload{}
	token := func(name, value string) {
		cases[name] = payload{v1alpha1.Target{Name: name, AWSAPI: snsWith(map[string]intstr.IntOrString{"NextToken": str(value)}),
			Expect: v1alpha1.ExpectDenied}, isDenial}
	}
	token("endpoint-url", "--endpoint-url=http://"+att)
	token("endpoint-word", "--endpoint-url")
	for i, a := range abbreviations {
		token(fmt.Sprintf("abbrev-%d", i), a+" http://"+att)
	}
	token("http-value", "http://"+att+"/token")
	token("file-value", "file://"+secretFile)
	token("fileb-value", "fileb://"+secretFile)
	token("json-injection", `x","Attacker":"1","NextToken":"y`)
	token("tabs-newlines", "a\tb\nc\r\nd\x00e")
	token("unicode-dashes", "\u2010\u2010endpoint-url=http://"+att+" \u2212\u2212debug \uff0d\uff0ddebug")
	token("shell", "$(touch "+canary+")`touch "+canary+"`;touch "+canary+"|touch "+canary)

	// Secrets Manager's ListSecrets takes an integer MaxResults.
	secrets := func(name string, args map[string]intstr.IntOrString, expect func(v1alpha1.TargetStatus) error) {
		cases[name] = payload{v1alpha1.Target{Name: name, AWSAPI: &v1alpha1.AWSAPITarget{Service: "secretsmanager", Action: "ListSecrets", Args: args}}, expect}
	}
	secrets("int-value", map[string]intstr.IntOrString{"MaxResults": intstr.FromInt32(5)}, allowed)
	secrets("json-injection-typed", map[string]intstr.IntOrString{"NextToken": str(`x","MaxResults":"1`)}, allowed)
	secrets("file-not-read", map[string]intstr.IntOrString{"MaxResults": str("file://" + secretFile)}, typeError("file://"+secretFile))
	secrets("url-not-fetched", map[string]intstr.IntOrString{"MaxResults": str("http://" + att + "/x")}, typeError("http://"+att+"/x"))

	// A service and action that pass admission but name a CLI customization
	// rather than an API: it takes no --cli-input-json, so the CLI refuses
	// the command line before running anything.
	cases["custom-command"] = payload{v1alpha1.Target{Name: "custom-command", AWSAPI: &v1alpha1.AWSAPITarget{Service: "eks", Action: "GetToken"}},
		func(ts v1alpha1.TargetStatus) error {
			if ts.Result == v1alpha1.ResultAllowed || !strings.Contains(ts.Message, "Unknown options: --cli-input-json") {
				return fmt.Errorf("want the CLI's refusal of the command line")
			}
			return nil
		}}
	// A URL whose path holds options is one curl argument.
	cases["url-path-options"] = payload{v1alpha1.Target{Name: "url-path-options",
		HTTP:   &v1alpha1.HTTPTarget{URL: fmt.Sprintf("http://127.0.0.1:%d/--url=http://%s/-K/etc/passwd?--proxy=%s", closed, att, att)},
		Expect: v1alpha1.ExpectUnreachable},
		func(ts v1alpha1.TargetStatus) error {
			if ts.Result != v1alpha1.ResultUnreachable || ts.Reason != v1alpha1.ReasonConnectionRefused {
				return fmt.Errorf("want Unreachable, ConnectionRefused")
			}
			return nil
		}}

	c := securityBase("inert")
	c.Spec.Timeout = &metav1.Duration{Duration: 60 * time.Second}
	c.Spec.Probe.LogGroup = "--debug" // a valid log group name; it goes to the task definition only
	c.Spec.Targets = nil
	for _, p := range cases {
		c.Spec.Targets = append(c.Spec.Targets, p.target)
	}
	w.create(c)

	deadline := time.Now().Add(4 * time.Minute)
	var got *v1alpha1.ECSConnectivityCheck
	for {
		got = w.get("inert")
		if got.Status.LastProbeTime != nil && len(got.Status.Targets) == len(cases) && got.Status.ObservedGeneration == got.Generation {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run completed; status:\n%s", describe(got))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for name, p := range cases {
		ts := target(got, name)
		if err := p.expect(ts); err != nil {
			t.Errorf("%s: %v; got %s %s: %q", name, err, ts.Result, ts.Reason, ts.Message)
		}
	}
	if n := connections.Load(); n != 0 {
		t.Errorf("the attacker's listener received %d connections", n)
	}
	if _, err := os.Stat(canary); !os.IsNotExist(err) {
		t.Errorf("a payload ran: %s exists (%v)", canary, err)
	}
	// Nothing but the calls' own answers: no file content, no debug log, no
	// Python traceback, no credentials anywhere in the status.
	status, _ := json.Marshal(got.Status)
	for _, bad := range []string{secret, "DEBUG", "botocore.", "Traceback", "AWS_SECRET", "SecretAccessKey", "demo-secret"} {
		if strings.Contains(string(status), bad) {
			t.Errorf("status holds %q:\n%s", bad, status)
		}
	}
}
