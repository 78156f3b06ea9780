package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

// workerCheck mirrors the orders-worker service of the demo world, whose
// security group the SNS endpoint admits.
func workerCheck(name string) *v1alpha1.ECSConnectivityCheck {
	return &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.ECSConnectivityCheckSpec{
			Cluster: "prod",
			Service: "orders-worker",
			Targets: []v1alpha1.Target{
				{Name: "sns-dns", DNS: &v1alpha1.DNSTarget{Name: "sns.ap-northeast-1.amazonaws.com", ExpectPrivateAddress: true}},
				{Name: "sns-https", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}},
				{Name: "no-internet", TCP: &v1alpha1.TCPTarget{Host: "example.com", Port: 443}, Expect: v1alpha1.ExpectUnreachable},
			},
		},
	}
}

func TestCheckBecomesReadyWithPerTargetResults(t *testing.T) {
	w := newWorld(t, nil)
	w.create(workerCheck("worker"))
	c := w.waitFor("worker", "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))

	if c.Status.Summary != "3/3" || c.Status.ObservedGeneration != 1 || c.Status.LastProbeTime == nil || c.Status.NextProbeTime == nil {
		t.Fatalf("status:\n%s", describe(c))
	}
	dns := target(c, "sns-dns")
	if dns.Result != v1alpha1.ResultReachable || !dns.ViaVPCEndpoint || strings.Join(dns.Addresses, ",") != "10.0.1.169,10.0.2.248" {
		t.Fatalf("sns-dns = %+v", dns)
	}
	if tcp := target(c, "sns-https"); tcp.Result != v1alpha1.ResultReachable || tcp.Reason != v1alpha1.ReasonConnected {
		t.Fatalf("sns-https = %+v", tcp)
	}
	if egress := target(c, "no-internet"); egress.Result != v1alpha1.ResultUnreachable || !egress.AsExpected || egress.Reason != v1alpha1.ReasonConnectionTimedOut {
		t.Fatalf("no-internet = %+v", egress)
	}
	probe := c.Status.Probe
	if probe == nil || probe.LastStatus != "RUNNING" || probe.ExecAgent != "RUNNING" || !strings.Contains(probe.TaskArn, ":task/prod/") || probe.PoolKey == "" {
		t.Fatalf("status.probe = %+v", probe)
	}
	if pr := condition(c, v1alpha1.ConditionProbeReady); pr.Status != metav1.ConditionTrue {
		t.Fatalf("ProbeReady = %+v", pr)
	}
	if sh := condition(c, v1alpha1.ConditionServiceHealthy); sh.Status != metav1.ConditionTrue || c.Status.Service == nil || c.Status.Service.DesiredCount != 1 {
		t.Fatalf("ServiceHealthy = %+v, service = %+v", sh, c.Status.Service)
	}
}

// Seed 000: the endpoint's security group loses the rule for the task's
// group; the next run times out and diagnosis names the group and the fix.
func TestScenarioChangeMakesCheckNotReadyWithTheCause(t *testing.T) {
	w := newWorld(t, nil)
	w.create(workerCheck("worker"))
	w.waitFor("worker", "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))

	if err := w.aws.Update(func(sc *fakeaws.Scenario) {
		for _, sg := range sc.Accounts[0].SecurityGroups {
			if sg.ID == "sg-0vpce-sns" {
				sg.Ingress = nil
			}
		}
		var kept []*fakeaws.Outcome
		for _, o := range sc.Outcomes {
			if o.TCP != "sns.ap-northeast-1.amazonaws.com:443" || len(o.SecurityGroups) == 0 {
				kept = append(kept, o)
			}
		}
		sc.Outcomes = kept
	}); err != nil {
		t.Fatal(err)
	}
	w.probeNow("worker")
	c := w.waitFor("worker", "Ready=False", ready(metav1.ConditionFalse, v1alpha1.ReasonTargetsNotAsExpected))

	r := condition(c, v1alpha1.ConditionReady)
	if r.Message != "1/3 targets not as expected: sns-https (ConnectionTimedOut)" || c.Status.Summary != "2/3" {
		t.Fatalf("Ready = %+v\n%s", r, describe(c))
	}
	sns := target(c, "sns-https")
	if sns.Result != v1alpha1.ResultUnreachable || sns.ConsecutiveFailures != 1 {
		t.Fatalf("sns-https = %+v", sns)
	}
	var found bool
	for _, f := range sns.Findings {
		if f.Code == v1alpha1.FindingInterfaceEndpointSecurityGroupDenied && f.Resource == "sg-0vpce-sns" &&
			strings.Contains(f.Message, "vpce-0sns") && strings.Contains(f.Message, "443") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no InterfaceEndpointSecurityGroupDenied finding naming sg-0vpce-sns:\n%s", describe(c))
	}
}

func TestAgentFailuresThenSuccessConverge(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		sc.Faults = map[string]*fakeaws.Fault{"ecs:RunTask": {Kind: "RunTaskFailure", Reason: "AGENT", Times: 2}}
	})
	// AGENT is about a container instance: seed 003 is an EC2 probe
	// (Fargate's failures are free text, issue 12).
	c := workerCheck("worker")
	c.Spec.Probe.LaunchType = v1alpha1.LaunchTypeEC2
	w.create(c)
	c = w.waitFor("worker", "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
	if n := w.aws.Calls()["ecs:RunTask"]; n != 3 {
		t.Fatalf("RunTask called %d times, want 2 AGENT failures and 1 success\n%s", n, describe(c))
	}
	if n := len(runningProbeTasks(t, w)); n != 1 {
		t.Fatalf("%d probe tasks running, want 1", n)
	}
	expectAgentFailureMetrics(t, w)
}

func TestRestartBetweenRunTaskAndStatusStartsNoSecondTask(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		sc.Lifecycle.Provisioning = fakeaws.Duration{Duration: 1500 * time.Millisecond}
	})
	w.create(workerCheck("worker"))
	// The task is started but not yet running: the controller dies.
	deadline := 0
	for w.aws.Calls()["ecs:RunTask"] == 0 && deadline < 200 {
		deadline++
		sleep(50)
	}
	w.restart()
	c := w.waitFor("worker", "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
	if n := w.aws.Calls()["ecs:RunTask"]; n != 1 {
		t.Fatalf("RunTask called %d times across the restart, want 1\n%s", n, describe(c))
	}
	if n := len(runningProbeTasks(t, w)); n != 1 {
		t.Fatalf("%d probe tasks running, want 1", n)
	}
}

