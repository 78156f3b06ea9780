package probe

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

const (
	acct       = "123456789012"
	region     = "ap-northeast-1"
	clusterArn = "arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod"
)

// fakeECS is a small in-memory ECS: enough of the API for the probe
// package's unit tests. The wire-level fake in internal/fakeaws is what
// end-to-end tests use.
type fakeECS struct {
	mu    sync.Mutex
	clock *clocktesting.FakeClock

	services    map[string]ecstypes.Service
	taskDefs    map[string]*ecstypes.TaskDefinition // by ARN
	taskDefTags map[string][]ecstypes.Tag
	latest      map[string]string // family → newest ARN
	tasks       []*ecstypes.Task
	tokens      map[string]string // client token → task ARN

	runFailures [][]ecstypes.Failure // answers for the next RunTask calls
	registered  []*ecs.RegisterTaskDefinitionInput
	runs        []*ecs.RunTaskInput
	stops       []*ecs.StopTaskInput
	lists       []*ecs.ListTasksInput
	execs       []*ecs.ExecuteCommandInput
	execErr     error
	calls       map[string]int
	seq         int
}

func newFakeECS(clock *clocktesting.FakeClock) *fakeECS {
	return &fakeECS{clock: clock, services: map[string]ecstypes.Service{}, taskDefs: map[string]*ecstypes.TaskDefinition{},
		taskDefTags: map[string][]ecstypes.Tag{}, latest: map[string]string{}, tokens: map[string]string{}, calls: map[string]int{}}
}

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func (f *fakeECS) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeECS) called(op string) {
	f.mu.Lock()
	f.calls[op]++
	f.mu.Unlock()
}

func clusterOK(c *string) bool {
	s := aws.ToString(c)
	return s == "prod" || s == clusterArn
}

func (f *fakeECS) DescribeClusters(_ context.Context, in *ecs.DescribeClustersInput, _ ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error) {
	f.called("DescribeClusters")
	out := &ecs.DescribeClustersOutput{}
	for _, c := range in.Clusters {
		if clusterOK(&c) {
			out.Clusters = append(out.Clusters, ecstypes.Cluster{ClusterArn: aws.String(clusterArn), Status: aws.String("ACTIVE")})
		} else {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(c), Reason: aws.String("MISSING")})
		}
	}
	return out, nil
}

func (f *fakeECS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.called("DescribeServices")
	if !clusterOK(in.Cluster) {
		return nil, apiErr("ClusterNotFoundException", "Cluster not found.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecs.DescribeServicesOutput{}
	for _, s := range in.Services {
		if svc, ok := f.services[arnName(s)]; ok {
			out.Services = append(out.Services, svc)
		} else {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(s), Reason: aws.String("MISSING")})
		}
	}
	return out, nil
}

func (f *fakeECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	f.called("DescribeTaskDefinition")
	f.mu.Lock()
	defer f.mu.Unlock()
	arn := aws.ToString(in.TaskDefinition)
	if a, ok := f.latest[arn]; ok {
		arn = a
	}
	td, ok := f.taskDefs[arn]
	if !ok {
		return nil, apiErr("ClientException", "Unable to describe task definition.")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: td, Tags: f.taskDefTags[arn]}, nil
}

func (f *fakeECS) RegisterTaskDefinition(_ context.Context, in *ecs.RegisterTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error) {
	f.called("RegisterTaskDefinition")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.registered = append(f.registered, in)
	family := aws.ToString(in.Family)
	rev := 1
	if prev, ok := f.latest[family]; ok {
		rev = int(f.taskDefs[prev].Revision) + 1
	}
	arn := fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:%d", region, acct, family, rev)
	td := &ecstypes.TaskDefinition{TaskDefinitionArn: aws.String(arn), Family: in.Family, Revision: int32(rev),
		Status: ecstypes.TaskDefinitionStatusActive, ContainerDefinitions: in.ContainerDefinitions, NetworkMode: in.NetworkMode,
		TaskRoleArn: in.TaskRoleArn, ExecutionRoleArn: in.ExecutionRoleArn, Cpu: in.Cpu, Memory: in.Memory}
	f.taskDefs[arn], f.taskDefTags[arn], f.latest[family] = td, in.Tags, arn
	return &ecs.RegisterTaskDefinitionOutput{TaskDefinition: td, Tags: in.Tags}, nil
}

