package fakeaws

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

const motoECSRegion = "eu-west-2"

var probeTaskDef = &ecs.RegisterTaskDefinitionInput{
	Family: aws.String("ecscheck-probe-diff"), NetworkMode: types.NetworkModeAwsvpc,
	RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
	TaskRoleArn:      aws.String("arn:aws:iam::123456789012:role/TaskRole"),
	ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
	ContainerDefinitions: []types.ContainerDefinition{{
		Name: aws.String("probe"), Image: aws.String("public.ecr.aws/aws-cli/aws-cli:latest"), Essential: aws.Bool(true),
		Memory:     aws.Int32(512), // moto cannot place a task whose containers state no memory
		EntryPoint: []string{"sh", "-c"}, Command: []string{"exec tail -f /dev/null"},
		Environment:     []types.KeyValuePair{{Name: aws.String("ECSCHECK_SCRIPT"), Value: aws.String("ZWNobyBoaQ==")}},
		LinuxParameters: &types.LinuxParameters{InitProcessEnabled: aws.Bool(true)},
	}},
	Tags: []types.Tag{{Key: aws.String("ecscheck.dev/managed-by"), Value: aws.String("ecscheck")}},
}

func TestMotoECS(t *testing.T) {
	mustT = t
	mc := motoClients(t, motoECSRegion)
	ctx := ctxT(t)
	vpc := str(must(mc.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})).Vpc.VpcId)
	// moto cannot start an awsvpc task in a VPC without DNS hostnames.
	must(mc.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: &vpc, EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	subnet := str(must(mc.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.9.1.0/24"), AvailabilityZone: aws.String("eu-west-2a")})).Subnet.SubnetId)
	sg := str(must(mc.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: &vpc, GroupName: aws.String("probe"), Description: aws.String("probe")})).GroupId)
	must(mc.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("diff"), Configuration: &types.ClusterConfiguration{
		ExecuteCommandConfiguration: &types.ExecuteCommandConfiguration{KmsKeyId: aws.String("alias/exec"), Logging: types.ExecuteCommandLoggingDefault}}}))
	network := &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{subnet}, SecurityGroups: []string{sg}, AssignPublicIp: types.AssignPublicIpDisabled}}

	srv := startServer(t, &Scenario{Region: motoECSRegion, Accounts: []*Account{{
		ID:             motoAccount,
		VPCs:           []*VPC{{ID: vpc, CIDR: "10.9.0.0/16"}},
		Subnets:        []*Subnet{{ID: subnet, VPC: vpc, CIDR: "10.9.1.0/24", AvailabilityZone: "eu-west-2a"}},
		SecurityGroups: []*SecurityGroup{{ID: sg, Name: "probe", VPC: vpc}},
		Clusters:       []*Cluster{{Name: "diff", ExecuteCommand: &ExecCommandCfg{KMSKeyID: "alias/exec", Logging: "DEFAULT"}}},
		Services: []*Service{{Name: "orders-api", Cluster: "diff", TaskDefinition: "ecscheck-probe-diff:1", DesiredCount: 2,
			EnableExecuteCommand: true, Network: &Network{Subnets: []string{subnet}, SecurityGroups: []string{sg}, AssignPublicIP: "DISABLED"}}},
	}}})
	fc := clientsFor(srv, "AKIDANY")
	both := func(call func(c clients) any) (any, any) { return call(mc), call(fc) }

	// The same registration on both; revision 1 in each.
	m, f := both(func(c clients) any {
		td := must(c.ecs.RegisterTaskDefinition(ctx, probeTaskDef)).TaskDefinition
		return []string{str(td.TaskDefinitionArn), itoa32(&td.Revision)}
	})
	same(t, "RegisterTaskDefinition", m, f)
	must(mc.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("diff"), ServiceName: aws.String("orders-api"),
		TaskDefinition: aws.String("ecscheck-probe-diff:1"), DesiredCount: aws.Int32(2), LaunchType: types.LaunchTypeFargate,
		EnableExecuteCommand: true, NetworkConfiguration: network}))

	// Cluster: asked with CONFIGURATIONS, as ECS requires for the exec
	// configuration (moto returns it unasked too).
	m, f = both(func(c clients) any {
		cl := must(c.ecs.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"diff", "ghost"}, Include: []types.ClusterField{types.ClusterFieldConfigurations}}))
		ec := cl.Clusters[0].Configuration.ExecuteCommandConfiguration
		return []string{str(cl.Clusters[0].ClusterArn), str(cl.Clusters[0].ClusterName), str(cl.Clusters[0].Status),
			str(ec.KmsKeyId), string(ec.Logging), str(cl.Failures[0].Arn), str(cl.Failures[0].Reason)}
	})
	same(t, "DescribeClusters", m, f)

	m, f = both(func(c clients) any {
		out := must(c.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("ecscheck-probe-diff"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}}))
		td, cd := out.TaskDefinition, out.TaskDefinition.ContainerDefinitions[0]
		env, _ := json.Marshal(cd.Environment)
		return []string{str(td.TaskDefinitionArn), str(td.Family), string(td.Status), string(td.NetworkMode), str(td.Cpu), str(td.Memory),
			str(td.TaskRoleArn), str(td.ExecutionRoleArn), str(cd.Name), str(cd.Image), bstr(aws.ToBool(cd.Essential)),
			strings.Join(cd.EntryPoint, " "), strings.Join(cd.Command, " "), string(env),
			bstr(aws.ToBool(cd.LinuxParameters.InitProcessEnabled)), str(out.Tags[0].Key)}
	})
	same(t, "DescribeTaskDefinition", m, f)

	m, f = both(func(c clients) any {
		s := must(c.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("diff"), Services: []string{"orders-api"}})).Services[0]
		nc := s.NetworkConfiguration.AwsvpcConfiguration
		return []string{str(s.ServiceArn), str(s.ServiceName), str(s.ClusterArn), str(s.Status), itoa32(&s.DesiredCount),
			string(s.LaunchType), str(s.TaskDefinition), strings.Join(nc.Subnets, ","), strings.Join(nc.SecurityGroups, ","),
			string(nc.AssignPublicIp), bstr(s.EnableExecuteCommand)}
	})
	// moto drops enableExecuteCommand on CreateService and answers false;
	// ECS returns the flag as set (seed 002 greps for it), so AWS wins.
	m.([]string)[10] = "true"
	same(t, "DescribeServices", m, f)

	// Tasks are compared on the raw JSON: the SDK cannot read moto's task
	// shapes (moto writes containers[].cpu as a number where the ECS model,
	// and AWS, have a string), so the same request goes to both servers as
	// plain awsJson1_1 and the fields the controller reads are compared.
	runBody := map[string]any{"cluster": "diff", "taskDefinition": "ecscheck-probe-diff", "launchType": "FARGATE",
		"enableExecuteCommand": true, "startedBy": "ecscheck-diff",
		"networkConfiguration": map[string]any{"awsvpcConfiguration": map[string]any{"subnets": []string{subnet}, "securityGroups": []string{sg}, "assignPublicIp": "DISABLED"}},
		"tags":                 []map[string]string{{"key": "ecscheck.dev/pool", "value": "diff"}}}
	mURL, fURL := motoURL(t), srv.URL()
	firstTask := func(out map[string]any) map[string]any { return out["tasks"].([]any)[0].(map[string]any) }
	mArn := firstTask(rawECS(t, mURL, motoECSRegion, "RunTask", runBody))["taskArn"].(string)
	fArn := firstTask(rawECS(t, fURL, motoECSRegion, "RunTask", runBody))["taskArn"].(string)
	// Task IDs: AWS uses 32 hex digits; moto uses a UUID. The ARN is the
	// long format in both.
	if !regexp.MustCompile(`^arn:aws:ecs:eu-west-2:123456789012:task/diff/[0-9a-f]{32}$`).MatchString(fArn) ||
		!strings.HasPrefix(mArn, "arn:aws:ecs:eu-west-2:123456789012:task/diff/") {
		t.Errorf("task ARNs: moto %s fake %s", mArn, fArn)
	}
	taskView := func(url, arn string) []string {
		tk := firstTask(rawECS(t, url, motoECSRegion, "DescribeTasks", map[string]any{"cluster": "diff", "tasks": []string{arn}, "include": []string{"TAGS"}}))
		att := tk["attachments"].([]any)[0].(map[string]any)
		details := map[string]string{}
		for _, d := range att["details"].([]any) {
			details[d.(map[string]any)["name"].(string)] = d.(map[string]any)["value"].(string)
		}
		tag := tk["tags"].([]any)[0].(map[string]any)
		ctr := tk["containers"].([]any)[0].(map[string]any)
		return []string{tk["clusterArn"].(string), tk["taskDefinitionArn"].(string), tk["group"].(string), tk["launchType"].(string),
			tk["startedBy"].(string), tk["desiredStatus"].(string), tag["key"].(string) + "=" + tag["value"].(string), att["type"].(string),
			details["subnetId"], bstr(strings.HasPrefix(details["networkInterfaceId"], "eni-")), ctr["name"].(string), ctr["image"].(string)}
	}
	same(t, "DescribeTasks", taskView(mURL, mArn), taskView(fURL, fArn))
	// Not compared, AWS wins: moto omits enableExecuteCommand and the
	// ExecuteCommandAgent managed agent (ECS returns both for a task started
	// with exec enabled, and ProbeReady depends on the agent), gives the ENI
	// an address outside the subnet's CIDR, and walks lastStatus through
	// stop states on a running task. TestTaskLifecycle covers these.

	m, f = both(func(c clients) any {
		return must(c.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("diff"), StartedBy: aws.String("ecscheck-diff")})).TaskArns
	})
	if len(m.([]string)) != 1 || len(f.([]string)) != 1 {
		t.Errorf("ListTasks startedBy: moto %v fake %v", m, f)
	}

	stopped := func(c clients, url, arn string) []string {
		rawECS(t, url, motoECSRegion, "StopTask", map[string]any{"cluster": "diff", "task": arn, "reason": "ecscheck: released"})
		var tk map[string]any
		eventually(t, 5*time.Second, "STOPPED", func() bool {
			tk = firstTask(rawECS(t, url, motoECSRegion, "DescribeTasks", map[string]any{"cluster": "diff", "tasks": []string{arn}}))
			return tk["lastStatus"] == "STOPPED"
		})
		stoppedList := must(c.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("diff"), DesiredStatus: types.DesiredStatusStopped})).TaskArns
		return []string{tk["desiredStatus"].(string), tk["stoppedReason"].(string), itoa(len(stoppedList))}
	}
	same(t, "StopTask then DescribeTasks/ListTasks(STOPPED)", stopped(mc, mURL, mArn), stopped(fc, fURL, fArn))
	// ECS lists only RUNNING-desired tasks when no desiredStatus is given;
	// moto lists every task. AWS wins: the reaper must not see stopped tasks.
	if got := must(fc.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("diff")})).TaskArns; len(got) != 0 {
		t.Errorf("fake ListTasks without desiredStatus lists stopped tasks: %v", got)
	}
	// ECS sets stopCode UserInitiated on StopTask; moto sets none.
	if tk := describeTaskIn(t, fc.ecs, "diff", fArn); tk.StopCode != types.TaskStopCodeUserInitiated {
		t.Errorf("fake stopCode %q", tk.StopCode)
	}

	m, f = both(func(c clients) any {
		var codes []string
		_, err := c.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("ghost"), Services: []string{"x"}})
		codes = append(codes, errorCode(err))
		_, err = c.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("ghost")})
		codes = append(codes, errorCode(err))
		_, err = c.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("diff")})
		codes = append(codes, errorCode(err))
		sort.Strings(codes)
		return codes
	})
	same(t, "ECS error codes", m, f)
}

func describeTaskIn(t *testing.T, c *ecs.Client, cluster, arn string) types.Task {
	t.Helper()
	out, err := c.DescribeTasks(ctxT(t), &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: []string{arn}})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("describe %s: %v", arn, err)
	}
	return out.Tasks[0]
}

// rawECS sends one awsJson1_1 ECS request, signed only as far as the
// servers read it (the credential scope).
func rawECS(t *testing.T, url, region, op string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDANY/20240101/"+region+"/ecs/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s %s: status %d %v %v", url, op, resp.StatusCode, err, out)
	}
	return out
}

func itoa(i int) string { return itoa32(aws.Int32(int32(i))) }
