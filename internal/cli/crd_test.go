package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecscheck/ecscheck/internal/testenv"
)

// The embedded CRD is the generated one: after `make manifests`, copy it.
func TestCRDCopy(t *testing.T) {
	generated := filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "connectivity.ecscheck.dev_ecsconnectivitychecks.yaml")
	want, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(crdYAML, want) {
		t.Errorf("internal/cli/crd.yaml differs from %s: cp %s internal/cli/crd.yaml", generated, generated)
	}
}
