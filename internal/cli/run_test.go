package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// bin is the real ecscheck binary, built once for the package's tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ecscheck-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "ecscheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = testenv.RepoRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ecscheck:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// demo starts the fake AWS with the sandbox's demo scenario, changed by edit.
func demo(t *testing.T, edit func(*fakeaws.Scenario)) *fakeaws.Server {
	t.Helper()
	return testenv.DemoAWS(t, edit)
}

// userEnv is the environment of an engineer pointed at the fake: the demo
// account's keys (fakeaws demo.yaml) and nothing of the test's own.
func userEnv(srv *fakeaws.Server) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_ENDPOINT_URL=" + srv.URL(), "AWS_ACCESS_KEY_ID=AKIDECSCHECKDEMO",
		"AWS_SECRET_ACCESS_KEY=demo-secret", "AWS_REGION=ap-northeast-1",
		// No IMDS on a developer's machine: fail fast without credentials.
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
	}
}

type result struct {
	stdout, stderr string
	code           int
}

// ecscheck runs the binary to completion.
func ecscheck(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

var checksYAML = filepath.Join(testenv.RepoRoot(), "hack", "sandbox", "checks.yaml")

// The SNS endpoint's security group (seed 000) fails the TCP target, and
// run shows the finding the controller shows for the same check (see
// controllers/e2e), with its fix, and exits 1.
func TestRunFailingCheckShowsTheControllersFindings(t *testing.T) {
	srv := demo(t, nil)
	r := ecscheck(t, userEnv(srv), "run", "-f", checksYAML, "--check", "orders-api-sns")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"sns-https  Unreachable  no           ConnectionTimedOut",
		"InterfaceEndpointSecurityGroupDenied (sg-0vpce-sns)",
		"Add an inbound rule for TCP 443 from sg-0app to sg-0vpce-sns",
		"READY False TargetsNotAsExpected",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "is PROVISIONING") {
		t.Errorf("no progress on stderr while the probe starts:\n%s", r.stderr)
	}
	assertNoProbeTask(t, srv)
}

// A check whose targets all behave as expected exits 0, and -o json is the
// status object.
func TestRunHealthyCheckJSONStatus(t *testing.T) {
	srv := demo(t, nil)
	r := ecscheck(t, userEnv(srv), "run", "-f", checksYAML, "--check", "orders-worker-egress", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var st v1alpha1.ECSConnectivityCheckStatus
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		t.Fatalf("-o json is not a status: %v\n%s", err, r.stdout)
	}
	if st.Summary != "3/3" || len(st.Targets) != 3 || st.Probe == nil || st.Probe.TaskArn == "" {
		t.Errorf("status: summary %q, %d targets, probe %+v", st.Summary, len(st.Targets), st.Probe)
	}
	for _, ts := range st.Targets {
		if !ts.AsExpected {
			t.Errorf("target %s not as expected: %+v", ts.Name, ts)
		}
	}
	assertNoProbeTask(t, srv)
}

// Seed 002 from the CLI: the probe cannot run (its task role lacks the
// ssmmessages actions); run says which and exits 2.
func TestRunProbeCannotRunExits2WithTheFix(t *testing.T) {
	srv := demo(t, nil)
	r := ecscheck(t, userEnv(srv), "run", "-f", checksYAML, "--check", "no-exec-role")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "TaskRoleMissingSSMMessages (arn:aws:iam::123456789012:role/NoExecTaskRole)") {
		t.Errorf("stdout lacks the finding:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "ecscheck run: no-exec-role: ExecSessionFailed: ") {
		t.Errorf("stderr lacks the one-line reason:\n%s", r.stderr)
	}
	assertNoProbeTask(t, srv)
}

