package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/internal/testenv"
)

// The real binary, several processes against the real API server: two
// replicas of shard a elect one leader on shard a's Lease, and the standby
// takes over when the leader is killed; shard b leads on a Lease of its own
// at the same time.
func TestShardsAndReplicasElectLeaders(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a Lease (about 20s)")
	}
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	kubeconfig := env.Kubeconfig(t)
	bin := filepath.Join(t.TempDir(), "ecscheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	start := func(selector string) *exec.Cmd {
		cmd := exec.Command(bin, "--leader-elect", "--leader-election-namespace=default",
			"--watch-label-selector="+selector, "--metrics-bind-address=0", "--health-probe-bind-address=0",
			"--default-region=ap-northeast-1")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	holder := func(selector string) string {
		var l coordinationv1.Lease
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: leaderElectionID(selector)}, &l); err != nil || l.Spec.HolderIdentity == nil {
			return ""
		}
		return *l.Spec.HolderIdentity
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("timed out waiting for %s", what)
	}

	first := start("ecscheck.dev/shard=a")
	waitFor("shard a's first replica to lead", func() bool { return holder("ecscheck.dev/shard=a") != "" })
	leader := holder("ecscheck.dev/shard=a")
	start("ecscheck.dev/shard=a")
	start("ecscheck.dev/shard=b")
	waitFor("shard b to lead on its own Lease", func() bool { return holder("ecscheck.dev/shard=b") != "" })
	if h := holder("ecscheck.dev/shard=a"); h != leader {
		t.Fatalf("shard a's leader changed from %s to %s with a standby", leader, h)
	}

	// SIGKILL: no Lease release; the standby waits out the Lease.
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor("the standby of shard a to take over", func() bool {
		h := holder("ecscheck.dev/shard=a")
		return h != "" && h != leader
	})
}
