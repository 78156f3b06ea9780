package script_test

import (
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ecscheck/ecscheck/internal/probe/script/scripttest"
)

// runRaw runs the script with one raw argument and returns its combined
// output and exit code.
func runRaw(t testing.TB, arg string) (string, int) {
	t.Helper()
	path := scripttest.Install(t)
	cmd := exec.Command("/bin/sh", path, arg)
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Dir(path))
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
