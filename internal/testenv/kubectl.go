package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Kubeconfig writes a kubeconfig of an admin (system:masters) user of the
// control plane into a temporary file and returns its path.
func (e *Env) Kubeconfig(t testing.TB) string {
	t.Helper()
	user, err := e.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Kubectl runs bin/kubectl against the control plane as that admin user
// and returns its combined output; a failure fails the test.
func (e *Env) Kubectl(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(BinDir(), "kubectl"), append([]string{"--kubeconfig", e.Kubeconfig(t)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
