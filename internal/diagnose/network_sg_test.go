package diagnose_test

import (
	"testing"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/diagnose/motoenv"
)

func TestHealthyPrivateVPCHasNoFindings(t *testing.T) {
	t.Parallel()
	f := privateVPC(t)
	for _, svc := range defaultServices {
		requireNone(t, f.target(f.timeout(svc)))
	}
	requireNone(t, f.target(diagnose.ConnectionFailure{Host: "s3." + region + ".amazonaws.com", Addresses: []string{"52.219.0.10"}, Port: 443, Kind: diagnose.ConnTimeout}))
	requireNone(t, f.target(diagnose.DNSFailure{Name: "sns." + region + ".amazonaws.com", Addresses: f.Addrs["sns"], ExpectPrivate: true}))
}

// Seed 000: the endpoint's security group does not admit 443 from the task.
func TestInterfaceEndpointSecurityGroupDenied(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	f.Revoke(f.EndpointSG, false, motoenv.TCP(443, 443, f.TaskSG))
	f.Allow(f.EndpointSG, false, motoenv.TCP(80, 80, f.TaskSG)) // the classic mistake: HTTP instead of HTTPS

	fs := f.target(f.timeout("sns"))
	got := requireFinding(t, fs, v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, f.EndpointSG,
		"Interface endpoint "+f.Endpoints["sns"], "com.amazonaws."+region+".sns",
		"allows no inbound TCP 443 from the task's security groups ("+f.TaskSG+") or from the VPC CIDR 10.0.0.0/16",
		"Add an inbound rule for TCP 443 from "+f.TaskSG+" to "+f.EndpointSG)
	if len(fs) != 1 {
		t.Fatalf("want only %s, got:\n%s", got.Code, dump(fs))
	}

	f.Allow(f.EndpointSG, false, motoenv.TCP(443, 443, "10.0.0.0/16")) // the VPC CIDR is the other fix seed 000 names
	f.fresh()
	requireNone(t, f.target(f.timeout("sns")))
}

func TestSecurityGroupEgressDenied(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	f.Revoke(f.TaskSG, true, motoenv.AllTraffic("0.0.0.0/0"))
	f.Allow(f.TaskSG, true, motoenv.TCP(5432, 5432, "10.0.0.0/16"))

	fs := f.target(f.timeout("sns"))
	requireFinding(t, fs, v1alpha1.FindingSecurityGroupEgressDenied, f.TaskSG,
		"None of the task's security groups ("+f.TaskSG+") allows outbound TCP 443",
		"sns."+region+".amazonaws.com",
		"Add an outbound rule for TCP 443 to security group "+f.EndpointSG+" of endpoint "+f.Endpoints["sns"])

	f.Allow(f.TaskSG, true, motoenv.TCP(443, 443, f.EndpointSG))
	f.fresh()
	requireNone(t, f.target(f.timeout("sns")))
}

func TestTargetSecurityGroupInboundDenied(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	db := f.SecurityGroup(f.VPC, unique("db"))
	eni := f.NetworkInterface(f.EndpointSubnet, "10.0.2.50", db)
	fail := diagnose.ConnectionFailure{Target: "orders-db", Host: "orders-db.internal", Addresses: []string{"10.0.2.50"}, Port: 5432, Kind: diagnose.ConnTimeout}

	fs := f.target(fail)
	requireFinding(t, fs, v1alpha1.FindingTargetSecurityGroupInboundDenied, db,
		"10.0.2.50 (orders-db.internal) is network interface "+eni,
		"allow no inbound TCP 5432 from the task's security groups ("+f.TaskSG+")",
		"Add an inbound rule for TCP 5432 from "+f.TaskSG+" to "+db)

	f.Allow(db, false, motoenv.TCP(5432, 5432, f.TaskSG))
	f.fresh()
	requireNone(t, f.target(fail))
}

// A refused connection reached something: no rule in the VPC explains it.
func TestRefusedConnectionHasNoFindings(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	f.Revoke(f.EndpointSG, false, motoenv.TCP(443, 443, f.TaskSG))
	fail := f.timeout("sns")
	fail.Kind = diagnose.ConnRefused
	requireNone(t, f.target(fail))
}
