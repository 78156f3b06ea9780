// Package actionlint_test lints .github/workflows with actionlint: the
// release workflow cannot run here (it needs GitHub, ghcr and Docker), so
// its syntax, expressions, job graph, action inputs and (when shellcheck is
// installed) its shell scripts are checked instead.
package actionlint_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

func linter(t *testing.T) (*actionlint.Linter, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	opts := &actionlint.LinterOptions{}
	// shellcheck checks the run: scripts; Debian's shellcheck package.
	if path, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = path
	} else {
		t.Log("shellcheck not found (apt-get install shellcheck): run: scripts are not checked")
	}
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l, &out
}

func TestWorkflowsLintClean(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(), ".github", "workflows", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no workflow in .github/workflows")
	}
	l, out := linter(t)
	errs, err := l.LintFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("actionlint found %d problems:\n%s", len(errs), out)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if !strings.Contains(strings.Join(names, " "), "release.yaml") {
		t.Fatalf("workflows %v lack release.yaml", names)
	}
}

// The linter is live: the mistakes a hand-edited release workflow could
// carry are reported.
func TestLinterCatchesMistakes(t *testing.T) {
	bad := []byte(`on:
  push:
    tags: ['v*']
jobs:
  publish:
    needs: imgae
    runs-on: ubuntu-24.04
    steps:
    - run: echo "${{ github.ref_nam }}"
`)
	l, out := linter(t)
	errs, err := l.Lint("release.yaml", bad, nil)
	if err != nil {
		t.Fatal(err)
	}
	report := out.String()
	for _, want := range []string{`"imgae"`, `ref_nam`} {
		if !strings.Contains(report, want) {
			t.Errorf("actionlint did not report %s:\n%s", want, report)
		}
	}
	if len(errs) < 2 {
		t.Fatalf("%d errors, want at least 2", len(errs))
	}
}