func TestChecksWithTheSameNetworkShareOneTaskAndOneSessionPerRun(t *testing.T) {
	// A probe task takes a while to start, as on Fargate: all three checks
	// join its pool meanwhile.
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		sc.Lifecycle.Provisioning = fakeaws.Duration{Duration: time.Second}
	})
	names := []string{"a", "b", "c"}
	for _, n := range names {
		c := workerCheck(n)
		c.Spec.Interval = &metav1.Duration{Duration: 30 * time.Second}
		w.create(c)
	}
	for _, n := range names {
		w.waitFor(n, "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
	}
	calls := w.aws.Calls()
	if calls["ecs:RunTask"] != 1 || calls["ecs:ExecuteCommand"] != 1 {
		t.Fatalf("three checks of one network: RunTask %d, ExecuteCommand %d; want 1 and 1", calls["ecs:RunTask"], calls["ecs:ExecuteCommand"])
	}
	pools := map[string]bool{}
	for _, n := range names {
		pools[w.get(n).Status.Probe.PoolKey] = true
	}
	if len(pools) != 1 {
		t.Fatalf("pool keys %v, want one", pools)
	}

	// The next scheduled run carries all three again, whatever each check's
	// jitter: one of them leads, the others are due close enough to join.
	first := map[string]metav1.Time{}
	for _, n := range names {
		first[n] = *w.get(n).Status.LastProbeTime
	}
	for _, n := range names {
		w.waitFor(n, "the second run", func(c *v1alpha1.ECSConnectivityCheck) bool {
			return c.Status.LastProbeTime != nil && c.Status.LastProbeTime.After(first[n].Time)
		})
	}
	if n := w.aws.Calls()["ecs:ExecuteCommand"]; n != 2 {
		t.Fatalf("two runs of three checks took %d ECS Exec sessions, want 2", n)
	}

	// Deleting the checks one by one stops the task only with the last.
	ctx := context.Background()
	for i, n := range names {
		if err := env.Client.Delete(ctx, w.get(n)); err != nil {
			t.Fatal(err)
		}
		waitGone(t, w, n)
		running := len(runningProbeTasks(t, w))
		if last := i == len(names)-1; (last && running != 0) || (!last && running != 1) {
			t.Fatalf("after deleting %d of 3 checks, %d probe tasks run", i+1, running)
		}
	}
}

