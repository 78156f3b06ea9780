package fakeaws

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// probeRun execs a probe request into a task and returns its result lines.
func probeRun(t *testing.T, c *ecs.Client, arn string, targets ...wire.Target) map[string]wire.Line {
	t.Helper()
	nonce := ecsexec.NewNonce()
	req, err := wire.EncodeRequest(wire.Request{Nonce: nonce, Timeout: 5 * time.Second, Region: "ap-northeast-1", Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := execSession(t, c, arn, wire.ExecCommand(req))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&ecsexec.Client{}).Run(ctxT(t), sess, nonce)
	if err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	lines, _, err := wire.ParseOutput(nonce, res.Output)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestDemoScenario: the sandbox's demo shows the four seed situations.
func TestDemoScenario(t *testing.T) {
	srv := loadDemo(t)
	c := clientsFor(srv, "AKIDECSCHECKDEMO").ecs
	const (
		ordersTask = "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6" // sg-0app
		workerTask = "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8" // sg-0worker
	)
	targets := []wire.Target{
		wire.DNS("sns-dns", "sns.ap-northeast-1.amazonaws.com"),
		wire.TCP("sns-https", "sns.ap-northeast-1.amazonaws.com", 443),
		wire.AWS("sns-list", "sns", "list-topics"),
		wire.TCP("layers", "prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com", 443),
		wire.TCP("internet", "example.com", 443),
		wire.HTTP("internet-http", "https://example.com/"),
	}
	orders := probeRun(t, c, ordersTask, targets...)
	worker := probeRun(t, c, workerTask, targets...)
	want := []struct{ what, got, want string }{
		{"1. SNS resolves to the endpoint", orders["sns-dns"].Detail, "10.0.1.169 10.0.2.248"},
		{"1. SNS 443 times out from sg-0app", orders["sns-https"].Status, "TIMEOUT"},
		{"1. ...but not from sg-0worker", worker["sns-https"].Status, "OK"},
		{"2. the layer bucket is unreachable", orders["layers"].Status, "TIMEOUT"},
		{"3. the worker's role is denied SNS:ListTopics", worker["sns-list"].Detail,
			"\nAn error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/" +
				workerTask + " is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:ap-northeast-1:123456789012:* because no identity-based policy allows the SNS:ListTopics action\n"},
		{"4. no internet (tcp)", orders["internet"].Status, "TIMEOUT"},
		{"4. no internet (http)", orders["internet-http"].Status, "TIMEOUT"},
	}
	for _, w := range want {
		if w.got != w.want {
			t.Errorf("%s: got %q, want %q", w.what, w.got, w.want)
		}
	}

	// 2. again: the payments-batch service's stopped task, and new tasks of
	// its family, stop with CannotPullContainerError.
	out, err := c.ListTasks(ctxT(t), &ecs.ListTasksInput{Cluster: aws.String("prod"), ServiceName: aws.String("payments-batch"), DesiredStatus: types.DesiredStatusStopped})
	if err != nil || len(out.TaskArns) != 1 {
		t.Fatalf("stopped tasks of payments-batch: %v %+v", err, out)
	}
	if r := aws.ToString(describeTask(t, c, out.TaskArns[0]).StoppedReason); !strings.HasPrefix(r, "CannotPullContainerError: ") {
		t.Errorf("stopped reason %q", r)
	}
	run, err := c.RunTask(ctxT(t), &ecs.RunTaskInput{Cluster: aws.String("prod"), TaskDefinition: aws.String("payments-batch"),
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-0priv1c"}, SecurityGroups: []string{"sg-0app"}}}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "payments-batch task stops", func() bool {
		tk := describeTask(t, c, aws.ToString(run.Tasks[0].TaskArn))
		return aws.ToString(tk.LastStatus) == "STOPPED" && strings.HasPrefix(aws.ToString(tk.StoppedReason), "CannotPullContainerError: ")
	})
}