func (f *fakeECS) DeregisterTaskDefinition(context.Context, *ecs.DeregisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DeregisterTaskDefinitionOutput, error) {
	return nil, apiErr("ClientException", "not in the fake")
}

func (f *fakeECS) RunTask(_ context.Context, in *ecs.RunTaskInput, _ ...func(*ecs.Options)) (*ecs.RunTaskOutput, error) {
	f.called("RunTask")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs = append(f.runs, in)
	if arn, ok := f.tokens[aws.ToString(in.ClientToken)]; ok {
		for _, t := range f.tasks {
			if aws.ToString(t.TaskArn) == arn {
				return &ecs.RunTaskOutput{Tasks: []ecstypes.Task{*t}}, nil
			}
		}
	}
	if len(f.runFailures) > 0 {
		fs := f.runFailures[0]
		f.runFailures = f.runFailures[1:]
		return &ecs.RunTaskOutput{Failures: fs}, nil
	}
	t := f.addTaskLocked(aws.ToString(in.StartedBy), in.Tags, "PROVISIONING", "")
	t.EnableExecuteCommand = in.EnableExecuteCommand
	f.tokens[aws.ToString(in.ClientToken)] = aws.ToString(t.TaskArn)
	return &ecs.RunTaskOutput{Tasks: []ecstypes.Task{*t}}, nil
}

// addTaskLocked creates a task; agent "" means no exec agent reported yet.
func (f *fakeECS) addTaskLocked(startedBy string, tags []ecstypes.Tag, status, agent string) *ecstypes.Task {
	f.seq++
	now := f.clock.Now()
	t := &ecstypes.Task{TaskArn: aws.String(fmt.Sprintf("arn:aws:ecs:%s:%s:task/prod/%032x", region, acct, f.seq)),
		ClusterArn: aws.String(clusterArn), LastStatus: aws.String(status), DesiredStatus: aws.String("RUNNING"),
		StartedBy: aws.String(startedBy), Tags: tags, CreatedAt: &now, EnableExecuteCommand: true,
		Containers: []ecstypes.Container{{Name: aws.String(ContainerName), RuntimeId: aws.String(fmt.Sprintf("rt%d", f.seq))}}}
	if status == "RUNNING" {
		t.StartedAt = &now
	}
	if agent != "" {
		t.Containers[0].ManagedAgents = []ecstypes.ManagedAgent{{Name: ecstypes.ManagedAgentNameExecuteCommandAgent, LastStatus: aws.String(agent)}}
	}
	f.tasks = append(f.tasks, t)
	return t
}

// setTask changes a task's state; agent "" leaves the agent as it is.
func (f *fakeECS) setTask(arn, status, agent string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.tasks {
		if aws.ToString(t.TaskArn) != arn {
			continue
		}
		t.LastStatus = aws.String(status)
		if status == "RUNNING" && t.StartedAt == nil {
			now := f.clock.Now()
			t.StartedAt = &now
		}
		if agent != "" {
			t.Containers[0].ManagedAgents = []ecstypes.ManagedAgent{{Name: ecstypes.ManagedAgentNameExecuteCommandAgent, LastStatus: aws.String(agent)}}
		}
	}
}

// stopTaskAs stops a task the way ECS does on its own.
func (f *fakeECS) stopTaskAs(arn string, code ecstypes.TaskStopCode, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.tasks {
		if aws.ToString(t.TaskArn) == arn {
			now := f.clock.Now()
			t.LastStatus, t.DesiredStatus, t.StopCode, t.StoppedReason, t.StoppedAt = aws.String("STOPPED"), aws.String("STOPPED"), code, aws.String(reason), &now
		}
	}
}

// poolLookups counts ListTasks calls that look for probe tasks by startedBy.
func (f *fakeECS) poolLookups() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, in := range f.lists {
		if in.StartedBy != nil {
			n++
		}
	}
	return n
}

func (f *fakeECS) DescribeTasks(_ context.Context, in *ecs.DescribeTasksInput, _ ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	f.called("DescribeTasks")
	if !clusterOK(in.Cluster) {
		return nil, apiErr("ClusterNotFoundException", "Cluster not found.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecs.DescribeTasksOutput{}
	for _, want := range in.Tasks {
		found := false
		for _, t := range f.tasks {
			if aws.ToString(t.TaskArn) == want {
				c := *t
				if len(in.Include) == 0 {
					c.Tags = nil // ECS returns tags only when asked
				}
				out.Tasks, found = append(out.Tasks, c), true
			}
		}
		if !found {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(want), Reason: aws.String("MISSING")})
		}
	}
	return out, nil
}