// Seed 001's CannotPullContainerError on the probe itself: ProbeReady says
// so, and the targets keep what the last run found.
func TestStoppedProbeTaskShowsOnProbeReadyAndKeepsTargets(t *testing.T) {
	w := newWorld(t, nil)
	w.create(workerCheck("worker"))
	before := w.waitFor("worker", "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))

	reason := "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/aws-cli/aws-cli:latest: dial tcp 52.219.16.10:443: i/o timeout"
	w.aws.AddTaskFault(fakeaws.TaskFault{StoppedReason: reason})
	if !w.aws.StopTask(before.Status.Probe.TaskArn, "TaskFailedToStart", reason, nil) {
		t.Fatal("the fake did not stop the probe task")
	}
	w.probeNow("worker")
	c := w.waitFor("worker", "ProbeReady=False/ProbeTaskStopped", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return condition(c, v1alpha1.ConditionProbeReady).Reason == v1alpha1.ReasonProbeTaskStopped
	})
	pr := condition(c, v1alpha1.ConditionProbeReady)
	if pr.Status != metav1.ConditionFalse || !strings.Contains(pr.Message, "CannotPullContainerError") {
		t.Fatalf("ProbeReady = %+v", pr)
	}
	if r := condition(c, v1alpha1.ConditionReady); r.Status != metav1.ConditionFalse || r.Reason != v1alpha1.ReasonProbeTaskStopped {
		t.Fatalf("Ready = %+v", r)
	}
	if c.Status.Summary != "3/3" {
		t.Fatalf("a stopped probe changed the targets: %s", describe(c))
	}
	for i, ts := range c.Status.Targets {
		if ts.Result != before.Status.Targets[i].Result || !ts.AsExpected || ts.ConsecutiveFailures != 0 {
			t.Fatalf("target %s changed from %+v to %+v", ts.Name, before.Status.Targets[i], ts)
		}
	}
}

// runningProbeTasks lists the probe tasks the fake runs, through the SDK.
func runningProbeTasks(t *testing.T, w *world) []ecstypes.Task {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("ap-northeast-1"), config.WithBaseEndpoint(w.aws.URL()),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDECSCHECKDEMO", "demo-secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	api := ecs.NewFromConfig(cfg)
	list, err := api.ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: aws.String("prod"), DesiredStatus: ecstypes.DesiredStatusRunning})
	if err != nil || len(list.TaskArns) == 0 {
		return nil
	}
	out, err := api.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: list.TaskArns})
	if err != nil {
		t.Fatal(err)
	}
	var probes []ecstypes.Task
	for _, task := range out.Tasks {
		if strings.HasPrefix(aws.ToString(task.StartedBy), "ecscheck-") && aws.ToString(task.LastStatus) != "STOPPED" {
			probes = append(probes, task)
		}
	}
	return probes
}

func waitGone(t *testing.T, w *world, name string) {
	t.Helper()
	for i := 0; i < 600; i++ {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: name}, &v1alpha1.ECSConnectivityCheck{})
		if apierrors.IsNotFound(err) {
			return
		}
		sleep(100)
	}
	t.Fatalf("%s was not deleted", name)
}
