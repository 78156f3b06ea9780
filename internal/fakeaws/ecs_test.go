package fakeaws

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func loadBasic(t *testing.T) *Server {
	t.Helper()
	b, err := os.ReadFile("testdata/basic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return startScenario(t, string(b))
}

func TestDescribeClustersAndServices(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	ctx := ctxT(t)

	out, err := c.DescribeClusters(ctx, &ecs.DescribeClustersInput{
		Clusters: []string{"prod", "nope"}, Include: []types.ClusterField{types.ClusterFieldConfigurations, types.ClusterFieldTags},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Clusters) != 1 || aws.ToString(out.Clusters[0].ClusterArn) != "arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod" {
		t.Fatalf("clusters = %+v", out.Clusters)
	}
	ec := out.Clusters[0].Configuration.ExecuteCommandConfiguration
	if ec == nil || ec.Logging != types.ExecuteCommandLoggingDefault {
		t.Errorf("executeCommandConfiguration = %+v", ec)
	}
	if len(out.Clusters[0].Tags) != 1 || aws.ToString(out.Clusters[0].Tags[0].Value) != "payments" {
		t.Errorf("tags = %+v", out.Clusters[0].Tags)
	}
	if out.Clusters[0].RunningTasksCount != 1 || out.Clusters[0].ActiveServicesCount != 1 {
		t.Errorf("counts running=%d services=%d", out.Clusters[0].RunningTasksCount, out.Clusters[0].ActiveServicesCount)
	}
	if len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" {
		t.Errorf("failures = %+v", out.Failures)
	}

	svc, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"orders-api", "ghost"}})
	if err != nil {
		t.Fatal(err)
	}
	s := svc.Services[0]
	nc := s.NetworkConfiguration.AwsvpcConfiguration
	if strings.Join(nc.Subnets, ",") != "subnet-0a,subnet-0c" || nc.SecurityGroups[0] != "sg-0app" || nc.AssignPublicIp != types.AssignPublicIpDisabled {
		t.Errorf("network = %+v", nc)
	}
	if aws.ToString(s.TaskDefinition) != "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/app:1" {
		t.Errorf("taskDefinition = %s", aws.ToString(s.TaskDefinition))
	}
	// Counts come from the service's tasks: one RUNNING, one STOPPED.
	if s.DesiredCount != 2 || s.RunningCount != 1 || s.EnableExecuteCommand {
		t.Errorf("desired=%d running=%d exec=%v", s.DesiredCount, s.RunningCount, s.EnableExecuteCommand)
	}
	if len(s.Events) != 2 || !strings.Contains(aws.ToString(s.Events[0].Message), "steady state") {
		t.Errorf("events newest first: %+v", s.Events)
	}
	if len(s.Deployments) != 1 || aws.ToString(s.Deployments[0].Status) != "PRIMARY" {
		t.Errorf("deployments = %+v", s.Deployments)
	}
	if len(svc.Failures) != 1 || aws.ToString(svc.Failures[0].Arn) != "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/ghost" {
		t.Errorf("failures = %+v", svc.Failures)
	}

	_, err = c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"x"}})
	var cnf *types.ClusterNotFoundException
	if !errors.As(err, &cnf) {
		t.Errorf("want ClusterNotFoundException, got %v", err)
	}
}

func TestTaskDefinitions(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	ctx := ctxT(t)
	reg, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"), NetworkMode: types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		TaskRoleArn: aws.String("arn:aws:iam::123456789012:role/TaskRole"),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("probe"), Image: aws.String("public.ecr.aws/aws-cli/aws-cli:latest"),
			EntryPoint: []string{"sh", "-c"}, Command: []string{"exec tail -f /dev/null"},
			LinuxParameters: &types.LinuxParameters{InitProcessEnabled: aws.Bool(true)},
		}},
		Tags: []types.Tag{{Key: aws.String("ecscheck.dev/managed-by"), Value: aws.String("ecscheck")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if reg.TaskDefinition.Revision != 2 {
		t.Fatalf("revision = %d, want 2 (the scenario has app:1)", reg.TaskDefinition.Revision)
	}
	d, err := c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("app"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	cd := d.TaskDefinition.ContainerDefinitions[0]
	if d.TaskDefinition.Revision != 2 || aws.ToString(cd.Name) != "probe" || !aws.ToBool(cd.Essential) ||
		!aws.ToBool(cd.LinuxParameters.InitProcessEnabled) || strings.Join(cd.Command, " ") != "exec tail -f /dev/null" {
		t.Errorf("described = rev %d %+v", d.TaskDefinition.Revision, cd)
	}
	if len(d.Tags) != 1 {
		t.Errorf("tags = %+v", d.Tags)
	}
	if _, err := c.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("app:2")}); err != nil {
		t.Fatal(err)
	}
	// The family now resolves to the remaining ACTIVE revision.
	d, err = c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("app")})
	if err != nil || d.TaskDefinition.Revision != 1 {
		t.Errorf("after deregister: %v rev %v", err, d)
	}
	_, err = c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("nope")})
	var ce *types.ClientException
	if !errors.As(err, &ce) || ce.ErrorMessage() != "Unable to describe task definition." {
		t.Errorf("want ClientException, got %v", err)
	}
	_, err = c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("f"),
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, NetworkMode: types.NetworkModeAwsvpc,
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("a"), Image: aws.String("i")}}})
	if !errors.As(err, &ce) {
		t.Errorf("Fargate without cpu: want ClientException, got %v", err)
	}
}

