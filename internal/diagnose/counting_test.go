package diagnose_test

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// calls counts AWS calls by operation.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) inc(op string) {
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[op]++
	c.mu.Unlock()
}

func (c *calls) get(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[op]
}

func (c *calls) total(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for op, n := range c.n {
		if strings.HasPrefix(op, prefix) {
			t += n
		}
	}
	return t
}

func (c *calls) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ops []string
	for op := range c.n {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var b strings.Builder
	for _, op := range ops {
		b.WriteString(op + "=" + itoa(c.n[op]) + " ")
	}
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// counted wraps the EC2 and IAM clients so that every call is counted.
func counted(c *awsclient.Clients, n *calls) *awsclient.Clients {
	out := *c
	out.EC2 = countingEC2{c.EC2, n}
	out.IAM = countingIAM{c.IAM, n}
	return &out
}

type countingEC2 struct {
	awsclient.EC2API
	n *calls
}

func (x countingEC2) DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	x.n.inc("ec2:DescribeVpcs")
	return x.EC2API.DescribeVpcs(ctx, in, o...)
}

func (x countingEC2) DescribeVpcAttribute(ctx context.Context, in *ec2.DescribeVpcAttributeInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error) {
	x.n.inc("ec2:DescribeVpcAttribute")
	return x.EC2API.DescribeVpcAttribute(ctx, in, o...)
}

func (x countingEC2) DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, o ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	x.n.inc("ec2:DescribeSubnets")
	return x.EC2API.DescribeSubnets(ctx, in, o...)
}

func (x countingEC2) DescribeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput, o ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	x.n.inc("ec2:DescribeRouteTables")
	return x.EC2API.DescribeRouteTables(ctx, in, o...)
}

func (x countingEC2) DescribeNetworkAcls(ctx context.Context, in *ec2.DescribeNetworkAclsInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	x.n.inc("ec2:DescribeNetworkAcls")
	return x.EC2API.DescribeNetworkAcls(ctx, in, o...)
}

func (x countingEC2) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	x.n.inc("ec2:DescribeSecurityGroups")
	return x.EC2API.DescribeSecurityGroups(ctx, in, o...)
}

func (x countingEC2) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	x.n.inc("ec2:DescribeVpcEndpoints")
	return x.EC2API.DescribeVpcEndpoints(ctx, in, o...)
}

func (x countingEC2) DescribeNetworkInterfaces(ctx context.Context, in *ec2.DescribeNetworkInterfacesInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	x.n.inc("ec2:DescribeNetworkInterfaces")
	return x.EC2API.DescribeNetworkInterfaces(ctx, in, o...)
}

func (x countingEC2) DescribeNatGateways(ctx context.Context, in *ec2.DescribeNatGatewaysInput, o ...func(*ec2.Options)) (*ec2.DescribeNatGatewaysOutput, error) {
	x.n.inc("ec2:DescribeNatGateways")
	return x.EC2API.DescribeNatGateways(ctx, in, o...)
}

func (x countingEC2) DescribeInternetGateways(ctx context.Context, in *ec2.DescribeInternetGatewaysInput, o ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error) {
	x.n.inc("ec2:DescribeInternetGateways")
	return x.EC2API.DescribeInternetGateways(ctx, in, o...)
}

func (x countingEC2) DescribePrefixLists(ctx context.Context, in *ec2.DescribePrefixListsInput, o ...func(*ec2.Options)) (*ec2.DescribePrefixListsOutput, error) {
	x.n.inc("ec2:DescribePrefixLists")
	return x.EC2API.DescribePrefixLists(ctx, in, o...)
}

type countingIAM struct {
	awsclient.IAMAPI
	n *calls
}

func (x countingIAM) GetRole(ctx context.Context, in *iam.GetRoleInput, o ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	x.n.inc("iam:GetRole")
	return x.IAMAPI.GetRole(ctx, in, o...)
}

func (x countingIAM) ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, o ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	x.n.inc("iam:ListAttachedRolePolicies")
	return x.IAMAPI.ListAttachedRolePolicies(ctx, in, o...)
}

func (x countingIAM) ListRolePolicies(ctx context.Context, in *iam.ListRolePoliciesInput, o ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error) {
	x.n.inc("iam:ListRolePolicies")
	return x.IAMAPI.ListRolePolicies(ctx, in, o...)
}

func (x countingIAM) GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, o ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	x.n.inc("iam:GetRolePolicy")
	return x.IAMAPI.GetRolePolicy(ctx, in, o...)
}

func (x countingIAM) GetPolicy(ctx context.Context, in *iam.GetPolicyInput, o ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	x.n.inc("iam:GetPolicy")
	return x.IAMAPI.GetPolicy(ctx, in, o...)
}

func (x countingIAM) GetPolicyVersion(ctx context.Context, in *iam.GetPolicyVersionInput, o ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	x.n.inc("iam:GetPolicyVersion")
	return x.IAMAPI.GetPolicyVersion(ctx, in, o...)
}

func (x countingIAM) SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, o ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	x.n.inc("iam:SimulatePrincipalPolicy")
	return x.IAMAPI.SimulatePrincipalPolicy(ctx, in, o...)
}
