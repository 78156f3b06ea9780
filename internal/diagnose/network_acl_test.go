package diagnose_test

import (
	"testing"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
)

// openACL is a custom ACL on the task's subnet that allows everything,
// except what a test adds with lower rule numbers.
func openACL(f *fixture) string {
	acl := f.NetworkACL(f.VPC, f.TaskSubnet)
	f.ACLRule(acl, 200, true, "-1", 0, 0, "0.0.0.0/0", true)
	f.ACLRule(acl, 200, false, "-1", 0, 0, "0.0.0.0/0", true)
	return acl
}

// Seed 003 denies the agent's endpoints with low-numbered outbound rules;
// rule order decides.
func TestNetworkACLEgressDenied(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	acl := openACL(f)
	f.ACLRule(acl, 90, true, "-1", 0, 0, "0.0.0.0/0", false)

	fs := f.target(f.timeout("sns"))
	requireFinding(t, fs, v1alpha1.FindingNetworkACLEgressDenied, acl,
		"Network ACL "+acl+" of "+f.TaskSubnet+" denies outbound TCP 443", "by rule 90",
		"Add an outbound rule allowing TCP 443 to", "with a rule number below 90")
	requireNoCode(t, fs, v1alpha1.FindingNetworkACLReturnTrafficDenied)

	// Seed 003's way back: an allow with a smaller number wins.
	f.ACLRule(acl, 10, true, "6", 443, 443, "0.0.0.0/0", true)
	f.fresh()
	requireNone(t, f.target(f.timeout("sns")))
}

func TestNetworkACLReturnTrafficDenied(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	acl := f.NetworkACL(f.VPC, f.TaskSubnet)
	f.ACLRule(acl, 100, true, "-1", 0, 0, "0.0.0.0/0", true)
	f.ACLRule(acl, 100, false, "6", 443, 443, "0.0.0.0/0", true) // only "HTTPS in", as if ACLs were stateful

	fs := f.target(f.timeout("sns"))
	requireFinding(t, fs, v1alpha1.FindingNetworkACLReturnTrafficDenied, acl,
		"drops the replies", "inbound TCP 32768-60999 (the task's ephemeral ports) is denied by the default rule (*)",
		"Add an inbound rule allowing TCP 1024-65535")
	requireNoCode(t, fs, v1alpha1.FindingNetworkACLEgressDenied)

	f.ACLRule(acl, 110, false, "6", 1024, 65535, "0.0.0.0/0", true)
	f.fresh()
	requireNone(t, f.target(f.timeout("sns")))
}

// A deny for part of the ephemeral range, before the allow, is reported
// with the ports it takes.
func TestNetworkACLPartialEphemeralDeny(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	acl := openACL(f)
	f.ACLRule(acl, 50, false, "6", 40000, 65535, "0.0.0.0/0", false)

	fs := f.target(f.timeout("sns"))
	requireFinding(t, fs, v1alpha1.FindingNetworkACLReturnTrafficDenied, acl, "inbound TCP 40000-60999", "by rule 50")

	f.DeleteACLRule(acl, 50, false)
	f.fresh()
	requireNone(t, f.target(f.timeout("sns")))
}

// The endpoint's subnet has its own ACL, which must let the request in
// and the reply out.
func TestDestinationSubnetACL(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	acl := f.NetworkACL(f.VPC, f.EndpointSubnet)
	f.ACLRule(acl, 100, false, "6", 443, 443, "10.0.1.0/24", true)

	fs := f.target(f.timeout("sns"))
	requireFinding(t, fs, v1alpha1.FindingNetworkACLReturnTrafficDenied, acl,
		"of "+f.EndpointSubnet, "drops the replies to the task", "outbound TCP 32768-60999 to 10.0.1.0/24")
	requireNoCode(t, fs, "NetworkACLIngressDenied")

	f.ACLRule(acl, 100, true, "6", 1024, 65535, "10.0.1.0/24", true)
	f.fresh()
	requireNone(t, f.target(f.timeout("sns")))
}
