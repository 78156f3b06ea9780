package diagnose_test

import (
	"context"
	"sync"
	"testing"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/diagnose/motoenv"
)

// vpcReads are the reads of one VPC snapshot: each happens once per burst.
var vpcReads = []string{
	"ec2:DescribeVpcs", "ec2:DescribeRouteTables", "ec2:DescribeNetworkAcls", "ec2:DescribeSecurityGroups",
	"ec2:DescribeVpcEndpoints", "ec2:DescribeNatGateways", "ec2:DescribeInternetGateways", "ec2:DescribePrefixLists",
	"ec2:DescribeNetworkInterfaces",
}

// maxCallsPerTarget bounds the EC2 calls of diagnosing one failed target
// on a cold cache: the snapshot's eleven reads, the subnet's VPC, one ENI
// lookup.
const maxCallsPerTarget = 14

// A burst of failures in one run (every target of a VPC timing out at
// once) reads the VPC once; the next run, past the TTL, reads it again.
func TestBurstReadsVPCOnce(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns", "logs", "ecr.api")
	f.Revoke(f.EndpointSG, false, motoenv.TCP(443, 443, f.TaskSG))
	var n calls
	clients := counted(f.clients, &n)

	burst := func() {
		var wg sync.WaitGroup
		for i := 0; i < 12; i++ {
			svc := []string{"sns", "logs", "ecr.api"}[i%3]
			wg.Add(1)
			go func() {
				defer wg.Done()
				fs, err := f.d.DiagnoseTarget(context.Background(), clients, f.network(), f.timeout(svc))
				if err != nil {
					t.Error(err)
					return
				}
				if len(fs) != 1 || fs[0].Code != v1alpha1.FindingInterfaceEndpointSecurityGroupDenied {
					t.Errorf("%s: %s", svc, dump(fs))
				}
			}()
		}
		wg.Wait()
	}

	burst()
	for _, op := range vpcReads {
		if got := n.get(op); got != 1 {
			t.Errorf("%s called %d times in a burst, want 1 (%s)", op, got, &n)
		}
	}
	if got := n.get("ec2:DescribeVpcAttribute"); got != 2 {
		t.Errorf("DescribeVpcAttribute called %d times, want 2 (DNS support and hostnames)", got)
	}
	if got := n.total("ec2:"); got > maxCallsPerTarget {
		t.Errorf("a burst of 12 targets cost %d EC2 calls, want at most %d: %s", got, maxCallsPerTarget, &n)
	}

	f.fresh()
	burst()
	for _, op := range vpcReads {
		if got := n.get(op); got != 2 {
			t.Errorf("%s called %d times after the TTL, want 2", op, got)
		}
	}
	if n.get("ec2:DescribeSubnets") != 3 { // the subnet's VPC is remembered; the snapshot's subnets are read again
		t.Errorf("DescribeSubnets: %s", &n)
	}
}

// A permission denial reads the role once per TTL too.
func TestDenialReadsRoleOnce(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	f.PutRolePolicy(f.TaskRole, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`)
	var n calls
	clients := counted(f.clients, &n)
	for i := 0; i < 5; i++ {
		fs, err := f.d.DiagnoseTarget(context.Background(), clients, f.network(), f.listTopics("because no identity-based policy allows the SNS:ListTopics action"))
		if err != nil {
			t.Fatal(err)
		}
		requireFinding(t, fs, v1alpha1.FindingAccessDeniedNoIdentityPolicy, f.TaskRoleArn)
	}
	if n.get("iam:GetRole") != 1 || n.get("iam:GetRolePolicy") != 1 || n.get("iam:ListRolePolicies") != 1 || n.get("iam:ListAttachedRolePolicies") != 1 {
		t.Errorf("role read more than once: %s", &n)
	}
	if got := n.get("iam:SimulatePrincipalPolicy"); got != 1 {
		t.Errorf("SimulatePrincipalPolicy asked %d times; after moto refuses it once, diagnosis stops asking", got)
	}
}

// BenchmarkDiagnoseTimeout measures a timed-out target's diagnosis: "cold"
// with a new Diagnoser each time (the first failure of a run), "burst"
// with a shared one (the rest of the run). awscalls/op is what AWS sees.
func BenchmarkDiagnoseTimeout(b *testing.B) {
	srv := motoenv.Shared(b)
	env := srv.NewEnv(b, region)
	vpc := env.VPC("10.0.0.0/16")
	subnet, epSubnet := env.Subnet(vpc, "10.0.1.0/24"), env.Subnet(vpc, "10.0.2.0/24")
	env.RouteTable(vpc, subnet)
	task, epsg := env.SecurityGroup(vpc, unique("task")), env.SecurityGroup(vpc, unique("ep"))
	_, addrs := env.InterfaceEndpoint(vpc, "sns", []string{epSubnet}, []string{epsg}, true)
	net := diagnose.Network{Region: region, Account: motoenv.Account, Subnets: []string{subnet}, SecurityGroups: []string{task}}
	fail := diagnose.ConnectionFailure{Host: "sns." + region + ".amazonaws.com", Addresses: addrs, Port: 443, Kind: diagnose.ConnTimeout}

	run := func(b *testing.B, shared bool) {
		var n calls
		clients := counted(srv.Clients(region), &n)
		d := diagnose.New(diagnose.Options{})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if !shared {
				d = diagnose.New(diagnose.Options{})
			}
			fs, err := d.DiagnoseTarget(context.Background(), clients, net, fail)
			if err != nil || len(fs) != 1 || fs[0].Code != v1alpha1.FindingInterfaceEndpointSecurityGroupDenied {
				b.Fatalf("%v %s", err, dump(fs))
			}
		}
		b.ReportMetric(float64(n.total(""))/float64(b.N), "awscalls/op")
	}
	b.Run("cold", func(b *testing.B) { run(b, false) })
	b.Run("burst", func(b *testing.B) { run(b, true) })
}
