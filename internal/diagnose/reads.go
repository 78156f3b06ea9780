package diagnose

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// reader does the EC2 reads of a snapshot.
type reader struct{ ec2 awsclient.EC2API }

func vpcFilter(name, vpc string) []ec2types.Filter {
	return []ec2types.Filter{{Name: aws.String(name), Values: []string{vpc}}}
}

// vpcOfSubnets is the VPC of the task's subnets.
func (r *reader) vpcOfSubnets(ctx context.Context, subnets []string) (string, error) {
	out, err := r.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: subnets})
	if err != nil {
		return "", fmt.Errorf("describing subnets %v: %w", subnets, err)
	}
	for _, s := range out.Subnets {
		if v := aws.ToString(s.VpcId); v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("subnets %v not found", subnets)
}

// load reads the whole VPC. The reads are independent, so they run in
// parallel; each is one paginated call.
func (r *reader) load(ctx context.Context, vpcID string) (*vpcState, error) {
	st := &vpcState{
		id: vpcID, subnets: map[string]ec2types.Subnet{}, groups: map[string]ec2types.SecurityGroup{},
		nats: map[string]ec2types.NatGateway{}, igws: map[string]ec2types.InternetGateway{},
		prefixLists: map[string]ec2types.PrefixList{}, endpointENIs: map[netip.Addr]endpointENI{},
		enis: map[netip.Addr]*ec2types.NetworkInterface{},
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	run := func(what string, optional bool, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && !optional {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("reading %s of %s: %w", what, vpcID, err)
				}
				mu.Unlock()
			}
		}()
	}
	run("the VPC", false, func() error { return r.vpc(ctx, st) })
	run("enableDnsSupport", true, func() error {
		return r.attribute(ctx, vpcID, ec2types.VpcAttributeNameEnableDnsSupport, &st.dnsSupport)
	})
	run("enableDnsHostnames", true, func() error {
		return r.attribute(ctx, vpcID, ec2types.VpcAttributeNameEnableDnsHostnames, &st.dnsHostnames)
	})
	run("subnets", false, func() error { return r.subnets(ctx, st) })
	run("route tables", false, func() error { return r.routeTables(ctx, st) })
	run("network ACLs", false, func() error { return r.nacls(ctx, st) })
	run("security groups", false, func() error { return r.groups(ctx, st) })
	run("VPC endpoints", false, func() error { return r.endpoints(ctx, st) })
	run("NAT gateways", false, func() error { return r.nats(ctx, st) })
	run("internet gateways", false, func() error { return r.igws(ctx, st) })
	// Prefix lists only sharpen the match of gateway endpoint routes; the
	// service name does the rest when they cannot be read.
	run("prefix lists", true, func() error { return r.prefixLists(ctx, st) })
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := r.endpointInterfaces(ctx, st); err != nil {
		return nil, fmt.Errorf("reading the network interfaces of the endpoints of %s: %w", vpcID, err)
	}
	return st, nil
}

func (r *reader) vpc(ctx context.Context, st *vpcState) error {
	out, err := r.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{st.id}})
	if err != nil {
		return err
	}
	if len(out.Vpcs) == 0 {
		return fmt.Errorf("VPC %s not found", st.id)
	}
	v := out.Vpcs[0]
	seen := map[string]bool{}
	for _, c := range append([]string{aws.ToString(v.CidrBlock)}, cidrsOf(v.CidrBlockAssociationSet)...) {
		if p, err := netip.ParsePrefix(c); err == nil && !seen[c] {
			seen[c] = true
			st.cidrs = append(st.cidrs, p.Masked())
		}
	}
	return nil
}

func cidrsOf(set []ec2types.VpcCidrBlockAssociation) []string {
	var out []string
	for _, a := range set {
		if a.CidrBlockState == nil || a.CidrBlockState.State == ec2types.VpcCidrBlockStateCodeAssociated {
			out = append(out, aws.ToString(a.CidrBlock))
		}
	}
	return out
}

func (r *reader) attribute(ctx context.Context, vpc string, name ec2types.VpcAttributeName, dst **bool) error {
	out, err := r.ec2.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpc), Attribute: name})
	if err != nil {
		return err
	}
	v := out.EnableDnsSupport
	if name == ec2types.VpcAttributeNameEnableDnsHostnames {
		v = out.EnableDnsHostnames
	}
	if v != nil && v.Value != nil {
		b := *v.Value
		*dst = &b
	}
	return nil
}

