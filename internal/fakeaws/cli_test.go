package fakeaws

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The aws CLI (botocore, written by others) is a second client of the fake:
// it runs the seeds' commands against the demo scenario.

// awsCLI runs the aws CLI against srv as the holder of akid, with a clean
// HOME so no local profile leaks in.
func awsCLI(t *testing.T, srv *Server, akid string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not on PATH; CI installs it")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{
		"HOME=" + t.TempDir(), "AWS_ENDPOINT_URL=" + srv.URL(), "AWS_ACCESS_KEY_ID=" + akid,
		"AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=" + srv.State().Region, "AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	for _, k := range []string{"PATH", "PYENV_ROOT", "PYENV_VERSION", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

func loadDemo(t *testing.T) *Server {
	t.Helper()
	b, err := os.ReadFile("../../hack/fakeaws/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return startScenario(t, string(b))
}

func TestCLISeedCommands(t *testing.T) {
	srv := loadDemo(t)
	const akid = "AKIDECSCHECKDEMO"

	// Seed 002: describe-services | grep enableExecuteCommand
	out, errOut, code := awsCLI(t, srv, akid, "ecs", "describe-services", "--region", "ap-northeast-1", "--cluster", "prod", "--services", "orders-api")
	var grep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "enableExecuteCommand") {
			grep = append(grep, strings.TrimSpace(l))
		}
	}
	if code != 0 || strings.Join(grep, "|") != `"enableExecuteCommand": true` {
		t.Errorf("describe-services | grep enableExecuteCommand = %q (exit %d, %s)", grep, code, errOut)
	}

	out, errOut, code = awsCLI(t, srv, akid, "ecs", "run-task", "--cluster", "prod", "--task-definition", "orders-api",
		"--launch-type", "FARGATE", "--enable-execute-command", "--started-by", "ecscheck-demo",
		"--network-configuration", "awsvpcConfiguration={subnets=[subnet-0priv1a],securityGroups=[sg-0app],assignPublicIp=DISABLED}")
	var run struct {
		Tasks    []struct{ TaskArn, LastStatus string }
		Failures []any
	}
	if code != 0 || json.Unmarshal([]byte(out), &run) != nil || len(run.Tasks) != 1 || run.Tasks[0].LastStatus != "PROVISIONING" {
		t.Fatalf("run-task: exit %d %s %s", code, out, errOut)
	}
	var desc struct {
		Tasks []struct {
			LastStatus string
			Containers []struct {
				ManagedAgents []struct{ Name, LastStatus string }
			}
		}
	}
	eventually(t, 10*time.Second, "task RUNNING in describe-tasks", func() bool {
		out, _, _ = awsCLI(t, srv, akid, "ecs", "describe-tasks", "--cluster", "prod", "--tasks", run.Tasks[0].TaskArn)
		return json.Unmarshal([]byte(out), &desc) == nil && len(desc.Tasks) == 1 && desc.Tasks[0].LastStatus == "RUNNING" &&
			desc.Tasks[0].Containers[0].ManagedAgents[0].LastStatus == "RUNNING"
	})

	out, errOut, code = awsCLI(t, srv, akid, "ec2", "describe-route-tables", "--filters", "Name=association.subnet-id,Values=subnet-0priv1a")
	var rts struct {
		RouteTables []struct {
			RouteTableId string
			Routes       []struct{ DestinationCidrBlock, GatewayId, State string }
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &rts) != nil || len(rts.RouteTables) != 1 || rts.RouteTables[0].RouteTableId != "rtb-0private" ||
		len(rts.RouteTables[0].Routes) != 1 || rts.RouteTables[0].Routes[0].GatewayId != "local" {
		t.Errorf("describe-route-tables: exit %d %s %s", code, out, errOut)
	}

	out, errOut, code = awsCLI(t, srv, akid, "iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::123456789012:role/TaskRole",
		"--action-names", "sns:ListTopics", "ssmmessages:OpenDataChannel")
	var sim struct {
		EvaluationResults []struct{ EvalActionName, EvalDecision string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &sim) != nil || len(sim.EvaluationResults) != 2 ||
		sim.EvaluationResults[0].EvalDecision != "implicitDeny" || sim.EvaluationResults[1].EvalDecision != "allowed" {
		t.Errorf("simulate-principal-policy: exit %d %s %s", code, out, errOut)
	}
}

// TestCLISeedAccessDenied: `aws sns list-topics` from the task role prints
// seed 000's two messages word for word.
func TestCLISeedAccessDenied(t *testing.T) {
	srv := loadDemo(t)
	mustUpdate(t, srv, func(s *Scenario) {
		s.Accounts[0].Credentials = append(s.Accounts[0].Credentials, &Credential{
			AccessKeyID: "AKIDTASKROLE", ARN: "arn:aws:iam::123456789012:role/TaskRole", SessionName: "123456789012"})
	})
	_, errOut, code := awsCLI(t, srv, "AKIDTASKROLE", "sns", "list-topics", "--region", "ap-northeast-1")
	want := "\nAn error occurred (AuthorizationError) when calling the ListTopics operation: " + seedDeniedIdentity + "\n"
	if code == 0 || errOut != want {
		t.Errorf("identity policy denial, exit %d:\n got %q\nwant %q", code, errOut, want)
	}
	// Change the world at run time: now the endpoint policy denies.
	mustUpdate(t, srv, func(s *Scenario) {
		for _, o := range s.Outcomes {
			if o.API == "sns:ListTopics" && strings.HasSuffix(o.Principal, "/TaskRole") {
				o.Deny = "VPCEndpointPolicy"
			}
		}
	})
	_, errOut, _ = awsCLI(t, srv, "AKIDTASKROLE", "sns", "list-topics", "--region", "ap-northeast-1")
	want = "\nAn error occurred (AuthorizationError) when calling the ListTopics operation: " + seedDeniedEndpointPolicy + "\n"
	if errOut != want {
		t.Errorf("endpoint policy denial:\n got %q\nwant %q", errOut, want)
	}
	// Other probe calls succeed for the same role. aws-cli v1 points sqs at
	// its legacy queue.amazonaws.com endpoint whatever AWS_ENDPOINT_URL says
	// (its update_endpoint_url customization), so sqs gets the endpoint on
	// the command line; aws-cli v2, in the probe image, has no such quirk.
	for _, args := range [][]string{{"sqs", "list-queues", "--endpoint-url", srv.URL()}, {"s3api", "list-buckets"}, {"secretsmanager", "list-secrets"}, {"sts", "get-caller-identity"}} {
		out, errOut, code := awsCLI(t, srv, "AKIDTASKROLE", args...)
		if code != 0 {
			t.Errorf("aws %s: exit %d %s %s", strings.Join(args, " "), code, out, errOut)
		}
	}
}
