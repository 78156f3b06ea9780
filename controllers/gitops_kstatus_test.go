package controllers_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// kstatus (sigs.k8s.io/cli-utils) is what Flux, kpt and `kubectl apply
// --wait`-style tools use to decide whether an applied object is done:
// Current (done), InProgress (keep waiting) or Failed (stop waiting, it will
// not get there by itself).
//
//   - a new check, or one whose spec changed, is InProgress until a run of
//     that generation completes;
//   - a check whose targets are all as expected is Current;
//   - a check whose targets are not as expected, or whose probe cannot run,
//     is InProgress: Ready is False and the controller keeps probing, so a
//     wait ends when the network is fixed, or at its timeout;
//   - a stalled check is Failed, with the reason, so a wait stops at once;
//   - a suspended check is Current: nothing is in progress, and a wait on it
//     must not hang until its timeout.
func TestGitopsKstatus(t *testing.T) {
	ns := newNamespace(t, nil)
	for _, tc := range []struct {
		state   gitopsState
		name    string
		want    status.Status
		message string
	}{
		{state: stateFirstRun, name: "kstatus-new", want: status.InProgressStatus, message: "probe task PROVISIONING"},
		{state: stateNewGeneration, name: "kstatus-new-generation", want: status.InProgressStatus,
			message: "ECSConnectivityCheck generation is 2, but latest observed generation is 1"},
		{state: stateHealthy, name: "kstatus-ready", want: status.CurrentStatus, message: "Resource is Ready"},
		{state: stateFailing, name: "kstatus-failing", want: status.InProgressStatus,
			message: "2/3 targets not as expected: sns-https (ConnectionTimedOut), sns-list-topics (AccessDeniedVPCEndpointPolicy)"},
		{state: stateProbeUnavailable, name: "kstatus-probe-unavailable", want: status.InProgressStatus,
			message: "The probe cannot run: probe task stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/aws-cli/aws-cli:latest"},
		{state: stateStalled, name: "kstatus-stalled", want: status.FailedStatus, message: "service orders-api not found in cluster prod"},
		// DESIGN: conditions keep their last values while suspended, so a
		// wait on a suspended check ends.
		{state: stateSuspended, name: "kstatus-suspended", want: status.CurrentStatus, message: "Resource is Ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.state(t, ns, tc.name)
			res, err := status.Compute(getUnstructured(t, ns, tc.name))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.want || res.Message != tc.message {
				t.Fatalf("kstatus = %s (%q), want %s (%q)", res.Status, res.Message, tc.want, tc.message)
			}
		})
	}
	t.Run("kstatus-generation-not-observed", func(t *testing.T) {
		name := "kstatus-behind"
		stateGenerationNotObserved(t, ns, name, func() {
			res, err := status.Compute(getUnstructured(t, ns, name))
			if err != nil {
				t.Error(err)
				return
			}
			if res.Status != status.InProgressStatus {
				t.Errorf("kstatus of a spec the controller has not seen = %s (%q), want InProgress", res.Status, res.Message)
			}
		})
	})
}

// `kubectl wait --for=condition=Ready` waits through the first run and
// returns when the targets are as expected; on a check whose targets fail
// it times out, and the failure can be waited for as Ready=false.
func TestGitopsKubectlWait(t *testing.T) {
	ns := newNamespace(t, nil)
	prober.script("wait-ready", gitopsStarting)
	gitopsCreate(t, ns, "wait-ready")

	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := kubectlRun(t, "wait", "--for=condition=Ready", "ecscheck/wait-ready", "-n", ns, "--timeout=30s")
		done <- result{out, err}
	}()
	// The wait has to see the check not ready first.
	time.Sleep(time.Second)
	select {
	case r := <-done:
		t.Fatalf("kubectl wait returned before the first run: %v\n%s", r.err, r.out)
	default:
	}
	prober.script("wait-ready", available(gitopsHealthy...))
	probeNow(t, ns, "wait-ready", "go")
	r := <-done
	if r.err != nil || !strings.Contains(r.out, "condition met") {
		t.Fatalf("kubectl wait --for=condition=Ready: %v\n%s", r.err, r.out)
	}

	stateFailing(t, ns, "wait-failing")
	out, err := kubectlRun(t, "wait", "--for=condition=Ready", "ecscheck/wait-failing", "-n", ns, "--timeout=2s")
	if err == nil || !strings.Contains(out, "timed out") {
		t.Fatalf("kubectl wait for Ready on failing targets: err=%v\n%s", err, out)
	}
	if out, err := kubectlRun(t, "wait", "--for=condition=Ready=false", "ecscheck/wait-failing", "-n", ns, "--timeout=10s"); err != nil {
		t.Fatalf("kubectl wait --for=condition=Ready=false: %v\n%s", err, out)
	}

	stateStalled(t, ns, "wait-stalled")
	if out, err := kubectlRun(t, "wait", "--for=condition=Stalled", "ecscheck/wait-stalled", "-n", ns, "--timeout=10s"); err != nil {
		t.Fatalf("kubectl wait --for=condition=Stalled: %v\n%s", err, out)
	}
	if c := get(t, ns, "wait-stalled"); cond(c, v1alpha1.ConditionReady) != "False/ServiceNotFound gen=1" {
		t.Fatalf("stalled check's Ready = %s", cond(c, v1alpha1.ConditionReady))
	}
}

// kubectlRun runs the kubectl built in bin/ as an admin and returns its
// output and exit error (kubectl in kubectl_test.go fails the test instead).
func kubectlRun(t *testing.T, args ...string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(testenv.BinDir(), "kubectl"), append([]string{"--kubeconfig", path}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