func (r *reader) subnets(ctx context.Context, st *vpcState) error {
	p := ec2.NewDescribeSubnetsPaginator(r.ec2, &ec2.DescribeSubnetsInput{Filters: vpcFilter("vpc-id", st.id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, s := range out.Subnets {
			st.subnets[aws.ToString(s.SubnetId)] = s
		}
	}
	return nil
}

func (r *reader) routeTables(ctx context.Context, st *vpcState) error {
	p := ec2.NewDescribeRouteTablesPaginator(r.ec2, &ec2.DescribeRouteTablesInput{Filters: vpcFilter("vpc-id", st.id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		st.routeTables = append(st.routeTables, out.RouteTables...)
	}
	return nil
}

func (r *reader) nacls(ctx context.Context, st *vpcState) error {
	p := ec2.NewDescribeNetworkAclsPaginator(r.ec2, &ec2.DescribeNetworkAclsInput{Filters: vpcFilter("vpc-id", st.id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		st.nacls = append(st.nacls, out.NetworkAcls...)
	}
	return nil
}

func (r *reader) groups(ctx context.Context, st *vpcState) error {
	p := ec2.NewDescribeSecurityGroupsPaginator(r.ec2, &ec2.DescribeSecurityGroupsInput{Filters: vpcFilter("vpc-id", st.id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, g := range out.SecurityGroups {
			st.groups[aws.ToString(g.GroupId)] = g
		}
	}
	return nil
}

func (r *reader) endpoints(ctx context.Context, st *vpcState) error {
	p := ec2.NewDescribeVpcEndpointsPaginator(r.ec2, &ec2.DescribeVpcEndpointsInput{Filters: vpcFilter("vpc-id", st.id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, e := range out.VpcEndpoints {
			// EC2 spells the states in lower case ("available"), the SDK's
			// enum in title case; endpoints in these carry no traffic.
			switch strings.ToLower(string(e.State)) {
			case "deleted", "deleting", "failed", "rejected", "expired":
				continue
			}
			st.endpoints = append(st.endpoints, e)
		}
	}
	return nil
}

func (r *reader) nats(ctx context.Context, st *vpcState) error {
	p := ec2.NewDescribeNatGatewaysPaginator(r.ec2, &ec2.DescribeNatGatewaysInput{Filter: vpcFilter("vpc-id", st.id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, n := range out.NatGateways {
			st.nats[aws.ToString(n.NatGatewayId)] = n
		}
	}
	return nil
}

func (r *reader) igws(ctx context.Context, st *vpcState) error {
	p := ec2.NewDescribeInternetGatewaysPaginator(r.ec2, &ec2.DescribeInternetGatewaysInput{Filters: vpcFilter("attachment.vpc-id", st.id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, g := range out.InternetGateways {
			st.igws[aws.ToString(g.InternetGatewayId)] = g
		}
	}
	return nil
}

func (r *reader) prefixLists(ctx context.Context, st *vpcState) error {
	p := ec2.NewDescribePrefixListsPaginator(r.ec2, &ec2.DescribePrefixListsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, pl := range out.PrefixLists {
			st.prefixLists[aws.ToString(pl.PrefixListId)] = pl
		}
	}
	return nil
}

// endpointInterfaces reads the ENIs of all interface endpoints in one call.
func (r *reader) endpointInterfaces(ctx context.Context, st *vpcState) error {
	owner := map[string]*ec2types.VpcEndpoint{}
	var ids []string
	for i := range st.endpoints {
		for _, id := range st.endpoints[i].NetworkInterfaceIds {
			owner[id] = &st.endpoints[i]
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	p := ec2.NewDescribeNetworkInterfacesPaginator(r.ec2, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ids})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, eni := range out.NetworkInterfaces {
			for _, a := range eniAddrs(eni) {
				st.endpointENIs[a] = endpointENI{eni: eni, endpoint: owner[aws.ToString(eni.NetworkInterfaceId)]}
			}
		}
	}
	return nil
}

func eniAddrs(eni ec2types.NetworkInterface) []netip.Addr {
	var out []netip.Addr
	add := func(s *string) {
		if a, err := netip.ParseAddr(aws.ToString(s)); err == nil {
			out = append(out, a)
		}
	}
	add(eni.PrivateIpAddress)
	for _, p := range eni.PrivateIpAddresses {
		add(p.PrivateIpAddress)
	}
	return out
}

// eniByAddress is the ENI holding a private address in the VPC, nil when none.
func (r *reader) eniByAddress(ctx context.Context, vpc string, addr netip.Addr) (*ec2types.NetworkInterface, error) {
	out, err := r.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("addresses.private-ip-address"), Values: []string{addr.String()}},
	}})
	if err != nil {
		return nil, fmt.Errorf("looking up the network interface of %s: %w", addr, err)
	}
	if len(out.NetworkInterfaces) == 0 {
		return nil, nil
	}
	return &out.NetworkInterfaces[0], nil
}