// Bad input: one line on stderr, exit 2, and no task started.
func TestRunBadInput(t *testing.T) {
	srv := demo(t, nil)
	env := userEnv(srv)
	noCreds := []string{}
	for _, e := range env {
		if !strings.HasPrefix(e, "AWS_ACCESS_KEY_ID=") && !strings.HasPrefix(e, "AWS_SECRET_ACCESS_KEY=") {
			noCreds = append(noCreds, e)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(`apiVersion: connectivity.ecscheck.dev/v1alpha1
kind: ECSConnectivityCheck
metadata: {name: bad}
spec:
  cluster: prod
  service: orders-api
  targets:
  - {name: publish, awsAPI: {service: sns, action: Publish}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	badName := filepath.Join(t.TempDir(), "badname.yaml")
	if err := os.WriteFile(badName, []byte(`{"apiVersion": "connectivity.ecscheck.dev/v1alpha1", "kind": "ECSConnectivityCheck",
 "metadata": {"name": "Bad_Name"}, "spec": {"cluster": "prod", "service": "orders-api", "targets": [{"name": "a", "dns": {"name": "example.com"}}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unknown cluster", env, []string{"run", "--cluster", "nope", "--service", "orders-api", "--target", "tcp:example.com:443"}, `ecscheck run: one-off: ClusterNotFound: ECS cluster "nope" does not exist`},
		{"unknown service", env, []string{"run", "--cluster", "prod", "--service", "nope", "--target", "tcp:example.com:443"}, "ServiceNotFound"},
		{"no credentials", noCreds, []string{"run", "--cluster", "prod", "--service", "orders-api", "--target", "tcp:example.com:443"}, "credentials"},
		{"write action", env, []string{"run", "-f", bad}, `check bad is invalid: spec.targets[0].awsAPI.action: Invalid value: "Publish": awsAPI.action must be a read-only action`},
		{"shell in host", env, []string{"run", "--cluster", "prod", "--service", "orders-api", "--target", "tcp:a;reboot:443"}, "spec.targets[0].tcp.host"},
		{"no network", env, []string{"run", "--cluster", "prod", "--target", "dns:example.com"}, "set spec.service, or spec.network.subnets"},
		{"bad name", env, []string{"run", "-f", badName}, `metadata.name`},
		{"no such check", env, []string{"run", "-f", checksYAML, "--check", "nope"}, `no ECSConnectivityCheck named "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ecscheck(t, tc.env, tc.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr is not one line with %q:\n%s", tc.want, r.stderr)
			}
		})
	}
	assertNoProbeTask(t, srv)
}

// Ctrl-C while the probe task starts stops it: nothing is left running.
func TestRunInterruptedStopsTheProbeTask(t *testing.T) {
	srv := demo(t, func(sc *fakeaws.Scenario) {
		sc.Lifecycle.Provisioning = fakeaws.Duration{Duration: 30 * time.Second}
	})
	cmd := exec.Command(bin, "run", "-f", checksYAML, "--check", "orders-worker-egress")
	cmd.Env = userEnv(srv)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var seen strings.Builder
	for !strings.Contains(seen.String(), "PROVISIONING") {
		n, err := stderr.Read(buf)
		if err != nil {
			t.Fatalf("no progress line before %v: %q", err, seen.String())
		}
		seen.Write(buf[:n])
	}
	if n := len(runningProbeTasks(t, srv)); n != 1 {
		t.Fatalf("%d probe tasks starting, want 1", n)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest := make([]byte, 0, 4096)
	for {
		n, err := stderr.Read(buf)
		rest = append(rest, buf[:n]...)
		if err != nil {
			break
		}
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after SIGINT, want 130; stderr: %s", code, rest)
	}
	if !strings.Contains(string(rest), "stopped probe task") {
		t.Errorf("stderr does not say the probe task was stopped: %s", rest)
	}
	assertNoProbeTask(t, srv)
}

// runningProbeTasks lists, with the SDK as a user would, the tasks of the
// demo cluster that ecscheck started (startedBy ecscheck-<pool>) and that
// are not stopping.
func runningProbeTasks(t *testing.T, srv *fakeaws.Server) []string {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("ap-northeast-1"), config.WithBaseEndpoint(srv.URL()),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDECSCHECKDEMO", "demo-secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	api := ecs.NewFromConfig(cfg)
	list, err := api.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("prod"), DesiredStatus: ecstypes.DesiredStatusRunning})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.TaskArns) == 0 {
		return nil
	}
	out, err := api.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: list.TaskArns})
	if err != nil {
		t.Fatal(err)
	}
	var probes []string
	for _, task := range out.Tasks {
		if strings.HasPrefix(aws.ToString(task.StartedBy), "ecscheck-") {
			probes = append(probes, aws.ToString(task.TaskArn))
		}
	}
	return probes
}

func assertNoProbeTask(t *testing.T, srv *fakeaws.Server) {
	t.Helper()
	if left := runningProbeTasks(t, srv); len(left) > 0 {
		t.Errorf("probe tasks left running: %v", left)
	}
}

// RunTask denied to the user (an SCP or a missing ecs:RunTask): the probe
// cannot run, one line on stderr, exit 2, nothing left behind. The error
// text is ECS's AccessDeniedException wording (ECS API reference, Common
// Errors; seed 000's denial texts).
func TestRunRunTaskDenied(t *testing.T) {
	srv := demo(t, func(sc *fakeaws.Scenario) {
		sc.Faults = map[string]*fakeaws.Fault{"ecs:RunTask": {Kind: "Error", Code: "AccessDeniedException", Status: 400,
			Message: "User: arn:aws:sts::123456789012:assumed-role/ecscheck-controller/ecscheck is not authorized to perform: ecs:RunTask on resource: arn:aws:ecs:ap-northeast-1:123456789012:task-definition/* because no identity-based policy allows the ecs:RunTask action"}}
	})
	r := ecscheck(t, userEnv(srv), "run", "-f", checksYAML, "--check", "orders-worker-egress", "-q")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("stderr: %s", r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "ecscheck run: orders-worker-egress: ") || !strings.Contains(lines[0], "ecs:RunTask") {
		t.Errorf("stderr is not one line naming ecs:RunTask:\n%s", r.stderr)
	}
	assertNoProbeTask(t, srv)
}

// --exec-into service runs the targets in the service's own task: no probe
// task is started at all.
func TestRunExecIntoService(t *testing.T) {
	srv := demo(t, nil)
	r := ecscheck(t, userEnv(srv), "run", "-f", checksYAML, "--check", "orders-worker-egress", "--exec-into", "service", "-o", "yaml")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "taskArn: arn:aws:ecs:ap-northeast-1:123456789012:task/prod/3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8") {
		t.Errorf("status does not name the service's task:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "PROVISIONING") {
		t.Errorf("a probe task was started:\n%s", r.stderr)
	}
}

// Every failing check of the sandbox, run at once, shows the results and
// findings the controller writes for it (hack/sandbox/sandbox_test.go
// holds the controller to the same expectations).
func TestRunSandboxChecksAsTheControllerReportsThem(t *testing.T) {
	srv := demo(t, nil)
	args := []string{"run", "-f", checksYAML, "-q", "-o", "json"}
	r := ecscheck(t, userEnv(srv), args...)
	// no-exec-role's probe cannot run: 2 outranks 1.
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\nstderr:\n%s", r.code, r.stderr)
	}
	var statuses []v1alpha1.ECSConnectivityCheckStatus
	if err := json.Unmarshal([]byte(r.stdout), &statuses); err != nil {
		t.Fatalf("-o json of several checks is not a list of statuses: %v\n%s", err, r.stdout)
	}
	// checks.yaml's order: orders-api-sns, worker-iam, payments-batch-pull,
	// reports-sns, orders-worker-egress, reports-api-logs, no-exec-role.
	if len(statuses) != 7 {
		t.Fatalf("%d statuses, want 7", len(statuses))
	}
	expect := func(i int, target string, result v1alpha1.TargetResult, reason string, code v1alpha1.FindingCode, resource string) {
		t.Helper()
		for _, ts := range statuses[i].Targets {
			if ts.Name != target {
				continue
			}
			if ts.Result != result || ts.Reason != reason || ts.AsExpected {
				t.Errorf("check %d/%s: %s %s (as expected %v), want %s %s", i, target, ts.Result, ts.Reason, ts.AsExpected, result, reason)
			}
			for _, f := range ts.Findings {
				if f.Code == code && f.Resource == resource {
					return
				}
			}
			t.Errorf("check %d/%s: no %s on %s in %+v", i, target, code, resource, ts.Findings)
			return
		}
		t.Errorf("check %d has no target %s", i, target)
	}
	expect(0, "sns-https", v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionTimedOut, v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, "sg-0vpce-sns")
	expect(1, "sns-list-topics", v1alpha1.ResultDenied, string(v1alpha1.FindingAccessDeniedNoIdentityPolicy),
		v1alpha1.FindingAccessDeniedNoIdentityPolicy, "arn:aws:iam::123456789012:role/TaskRole")
	expect(2, "s3-layers", v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionTimedOut, v1alpha1.FindingMissingVPCEndpoint, "vpc-0demo")
	expect(3, "sns-list-topics", v1alpha1.ResultDenied, string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy),
		v1alpha1.FindingAccessDeniedVPCEndpointPolicy, "vpce-0sns")
	if statuses[4].Summary != "3/3" {
		t.Errorf("orders-worker-egress: %s", statuses[4].Summary)
	}
	codes := map[v1alpha1.FindingCode]bool{}
	for _, f := range statuses[5].Findings {
		codes[f.Code] = true
	}
	if !codes[v1alpha1.FindingResourceInitialization] || !codes[v1alpha1.FindingExecutionRoleMissingPermission] {
		t.Errorf("reports-api-logs findings = %+v, want ResourceInitialization explained by the execution role", statuses[5].Findings)
	}
	assertNoProbeTask(t, srv)
}
