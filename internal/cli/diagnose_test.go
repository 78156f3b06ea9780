package cli_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

// withNoExecService adds seed 002's service to the demo: orders-api's
// definition with NoExecTaskRole (no ssmmessages actions) as its task role,
// one task running with exec enabled. Its agent reports RUNNING, as the
// fake's does, and a session would fail (fakeaws ssmAgentCanConnect).
func withNoExecService(sc *fakeaws.Scenario) {
	a := sc.Accounts[0]
	var td fakeaws.TaskDefinition
	for _, d := range a.TaskDefinitions {
		if d.Family == "orders-api" {
			td = *d
		}
	}
	td.Family, td.Revision = "no-exec-api", 0
	td.TaskRoleARN = "arn:aws:iam::123456789012:role/NoExecTaskRole"
	a.TaskDefinitions = append(a.TaskDefinitions, &td)
	a.Services = append(a.Services, &fakeaws.Service{Name: "no-exec-api", Cluster: "prod", TaskDefinition: "no-exec-api:1",
		DesiredCount: 1, EnableExecuteCommand: true, Network: &fakeaws.Network{Subnets: []string{"subnet-0priv1a"}, SecurityGroups: []string{"sg-0worker"}}})
	a.Tasks = append(a.Tasks, &fakeaws.Task{ID: "7b8c9d0e1f2a4b3c9d4e5f6a7b8c9d0e", Cluster: "prod", TaskDefinition: "no-exec-api:1",
		Group: "service:no-exec-api", StartedBy: "ecs-svc/5234567890123456789", EnableExecuteCommand: true,
		Network: &fakeaws.Network{Subnets: []string{"subnet-0priv1a"}, SecurityGroups: []string{"sg-0worker"}}})
}

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
	srv := demo(t, withNoExecService)
	for _, tc := range []struct {
		service string
		code    int
	}{
		{"reports-api", 1},
		{"payments-batch", 1},
		{"orders-api", 0},
		{"no-exec-api", 1},
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
