package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

// The benchmark's world: one account, one cluster, M services. Each service
// has its own subnet and security group, so each is its own network
// identity (its own pool, DESIGN 3.2), and they share one task role that may
// open ECS Exec channels and one execution role.
const (
	benchRegion  = "ap-northeast-1"
	benchAccount = "123456789012"
	benchCluster = "bench"
	benchFamily  = "bench-app"
	// benchDomain is the zone every dns and tcp target lives in; the
	// scenario's outcomes answer OK for all of it.
	benchDomain = "bench.internal"
)

// controllerCredential is what the controller binary signs with.
var controllerCredential = fakeaws.Credential{
	AccessKeyID:     "AKIDECSCHECKBENCH",
	SecretAccessKey: "bench-secret",
	ARN:             "arn:aws:iam::" + benchAccount + ":role/ecscheck-controller",
	SessionName:     "ecscheck",
}

// serviceName is the service of identity i.
func serviceName(i int) string { return fmt.Sprintf("svc-%04d", i) }

// world is the fake AWS for identities network identities. RealTime makes
// an exec session last as long as its slowest target would, as a real probe
// does.
func world(identities int) *fakeaws.Scenario {
	acct := &fakeaws.Account{
		ID:          benchAccount,
		Credentials: []*fakeaws.Credential{&controllerCredential},
		VPCs:        []*fakeaws.VPC{{ID: "vpc-0bench000", CIDR: "10.0.0.0/8"}},
		RouteTables: []*fakeaws.RouteTable{{ID: "rtb-0bench000", VPC: "vpc-0bench000", Main: true}},
		NetworkACLs: []*fakeaws.NetworkACL{{
			ID: "acl-0bench000", VPC: "vpc-0bench000", Default: true,
			Ingress: []*fakeaws.ACLEntry{{Rule: 100, Action: "allow"}},
			Egress:  []*fakeaws.ACLEntry{{Rule: 100, Action: "allow"}},
		}},
		Roles: []*fakeaws.Role{
			{Name: "ecscheck-controller"},
			{Name: "ecsTaskExecutionRole", Attached: []string{"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}},
			{Name: "BenchTaskRole", Inline: map[string]fakeaws.PolicyDocument{
				"exec": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel"],"Resource":"*"}]}`,
			}},
		},
		Clusters: []*fakeaws.Cluster{{Name: benchCluster}},
		TaskDefinitions: []*fakeaws.TaskDefinition{{
			Family:                  benchFamily,
			TaskRoleARN:             "arn:aws:iam::" + benchAccount + ":role/BenchTaskRole",
			ExecutionRoleARN:        "arn:aws:iam::" + benchAccount + ":role/ecsTaskExecutionRole",
			NetworkMode:             "awsvpc",
			RequiresCompatibilities: []string{"FARGATE"},
			CPU:                     "256",
			Memory:                  "512",
			ContainerDefinitions: []json.RawMessage{json.RawMessage(`{"name":"app","image":"` + benchAccount +
				`.dkr.ecr.` + benchRegion + `.amazonaws.com/bench-app:latest","essential":true,"linuxParameters":{"initProcessEnabled":true}}`)},
		}},
	}
	one := 1
	for i := 0; i < identities; i++ {
		subnet, sg := fmt.Sprintf("subnet-%08x", i+1), fmt.Sprintf("sg-%08x", i+1)
		acct.Subnets = append(acct.Subnets, &fakeaws.Subnet{
			ID: subnet, VPC: "vpc-0bench000", CIDR: fmt.Sprintf("10.%d.%d.0/24", 1+i/256, i%256),
		})
		acct.SecurityGroups = append(acct.SecurityGroups, &fakeaws.SecurityGroup{
			ID: sg, Name: serviceName(i), VPC: "vpc-0bench000",
		})
		// RunningCount is given rather than counted from tasks, so the
		// service is healthy without M more tasks in the fake's state.
		acct.Services = append(acct.Services, &fakeaws.Service{
			Name: serviceName(i), Cluster: benchCluster, TaskDefinition: benchFamily + ":1",
			DesiredCount: 1, RunningCount: &one, EnableExecuteCommand: true,
			Network: &fakeaws.Network{Subnets: []string{subnet}, SecurityGroups: []string{sg}},
		})
	}
	return &fakeaws.Scenario{
		Region:   benchRegion,
		Accounts: []*fakeaws.Account{acct},
		Exec:     fakeaws.ExecSettings{RealTime: true},
		// Every name in the zone resolves and every port answers; the
		// awsAPI targets (sts get-caller-identity) have no outcome, which
		// the fake answers as success.
		Outcomes: []*fakeaws.Outcome{
			{DNS: "*." + benchDomain, Result: "OK", Addresses: []string{"10.200.0.10"}},
			{TCP: "*." + benchDomain + ":*", Result: "OK", Addresses: []string{"10.200.0.10"}},
		},
	}
}

// latencyFault delays every AWS operation by d: a fault of no kind only
// delays the call (fakeaws.Fault), and "*" applies to every operation that
// has no fault of its own (fakeaws.Server.SetFault).
func latencyFault(d time.Duration) *fakeaws.Fault {
	return &fakeaws.Fault{Latency: fakeaws.Duration{Duration: d}}
}
