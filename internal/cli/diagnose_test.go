package cli_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of diagnose and suggest")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// diagnose on the demo's seed services: reports-api's start failure (seed
// 001: the execution role cannot create the log group), payments-batch's
// image pull (no S3 gateway endpoint), and a healthy service whose task
// ECS Exec reaches. Nothing is started.
func TestDiagnoseGolden(t *testing.T) {
	srv := demo(t, nil)
	for _, tc := range []struct {
		service string
		code    int
	}{
		{"reports-api", 1},
		{"payments-batch", 1},
		{"orders-api", 0},
	} {
		t.Run(tc.service, func(t *testing.T) {
			r := ecscheck(t, userEnv(srv), "diagnose", "--cluster", "prod", "--service", tc.service)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr: %s", r.stderr)
			}
			golden(t, "diagnose-"+tc.service+".txt", r.stdout)
		})
	}
	assertNoProbeTask(t, srv)
	r := ecscheck(t, userEnv(srv), "diagnose", "--cluster", "prod", "--service", "nope")
	if r.code != 2 || r.stderr != "ecscheck diagnose: ServiceNotFound: ECS service \"nope\" does not exist in cluster \"prod\"\n" {
		t.Errorf("unknown service: exit %d, stderr %q", r.code, r.stderr)
	}
}
