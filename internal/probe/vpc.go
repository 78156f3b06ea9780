package probe

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/cache"
)

type vpcFacts struct {
	id    string
	cidrs []netip.Prefix
}

// lookUpVPC finds the VPC of the probe's subnets and its CIDR blocks, which
// tell an address inside the VPC (an interface endpoint, seed 000's nslookup
// step) from a public one. Failing to read EC2 only costs that distinction,
// so it is logged, not returned.
func (m *Manager) lookUpVPC(ctx context.Context, c *awsclient.Clients, id *Identity) {
	if len(id.Subnets) == 0 || c.EC2 == nil {
		return
	}
	key := "vpc|" + c.Scope() + "|" + strings.Join(id.Subnets, ",")
	if v, ok := m.cache.Get(key); ok {
		f := v.(vpcFacts)
		id.VPCID, id.VPCCIDRs = f.id, f.cidrs
		return
	}
	f, err := describeVPC(ctx, c.EC2, id.Subnets)
	if err != nil {
		m.log(ctx).Error(err, "reading the probe's VPC failed; addresses are judged without its CIDR", "subnets", id.Subnets)
		return
	}
	m.cache.Set(key, f, cache.VPCTTL)
	id.VPCID, id.VPCCIDRs = f.id, f.cidrs
}

func describeVPC(ctx context.Context, api awsclient.EC2API, subnets []string) (vpcFacts, error) {
	sn, err := api.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: subnets})
	if err != nil {
		return vpcFacts{}, awsError("ec2:DescribeSubnets", err)
	}
	if len(sn.Subnets) == 0 {
		return vpcFacts{}, fmt.Errorf("subnets %v not found", subnets)
	}
	vpcID := aws.ToString(sn.Subnets[0].VpcId)
	out, err := api.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	if err != nil {
		return vpcFacts{}, awsError("ec2:DescribeVpcs", err)
	}
	f := vpcFacts{id: vpcID}
	for _, v := range out.Vpcs {
		for _, a := range v.CidrBlockAssociationSet {
			if a.CidrBlockState != nil && a.CidrBlockState.State != "associated" {
				continue
			}
			if p, err := netip.ParsePrefix(aws.ToString(a.CidrBlock)); err == nil {
				f.cidrs = append(f.cidrs, p)
			}
		}
		if len(f.cidrs) == 0 {
			if p, err := netip.ParsePrefix(aws.ToString(v.CidrBlock)); err == nil {
				f.cidrs = append(f.cidrs, p)
			}
		}
		for _, a := range v.Ipv6CidrBlockAssociationSet {
			if p, err := netip.ParsePrefix(aws.ToString(a.Ipv6CidrBlock)); err == nil {
				f.cidrs = append(f.cidrs, p)
			}
		}
	}
	return f, nil
}