func (f *fakeECS) ListTasks(_ context.Context, in *ecs.ListTasksInput, _ ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	f.called("ListTasks")
	if !clusterOK(in.Cluster) {
		return nil, apiErr("ClusterNotFoundException", "Cluster not found.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, in)
	out := &ecs.ListTasksOutput{}
	for _, t := range f.tasks {
		if in.StartedBy != nil && aws.ToString(t.StartedBy) != aws.ToString(in.StartedBy) {
			continue
		}
		if in.ServiceName != nil && aws.ToString(t.Group) != "service:"+aws.ToString(in.ServiceName) {
			continue
		}
		if (in.DesiredStatus == ecstypes.DesiredStatusStopped) != (aws.ToString(t.DesiredStatus) == "STOPPED") {
			continue
		}
		out.TaskArns = append(out.TaskArns, aws.ToString(t.TaskArn))
	}
	return out, nil
}

func (f *fakeECS) StopTask(_ context.Context, in *ecs.StopTaskInput, _ ...func(*ecs.Options)) (*ecs.StopTaskOutput, error) {
	f.called("StopTask")
	f.mu.Lock()
	f.stops = append(f.stops, in)
	f.mu.Unlock()
	f.stopTaskAs(aws.ToString(in.Task), ecstypes.TaskStopCodeUserInitiated, aws.ToString(in.Reason))
	return &ecs.StopTaskOutput{}, nil
}

func (f *fakeECS) ExecuteCommand(_ context.Context, in *ecs.ExecuteCommandInput, _ ...func(*ecs.Options)) (*ecs.ExecuteCommandOutput, error) {
	f.called("ExecuteCommand")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.execErr != nil {
		return nil, f.execErr
	}
	f.execs = append(f.execs, in)
	id := fmt.Sprintf("ecs-execute-command-%d", len(f.execs))
	return &ecs.ExecuteCommandOutput{Session: &ecstypes.Session{SessionId: aws.String(id),
		StreamUrl: aws.String("ws://127.0.0.1:1/" + id), TokenValue: aws.String("secret-token")}}, nil
}

// lastCommand returns the command of an exec session by its ID.
func (f *fakeECS) command(sessionID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int
	if _, err := fmt.Sscanf(sessionID, "ecs-execute-command-%d", &n); err != nil {
		return ""
	}
	if n < 1 || n > len(f.execs) {
		return ""
	}
	return aws.ToString(f.execs[n-1].Command)
}

func (f *fakeECS) TagResource(context.Context, *ecs.TagResourceInput, ...func(*ecs.Options)) (*ecs.TagResourceOutput, error) {
	return &ecs.TagResourceOutput{}, nil
}

func (f *fakeECS) ListTagsForResource(context.Context, *ecs.ListTagsForResourceInput, ...func(*ecs.Options)) (*ecs.ListTagsForResourceOutput, error) {
	return &ecs.ListTagsForResourceOutput{}, nil
}

var _ awsclient.ECSAPI = (*fakeECS)(nil)

// fakeEC2 answers the two calls that find the probe's VPC.
type fakeEC2 struct {
	awsclient.EC2API
	cidr string
}

func (f *fakeEC2) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	out := &ec2.DescribeSubnetsOutput{}
	for _, s := range in.SubnetIds {
		out.Subnets = append(out.Subnets, ec2types.Subnet{SubnetId: aws.String(s), VpcId: aws.String("vpc-0abc")})
	}
	return out, nil
}

func (f *fakeEC2) DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	return &ec2.DescribeVpcsOutput{Vpcs: []ec2types.Vpc{{VpcId: aws.String("vpc-0abc"), CidrBlock: aws.String(f.cidr),
		CidrBlockAssociationSet: []ec2types.VpcCidrBlockAssociation{{CidrBlock: aws.String(f.cidr),
			CidrBlockState: &ec2types.VpcCidrBlockState{State: ec2types.VpcCidrBlockStateCodeAssociated}}}}}}, nil
}

var epoch = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
