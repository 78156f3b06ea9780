package probe

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/probe/script/scripttest"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

func key(name string) types.NamespacedName {
	return types.NamespacedName{Namespace: "payments", Name: name}
}

// TestRunCarriesAPoolInOneSession: two checks share a probe; one exec
// session runs all their targets through the real script against loopback
// listeners and a loopback SNS, and each check gets its own outcomes.
func TestRunCarriesAPoolInOneSession(t *testing.T) {
	e := newEnv(t)
	e.clients.EC2 = &fakeEC2{cidr: "127.0.0.0/8"} // loopback stands in for the VPC
	open, closed := scripttest.OpenPort(t), scripttest.ClosedPort(t)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer web.Close()
	awsEnv := scripttest.AWSEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("NextToken") == "deny" {
			scripttest.SNSError(w, 403, "AuthorizationError", strings.TrimPrefix(seedVPCEndpointDeny, "An error occurred (AuthorizationError) when calling the ListTopics operation: "))
			return
		}
		scripttest.SNSListTopics(w)
	}))
	x := &localExec{t: t, ecs: e.ecs, env: awsEnv}
	e.useExecutor(x)

	a, b := check("a"), check("b")
	task := e.ready(a)
	if tb := e.acquire(b); tb.TaskArn != task.TaskArn {
		t.Fatalf("b got task %s, a has %s", tb.TaskArn, task.TaskArn)
	}
	jobs := []Job{
		{Check: key("a"), Timeout: 2 * time.Second, Targets: []v1alpha1.Target{
			{Name: "db", TCP: &v1alpha1.TCPTarget{Host: "127.0.0.1", Port: int32(open)}},
			{Name: "no-egress", TCP: &v1alpha1.TCPTarget{Host: "127.0.0.1", Port: int32(closed)}, Expect: v1alpha1.ExpectUnreachable},
			{Name: "sns-dns", DNS: &v1alpha1.DNSTarget{Name: "localhost", ExpectPrivateAddress: true}},
		}},
		// The aws CLI (Python) may take seconds to start on a busy machine.
		{Check: key("b"), Timeout: 15 * time.Second, Targets: []v1alpha1.Target{
			{Name: "health", HTTP: &v1alpha1.HTTPTarget{URL: web.URL + "/health", ExpectStatus: []int32{204}}},
			{Name: "sns-list", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics"}},
			{Name: "sns-denied", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics",
				Args: map[string]intstr.IntOrString{"NextToken": intstr.FromString("deny")}}, Expect: v1alpha1.ExpectDenied},
		}},
	}
	res, err := e.m.Run(e.ctx, e.clients, task, jobs)
	if err != nil {
		t.Fatal(err)
	}
	if e.ecs.count("ExecuteCommand") != 1 || len(x.sessions) != 1 {
		t.Fatalf("%d ExecuteCommand calls, %d sessions; want one", e.ecs.count("ExecuteCommand"), len(x.sessions))
	}
	in := e.ecs.execs[0]
	if !strings.HasPrefix(aws.ToString(in.Command), "/bin/sh /tmp/ecscheck-probe.sh ") || aws.ToString(in.Container) != "probe" ||
		!in.Interactive || aws.ToString(in.Task) != task.TaskArn {
		t.Errorf("ExecuteCommand %+v", in)
	}
	if x.sessions[0].TargetID != "ecs:prod_"+arnName(task.TaskArn)+"_rt1" {
		t.Errorf("exec target %q", x.sessions[0].TargetID)
	}

	type want struct {
		result   v1alpha1.TargetResult
		reason   string
		expected bool
		message  string
	}
	check := func(c string, wants []want) {
		got := res.Outcomes[key(c)]
		if len(got) != len(wants) {
			t.Fatalf("%s: %d outcomes, want %d", c, len(got), len(wants))
		}
		for i, w := range wants {
			o := got[i]
			if !o.Probed || o.Result != w.result || o.Reason != w.reason || o.AsExpected != w.expected || !strings.Contains(o.Message, w.message) {
				t.Errorf("%s/%s = %+v\nwant %+v", c, o.Target, o, w)
			}
		}
	}
	check("a", []want{
		{v1alpha1.ResultReachable, v1alpha1.ReasonConnected, true, fmt.Sprintf("TCP connect to 127.0.0.1:%d succeeded", open)},
		{v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionRefused, true, "was refused"},
		{v1alpha1.ResultReachable, v1alpha1.ReasonResolved, true, "localhost resolved to 127.0.0.1"},
	})
	check("b", []want{
		{v1alpha1.ResultUnreachable, v1alpha1.ReasonHTTPStatusUnexpected, false, "answered 200 from 127.0.0.1; expected one of 204"},
		{v1alpha1.ResultAllowed, v1alpha1.ReasonAPICallAllowed, true, "aws sns list-topics was allowed"},
		{v1alpha1.ResultDenied, string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy), true, "with an explicit deny in a VPC endpoint policy"},
	})
	if o := res.Outcomes[key("a")][2]; !o.ViaVPCEndpoint || o.TargetStatus().Addresses[0] != "127.0.0.1" {
		t.Errorf("sns-dns: %+v", o)
	}
	if d := res.Outcomes[key("b")][2].Denial; d == nil || d.Action != "SNS:ListTopics" {
		t.Errorf("denial %+v", d)
	}
}