func runProbe(t *testing.T, c *ecs.Client, token string, mut ...func(*ecs.RunTaskInput)) *ecs.RunTaskOutput {
	t.Helper()
	in := &ecs.RunTaskInput{
		Cluster: aws.String("prod"), TaskDefinition: aws.String("app"), LaunchType: types.LaunchTypeFargate,
		EnableExecuteCommand: true, StartedBy: aws.String("ecscheck-pool1"),
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets: []string{"subnet-0c"}, SecurityGroups: []string{"sg-0app"}}},
		Tags: []types.Tag{{Key: aws.String("ecscheck.dev/pool"), Value: aws.String("pool1")}},
	}
	if token != "" {
		in.ClientToken = aws.String(token)
	}
	for _, m := range mut {
		m(in)
	}
	out, err := c.RunTask(ctxT(t), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func describeTask(t *testing.T, c *ecs.Client, arn string) types.Task {
	t.Helper()
	out, err := c.DescribeTasks(ctxT(t), &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: []string{arn}, Include: []types.TaskField{types.TaskFieldTags}})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("describe %s: %v %+v", arn, err, out)
	}
	return out.Tasks[0]
}

// TestTaskLifecycle follows a probe task from RunTask to STOPPED as the
// controller would see it: states in order, the exec agent, the ENI.
func TestTaskLifecycle(t *testing.T) {
	srv := loadBasic(t)
	cl := clientsFor(srv, "AKIDCONTROLLER")
	c := cl.ecs
	out := runProbe(t, c, "")
	if len(out.Tasks) != 1 || len(out.Failures) != 0 {
		t.Fatalf("run = %+v", out)
	}
	arn := aws.ToString(out.Tasks[0].TaskArn)
	if aws.ToString(out.Tasks[0].LastStatus) != "PROVISIONING" {
		t.Errorf("first status %s", aws.ToString(out.Tasks[0].LastStatus))
	}
	seen := map[string]bool{}
	var task types.Task
	eventually(t, 5*time.Second, "exec agent RUNNING", func() bool {
		task = describeTask(t, c, arn)
		seen[aws.ToString(task.LastStatus)] = true
		a := task.Containers[0].ManagedAgents
		return len(a) == 1 && aws.ToString(a[0].LastStatus) == "RUNNING"
	})
	if !seen["RUNNING"] || task.StartedAt == nil || aws.ToString(task.PlatformVersion) != "1.4.0" {
		t.Errorf("seen %v startedAt %v platform %s", seen, task.StartedAt, aws.ToString(task.PlatformVersion))
	}
	if task.Containers[0].ManagedAgents[0].Name != types.ManagedAgentNameExecuteCommandAgent {
		t.Errorf("agent name %s", task.Containers[0].ManagedAgents[0].Name)
	}
	details := map[string]string{}
	for _, d := range task.Attachments[0].Details {
		details[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	if details["subnetId"] != "subnet-0c" || !strings.HasPrefix(details["networkInterfaceId"], "eni-") || !strings.HasPrefix(details["privateIPv4Address"], "10.0.2.") {
		t.Errorf("ENI details %v", details)
	}
	if aws.ToString(task.StartedBy) != "ecscheck-pool1" || len(task.Tags) != 1 {
		t.Errorf("startedBy %q tags %+v", aws.ToString(task.StartedBy), task.Tags)
	}
	// The ENI is visible in EC2 while the task runs.
	enis := describeENIs(t, cl, details["networkInterfaceId"])
	if len(enis) != 1 || aws.ToString(enis[0].PrivateIpAddress) != details["privateIPv4Address"] {
		t.Errorf("EC2 ENI %+v", enis)
	}

	if _, err := c.StopTask(ctxT(t), &ecs.StopTaskInput{Cluster: aws.String("prod"), Task: aws.String(arn), Reason: aws.String("ecscheck: pool released")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "STOPPED", func() bool {
		task = describeTask(t, c, arn)
		return aws.ToString(task.LastStatus) == "STOPPED"
	})
	if task.StopCode != types.TaskStopCodeUserInitiated || aws.ToString(task.StoppedReason) != "ecscheck: pool released" || task.StoppedAt == nil {
		t.Errorf("stopped: code %s reason %q", task.StopCode, aws.ToString(task.StoppedReason))
	}
	if a := task.Containers[0].ManagedAgents[0]; aws.ToString(a.LastStatus) != "STOPPED" {
		t.Errorf("agent after stop %s", aws.ToString(a.LastStatus))
	}
}

func TestRunTaskIdempotencyAndListTasks(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	ctx := ctxT(t)
	a := runProbe(t, c, "token-1")
	b := runProbe(t, c, "token-1")
	if aws.ToString(a.Tasks[0].TaskArn) != aws.ToString(b.Tasks[0].TaskArn) {
		t.Fatalf("same client token started two tasks: %s %s", aws.ToString(a.Tasks[0].TaskArn), aws.ToString(b.Tasks[0].TaskArn))
	}
	runProbe(t, c, "token-2", func(in *ecs.RunTaskInput) { in.StartedBy = aws.String("ecscheck-pool2") })

	list := func(in *ecs.ListTasksInput) []string {
		in.Cluster = aws.String("prod")
		out, err := c.ListTasks(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out.TaskArns
	}
	if got := list(&ecs.ListTasksInput{StartedBy: aws.String("ecscheck-pool1")}); len(got) != 1 {
		t.Errorf("startedBy pool1: %v", got)
	}
	if got := list(&ecs.ListTasksInput{Family: aws.String("app")}); len(got) != 3 {
		t.Errorf("family app (RUNNING desired, the scenario's running task included): %v", got)
	}
	if got := list(&ecs.ListTasksInput{ServiceName: aws.String("orders-api"), DesiredStatus: types.DesiredStatusStopped}); len(got) != 1 || !strings.HasSuffix(got[0], "/fedcba9876543210fedcba9876543210") {
		t.Errorf("stopped tasks of the service: %v", got)
	}
	// Pagination: pages of 2 cover the 3 running tasks exactly once.
	var all []string
	var token *string
	for {
		out, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("prod"), MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out.TaskArns...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(all) != 3 {
		t.Errorf("paged %v", all)
	}
	_, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("prod"), ServiceName: aws.String("ghost")})
	var snf *types.ServiceNotFoundException
	if !errors.As(err, &snf) {
		t.Errorf("want ServiceNotFoundException, got %v", err)
	}
}

func TestRunTaskRejections(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	ctx := ctxT(t)
	base := func() *ecs.RunTaskInput {
		return &ecs.RunTaskInput{Cluster: aws.String("prod"), TaskDefinition: aws.String("app"),
			NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-0a"}}}}
	}
	in := base()
	in.NetworkConfiguration.AwsvpcConfiguration.Subnets = []string{"subnet-gone"}
	_, err := c.RunTask(ctx, in)
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) || !strings.Contains(ipe.ErrorMessage(), "InvalidSubnetID.NotFound") {
		t.Errorf("bad subnet: %v", err)
	}
	in = base()
	in.NetworkConfiguration = nil
	if _, err := c.RunTask(ctx, in); !errors.As(err, &ipe) {
		t.Errorf("awsvpc without network: %v", err)
	}
	in = base()
	in.TaskDefinition = aws.String("missing")
	var ce *types.ClientException
	if _, err := c.RunTask(ctx, in); !errors.As(err, &ce) || ce.ErrorMessage() != "TaskDefinition not found." {
		t.Errorf("missing task definition: %v", err)
	}
	in = base()
	in.Cluster = aws.String("arn:aws:ecs:ap-northeast-1:123456789012:cluster/other")
	var cnf *types.ClusterNotFoundException
	if _, err := c.RunTask(ctx, in); !errors.As(err, &cnf) {
		t.Errorf("missing cluster: %v", err)
	}
}

func TestTagResource(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	ctx := ctxT(t)
	arn := "arn:aws:ecs:ap-northeast-1:123456789012:task/prod/0123456789abcdef0123456789abcdef"
	if _, err := c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListTagsForResource(ctx, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "k" {
		t.Fatalf("tags %v %+v", err, out)
	}
	_, err = c.ListTagsForResource(ctx, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(arn + "0")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("unknown resource: %v", err)
	}
}
