package diagnose_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/diagnose/motoenv"
)

const region = "ap-northeast-1"

func TestMain(m *testing.M) {
	code := m.Run()
	motoenv.StopShared()
	os.Exit(code)
}

// clock is the Diagnoser's injected time: tests move it past the cache
// TTL to see a repaired VPC.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const ttl = 30 * time.Second

var seq atomic.Int64

// unique names IAM roles and groups so that tests share one moto.
func unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// fixture is a VPC and roles built in moto, and a Diagnoser looking at them.
type fixture struct {
	*motoenv.Env
	clients *awsclient.Clients
	clock   *clock
	d       *diagnose.Diagnoser

	VPC, TaskSubnet, EndpointSubnet string
	TaskSG, EndpointSG              string
	TaskRT                          string
	S3Gateway                       string
	Endpoints                       map[string]string   // service -> vpce
	Addrs                           map[string][]string // service -> endpoint ENI addresses
	TaskRole, ExecRole              string              // role names
	TaskRoleArn, ExecRoleArn        string
	PublicIP                        bool
}

var defaultServices = []string{"sns", "ecr.api", "ecr.dkr", "logs", "ssmmessages", "secretsmanager"}

// privateVPC builds the healthy private VPC of seed 000: the task's subnet
// routes only inside the VPC; AWS services are reached through interface
// endpoints (private DNS on) in another subnet, whose security group admits
// TCP 443 from the task's group, and through an S3 gateway endpoint on the
// task's route table. The task role may list SNS topics and open ECS Exec's
// channels; the execution role has AmazonECSTaskExecutionRolePolicy plus
// logs:CreateLogGroup and secretsmanager:GetSecretValue.
func privateVPC(t *testing.T, services ...string) *fixture {
	t.Helper()
	if services == nil {
		services = defaultServices
	}
	srv := motoenv.Shared(t)
	f := &fixture{Env: srv.NewEnv(t, region), clients: srv.Clients(region), clock: newClock(),
		Endpoints: map[string]string{}, Addrs: map[string][]string{}}
	f.d = diagnose.New(diagnose.Options{Clock: f.clock.Now, CacheTTL: ttl})

	f.VPC = f.Env.VPC("10.0.0.0/16")
	f.TaskSubnet = f.Subnet(f.VPC, "10.0.1.0/24")
	f.EndpointSubnet = f.Subnet(f.VPC, "10.0.2.0/24")
	f.TaskRT = f.RouteTable(f.VPC, f.TaskSubnet)
	f.TaskSG = f.SecurityGroup(f.VPC, unique("task"))
	f.EndpointSG = f.SecurityGroup(f.VPC, unique("endpoints"))
	f.Allow(f.EndpointSG, false, motoenv.TCP(443, 443, f.TaskSG))
	for _, s := range services {
		f.Endpoints[s], f.Addrs[s] = f.InterfaceEndpoint(f.VPC, s, []string{f.EndpointSubnet}, []string{f.EndpointSG}, true)
	}
	f.S3Gateway = f.GatewayEndpoint(f.VPC, "s3", []string{f.TaskRT}, "")

	f.TaskRole, f.ExecRole = unique("TaskRole"), unique("ecsTaskExecutionRole")
	f.TaskRoleArn = f.Role(f.TaskRole, "")
	f.PutRolePolicy(f.TaskRole, "app", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["sns:ListTopics","sns:Publish"],"Resource":"*"},
		{"Effect":"Allow","Action":["ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel"],"Resource":"*"}]}`)
	f.ExecRoleArn = f.Role(f.ExecRole, "")
	f.AttachRolePolicy(f.ExecRole, motoenv.ExecutionRolePolicy)
	f.PutRolePolicy(f.ExecRole, "extras", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"*"},
		{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)
	return f
}

// network is the task's network identity.
func (f *fixture) network() diagnose.Network {
	return diagnose.Network{
		Region: region, Account: motoenv.Account, Subnets: []string{f.TaskSubnet}, SecurityGroups: []string{f.TaskSG},
		AssignPublicIP: f.PublicIP, TaskRoleArn: f.TaskRoleArn, ExecutionRoleArn: f.ExecRoleArn, LaunchType: "FARGATE", PlatformVersion: "1.4.0",
	}
}

// fresh moves the clock past the cache TTL, as the next probe run would.
func (f *fixture) fresh() { f.clock.Advance(ttl + time.Second) }

func (f *fixture) target(fail diagnose.Failure) []v1alpha1.Finding {
	f.T.Helper()
	fs, err := f.d.DiagnoseTarget(context.Background(), f.clients, f.network(), fail)
	if err != nil {
		f.T.Fatalf("DiagnoseTarget: %v", err)
	}
	return fs
}

// publicAddr stands for the public addresses of an AWS service.
const publicAddr = "54.239.100.10"

// timeout is the probe's view of a TCP 443 connection to an AWS service
// that timed out: the name resolves to the endpoint's addresses when an
// endpoint with private DNS serves it, else to public ones.
func (f *fixture) timeout(service string) diagnose.ConnectionFailure {
	addrs := []string{publicAddr}
	if a, ok := f.Addrs[service]; ok {
		addrs = a
	}
	return diagnose.ConnectionFailure{Target: service + "-https", Host: service + "." + region + ".amazonaws.com", Addresses: addrs, Port: 443, Kind: diagnose.ConnTimeout}
}

// requireFinding asserts a finding with code about resource whose message
// names every fix fragment, and returns it.
func requireFinding(t *testing.T, fs []v1alpha1.Finding, code v1alpha1.FindingCode, resource string, fix ...string) v1alpha1.Finding {
	t.Helper()
	var near []string
	for _, f := range fs {
		if f.Code != code || resource != "" && f.Resource != resource {
			continue
		}
		missing := ""
		for _, s := range fix {
			if !strings.Contains(f.Message, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			t.Logf("%s %s: %s", f.Code, f.Resource, f.Message)
			return f
		}
		near = append(near, fmt.Sprintf("lacks %q: %s", missing, f.Message))
	}
	if len(near) > 0 {
		t.Fatalf("finding %s on %s does not name the fix:\n  %s", code, resource, strings.Join(near, "\n  "))
	}
	t.Fatalf("no finding %s on %q in:\n%s", code, resource, dump(fs))
	return v1alpha1.Finding{}
}

func requireNone(t *testing.T, fs []v1alpha1.Finding) {
	t.Helper()
	if len(fs) > 0 {
		t.Fatalf("want no finding, got:\n%s", dump(fs))
	}
}

func requireNoCode(t *testing.T, fs []v1alpha1.Finding, codes ...v1alpha1.FindingCode) {
	t.Helper()
	for _, f := range fs {
		for _, c := range codes {
			if f.Code == c {
				t.Fatalf("want no %s, got:\n%s", c, dump(fs))
			}
		}
	}
}

// requireOnly asserts the findings have exactly these codes, in order.
func requireOnly(t *testing.T, fs []v1alpha1.Finding, codes ...v1alpha1.FindingCode) {
	t.Helper()
	ok := len(fs) == len(codes)
	for i := 0; ok && i < len(fs); i++ {
		ok = fs[i].Code == codes[i]
	}
	if !ok {
		t.Fatalf("want codes %v, got:\n%s", codes, dump(fs))
	}
}

func dump(fs []v1alpha1.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s: %s\n", f.Code, f.Resource, f.Message)
	}
	return b.String()
}
