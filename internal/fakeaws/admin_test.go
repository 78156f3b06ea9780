package fakeaws

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func admin(t *testing.T, srv *Server, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL()+"/_admin/"+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminHTTP drives the sandbox's admin API and checks its effect
// through the SDK, as the sandbox's users would see it.
func TestAdminHTTP(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	ctx := ctxT(t)

	if code, body := admin(t, srv, http.MethodPut, "faults/ecs:RunTask", "kind: RunTaskFailure\ntimes: 1\n"); code != 200 {
		t.Fatalf("set fault: %d %s", code, body)
	}
	// Fargate's failures are free text (no container instance).
	if out := runProbe(t, c, ""); len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != fargateCapacityUnavailable {
		t.Errorf("fault set over HTTP not applied: %+v", out)
	}
	code, body := admin(t, srv, http.MethodGet, "calls", "")
	var calls map[string]int
	if code != 200 || json.Unmarshal([]byte(body), &calls) != nil || calls["ecs:RunTask"] != 1 {
		t.Errorf("calls: %d %s", code, body)
	}
	admin(t, srv, http.MethodDelete, "calls", "")
	if n := srv.Calls()["ecs:RunTask"]; n != 0 {
		t.Errorf("calls after reset %d", n)
	}

	// Stop the scenario's running task as if it crashed.
	if code, body := admin(t, srv, http.MethodPost, "tasks/0123456789abcdef0123456789abcdef/stop", `{"stoppedReason": "OutOfMemoryError: Container killed due to memory usage", "exitCode": 137}`); code != 200 {
		t.Fatalf("stop: %d %s", code, body)
	}
	var task types.Task
	eventually(t, 5*time.Second, "stopped", func() bool {
		task = describeTask(t, c, "0123456789abcdef0123456789abcdef")
		return aws.ToString(task.LastStatus) == "STOPPED"
	})
	if task.StopCode != types.TaskStopCodeEssentialContainerExited || aws.ToInt32(task.Containers[0].ExitCode) != 137 {
		t.Errorf("crashed task %s %v", task.StopCode, task.Containers[0].ExitCode)
	}
	if code, _ := admin(t, srv, http.MethodPost, "tasks/nope/stop", ""); code != 404 {
		t.Errorf("unknown task: %d", code)
	}

	// Outcomes and task faults added at run time.
	if code, body := admin(t, srv, http.MethodPost, "outcomes", "- {api: 'ecs:DescribeServices', result: Denied}\n"); code != 200 {
		t.Fatalf("outcomes: %d %s", code, body)
	}
	_, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"orders-api"}})
	var ad *types.AccessDeniedException
	if !errors.As(err, &ad) || !strings.Contains(ad.ErrorMessage(), "ecs:DescribeServices because no identity-based policy allows") {
		t.Errorf("denied over HTTP: %v", err)
	}
	if code, body := admin(t, srv, http.MethodPost, "taskfaults", "{stoppedReason: 'CannotPullContainerError: x', times: 1}"); code != 200 {
		t.Fatalf("taskfaults: %d %s", code, body)
	}
	if code, _ := admin(t, srv, http.MethodPost, "outcomes", "- {bogus: 1}"); code != 400 {
		t.Errorf("a typo in an outcome must be rejected, got %d", code)
	}

	// The state reads back as a scenario, and a scenario replaces it.
	code, body = admin(t, srv, http.MethodGet, "state?format=yaml", "")
	if code != 200 || !strings.Contains(body, "CannotPullContainerError: x") {
		t.Fatalf("state: %d", code)
	}
	if _, err := ParseScenario([]byte(body)); err != nil {
		t.Errorf("GET state is not a loadable scenario: %v", err)
	}
	if code, body := admin(t, srv, http.MethodPut, "state", "region: eu-central-1\naccounts: [{id: '123456789012', clusters: [{name: fresh}]}]\n"); code != 200 {
		t.Fatalf("replace: %d %s", code, body)
	}
	fresh := clientsFor(srv, "AKIDCONTROLLER").ecs
	cl, err := fresh.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"fresh"}})
	if err != nil || len(cl.Clusters) != 1 {
		t.Errorf("replaced world: %v %+v", err, cl)
	}
}

// TestScenarioFiles: every example scenario loads, and mistakes are errors.
func TestScenarioFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "../../hack/fakeaws/demo.yaml")
	if len(files) < 4 {
		t.Fatalf("example scenarios: %v", files)
	}
	for _, f := range files {
		if _, err := LoadScenario(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, bad := range []string{
		"accounts: [{id: '1', vpcz: []}]",              // unknown field
		"outcomes: [{tcp: 'a:1', dns: b, result: OK}]", // two targets
		"outcomes: [{tcp: 'a:1'}]",                     // no result
		"accounts: [{id: '1'}, {id: '1'}]",             // duplicate account
		"lifecycle: {pending: soon}",                   // bad duration
	} {
		if _, err := ParseScenario([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	sc, err := ParseScenario([]byte("accounts: [{taskDefinitions: [{family: a, containerDefinitions: []}, {family: a, containerDefinitions: []}]}]"))
	if err != nil || sc.Region != "us-east-1" || sc.Accounts[0].ID != DefaultAccountID || sc.Accounts[0].TaskDefinitions[1].Revision != 2 {
		t.Errorf("defaults: %v %+v", err, sc)
	}
	if _, err := os.Stat("../../hack/fakeaws/demo.yaml"); err != nil {
		t.Error(err)
	}
}