// TestRunServiceTaskCarriesTheScriptInline: a service task has no script
// file; the command brings it, base64-encoded, and the real script runs.
func TestRunServiceTaskCarriesTheScriptInline(t *testing.T) {
	e := newEnv(t)
	x := &localExec{t: t, ecs: e.ecs}
	e.useExecutor(x)
	c := check("a")
	c.Spec.Probe.ExecInto = v1alpha1.ExecIntoServiceTask
	e.ecs.mu.Lock()
	tk := e.ecs.addTaskLocked("ecs-svc/1", nil, "RUNNING", "RUNNING")
	tk.Group = aws.String("service:" + serviceName)
	tk.Containers[0].Name = aws.String("app")
	e.ecs.mu.Unlock()
	task := e.acquire(c)
	if !task.Ready || task.Container != "app" {
		t.Fatalf("%+v", task)
	}
	open := scripttest.OpenPort(t)
	res, err := e.m.Run(e.ctx, e.clients, task, []Job{{Check: key("a"), Timeout: time.Second,
		Targets: []v1alpha1.Target{{Name: "db", TCP: &v1alpha1.TCPTarget{Host: "127.0.0.1", Port: int32(open)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	cmd := aws.ToString(e.ecs.execs[0].Command)
	if !strings.HasPrefix(cmd, "/bin/sh -c 'echo ") || aws.ToString(e.ecs.execs[0].Container) != "app" {
		t.Errorf("command %q", cmd)
	}
	if o := res.Outcomes[key("a")][0]; o.Result != v1alpha1.ResultReachable {
		t.Errorf("%+v", o)
	}
	if e.ecs.count("RunTask") != 0 || e.ecs.count("StopTask") != 0 {
		t.Error("ServiceTask mode started or stopped a task")
	}
}

func TestRunPerRunStopsTheTaskAfterwards(t *testing.T) {
	e := newEnv(t)
	e.useExecutor(&scriptedExec{output: func(n string) string {
		return wire.FormatResult(n, "c0t0", wire.StatusOK, time.Millisecond, "10.0.1.169") + "\r\n" + wire.FormatExit(n, 0) + "\r\n"
	}})
	c := check("a")
	c.Spec.Probe.Lifecycle = v1alpha1.LifecyclePerRun
	task := e.ready(c)
	if _, err := e.m.Run(e.ctx, e.clients, task, []Job{{Check: key("a"), Timeout: time.Second, Targets: c.Spec.Targets}}); err != nil {
		t.Fatal(err)
	}
	if len(e.ecs.stops) != 1 || aws.ToString(e.ecs.stops[0].Task) != task.TaskArn || !strings.HasPrefix(aws.ToString(e.ecs.stops[0].Reason), "ecscheck: ") {
		t.Fatalf("stops: %+v", e.ecs.stops)
	}
	if next := e.acquire(c); next.TaskArn == task.TaskArn || e.ecs.count("RunTask") != 2 {
		t.Errorf("next run reuses the stopped task: %+v", next)
	}
}

// Faults of the probe infrastructure are errors with a ProbeReady reason,
// never target results.
func TestRunFaultsAreProbeErrors(t *testing.T) {
	results := func(n string) string {
		return wire.FormatResult(n, "c0t0", wire.StatusOK, time.Millisecond, "10.0.1.169") + "\n" + wire.FormatExit(n, 0) + "\n"
	}
	for name, tc := range map[string]struct {
		exec    Executor
		execErr error
		reason  string
		finding v1alpha1.FindingCode
	}{
		"session dropped": {exec: &scriptedExec{err: fmt.Errorf("%w: read: connection reset", ecsexec.ErrSessionDropped)}, reason: v1alpha1.ReasonExecSessionFailed},
		"no exit line":    {exec: &scriptedExec{output: func(string) string { return "sh: bash: not found\n" }}, reason: v1alpha1.ReasonExecSessionFailed},
		"script failed": {exec: &scriptedExec{output: func(n string) string {
			return "ecscheck-probe: bad timeout\n" + wire.FormatExit(n, 2) + "\n"
		}}, reason: v1alpha1.ReasonExecSessionFailed},
		"no results": {exec: &scriptedExec{output: func(n string) string { return "noise\n" + wire.FormatExit(n, 0) + "\n" }},
			reason: v1alpha1.ReasonExecSessionFailed},
		"execute command denied": {exec: &scriptedExec{output: results},
			execErr: apiErr("AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/ecscheck/x is not authorized to perform: ecs:ExecuteCommand on resource: arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod with an explicit deny in an identity-based policy"),
			reason:  v1alpha1.ReasonExecuteCommandDenied, finding: v1alpha1.FindingControllerExecuteCommandDenied},
		// ECS reports the agent RUNNING (the task is ready) yet cannot reach
		// it: the session failed; the agent is not said to be down.
		"agent not connected": {exec: &scriptedExec{output: results}, execErr: apiErr("TargetNotConnectedException", "The execute command failed due to an internal error. Try again later."),
			reason: v1alpha1.ReasonExecSessionFailed},
		"throttled": {exec: &scriptedExec{output: results}, execErr: apiErr("ThrottlingException", "Rate exceeded"), reason: v1alpha1.ReasonAWSThrottled},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.useExecutor(tc.exec)
			e.ecs.execErr = tc.execErr
			task := e.ready(check("a"))
			res, err := e.m.Run(e.ctx, e.clients, task, []Job{{Check: key("a"), Timeout: time.Second, Targets: check("a").Spec.Targets}})
			var pe *Error
			if !errors.As(err, &pe) || pe.Reason != tc.reason || res != nil {
				t.Fatalf("got %v (%+v), want reason %s", err, res, tc.reason)
			}
			if tc.finding != "" && (len(pe.Findings) != 1 || pe.Findings[0].Code != tc.finding) {
				t.Errorf("findings %+v", pe.Findings)
			}
			if strings.Contains(pe.Message, "secret-token") {
				t.Error("the session token leaked into the message")
			}
		})
	}
}

func TestRunWithAProbeThatIsNotReady(t *testing.T) {
	e := newEnv(t)
	task := e.acquire(check("a"))
	_, err := e.m.Run(e.ctx, e.clients, task, nil)
	if AsError(err) == nil || AsError(err).Reason != v1alpha1.ReasonProbeStarting || e.ecs.count("ExecuteCommand") != 0 {
		t.Errorf("%v", err)
	}
}

func TestRunMissingAndRefusedTargets(t *testing.T) {
	e := newEnv(t)
	e.useExecutor(&scriptedExec{output: func(n string) string {
		// Only the first target answers; the second line is another request's.
		return wire.FormatResult(n, "c0t0", wire.StatusOK, 2500*time.Millisecond, "10.0.1.169") + "\n" +
			wire.FormatResult("someoneelse", "c0t1", wire.StatusOK, time.Millisecond, "") + "\n" + wire.FormatExit(n, 0) + "\n"
	}})
	task := e.ready(check("a"))
	jobs := []Job{
		{Check: key("a"), Timeout: time.Second, Targets: []v1alpha1.Target{
			{Name: "slow", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}},
			{Name: "lost", TCP: &v1alpha1.TCPTarget{Host: "sqs.ap-northeast-1.amazonaws.com", Port: 443}},
			{Name: "publish", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "Publish"}},
		}},
		{Check: key("b"), Timeout: 5 * time.Second},
	}
	res, err := e.m.Run(e.ctx, e.clients, task, jobs)
	if err != nil {
		t.Fatal(err)
	}
	out := res.Outcomes[key("a")]
	// The session ran with b's 5 s timeout; a's own 1 s had passed.
	if out[0].Reason != v1alpha1.ReasonConnectionTimedOut || !strings.Contains(out[0].Message, "timed out after 1s") {
		t.Errorf("slow: %+v", out[0])
	}
	if out[1].Probed || out[1].Result != v1alpha1.ResultUnknown || out[1].Reason != v1alpha1.ReasonNotProbed {
		t.Errorf("lost: %+v", out[1])
	}
	if !out[2].Probed || out[2].Reason != v1alpha1.ReasonInvalidConfiguration || out[2].AsExpected {
		t.Errorf("publish: %+v", out[2])
	}
	if b64 := wireRequestOf(t, e); len(b64.Targets) != 2 || b64.Timeout != 5*time.Second {
		t.Errorf("request %+v", b64)
	}
}

// wireRequestOf decodes the request of the first exec session.
func wireRequestOf(t *testing.T, e *env) wire.Request {
	b64, ok := wire.RequestFromCommand(aws.ToString(e.ecs.execs[0].Command))
	if !ok {
		t.Fatal("no request in the command")
	}
	req, err := wire.DecodeRequest(b64)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
