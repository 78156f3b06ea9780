package fakeaws

import (
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

func loadNetwork(t *testing.T) clients {
	t.Helper()
	b, err := os.ReadFile("testdata/network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := startScenario(t, string(b))
	return clientsFor(srv, "AKIDANY")
}

func describeENIs(t *testing.T, c clients, ids ...string) []types.NetworkInterface {
	t.Helper()
	out, err := c.ec2.DescribeNetworkInterfaces(ctxT(t), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	return out.NetworkInterfaces
}

func ec2Filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func TestVPCAndSubnets(t *testing.T) {
	c := loadNetwork(t)
	ctx := ctxT(t)
	v, err := c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-1"}})
	if err != nil || len(v.Vpcs) != 1 || aws.ToString(v.Vpcs[0].CidrBlock) != "10.1.0.0/16" || aws.ToString(v.Vpcs[0].OwnerId) != "111122223333" {
		t.Fatalf("vpcs %v %+v", err, v)
	}
	for attr, want := range map[types.VpcAttributeName]bool{types.VpcAttributeNameEnableDnsSupport: true, types.VpcAttributeNameEnableDnsHostnames: false} {
		a, err := c.ec2.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String("vpc-1"), Attribute: attr})
		if err != nil {
			t.Fatal(err)
		}
		got := a.EnableDnsSupport
		if attr == types.VpcAttributeNameEnableDnsHostnames {
			got = a.EnableDnsHostnames
		}
		if got == nil || aws.ToBool(got.Value) != want {
			t.Errorf("%s = %+v, want %v", attr, got, want)
		}
	}
	s, err := c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{ec2Filter("vpc-id", "vpc-1"), ec2Filter("availability-zone", "us-east-1a", "us-east-1b")}})
	if err != nil || len(s.Subnets) != 2 {
		t.Fatalf("subnets %v %+v", err, s)
	}
	// 256 - 5 reserved - 1 used by the NAT gateway's interface
	if aws.ToInt32(s.Subnets[0].AvailableIpAddressCount) != 250 || !aws.ToBool(s.Subnets[0].MapPublicIpOnLaunch) {
		t.Errorf("subnet-pub %+v", s.Subnets[0])
	}
	_, err = c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-gone"}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSubnetID.NotFound" || ae.ErrorMessage() != "The subnet ID 'subnet-gone' does not exist" {
		t.Errorf("missing subnet: %v", err)
	}
	_, err = c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{ec2Filter("no-such-filter", "x")}})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("unknown filter: %v", err)
	}
}

func routesOf(rt types.RouteTable) map[string]string {
	out := map[string]string{}
	for _, r := range rt.Routes {
		dest := aws.ToString(r.DestinationCidrBlock) + aws.ToString(r.DestinationPrefixListId)
		target := aws.ToString(r.GatewayId) + aws.ToString(r.NatGatewayId)
		out[dest] = target + "/" + string(r.State)
	}
	return out
}

func TestRouteTables(t *testing.T) {
	c := loadNetwork(t)
	ctx := ctxT(t)
	// The controller finds a subnet's table by association, falling back to
	// the main table: subnet-pub has no explicit association.
	out, err := c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{ec2Filter("association.subnet-id", "subnet-pub")}})
	if err != nil || len(out.RouteTables) != 0 {
		t.Fatalf("subnet-pub explicit: %v %d", err, len(out.RouteTables))
	}
	out, err = c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{ec2Filter("vpc-id", "vpc-1"), ec2Filter("association.main", "true")}})
	if err != nil || len(out.RouteTables) != 1 || aws.ToString(out.RouteTables[0].RouteTableId) != "rtb-main" {
		t.Fatalf("main table: %v %+v", err, out)
	}
	if got := routesOf(out.RouteTables[0]); got["0.0.0.0/0"] != "igw-1/active" || got["10.1.0.0/16"] != "local/active" {
		t.Errorf("main routes %v", got)
	}
	out, err = c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-priv", "rtb-iso"}})
	if err != nil || len(out.RouteTables) != 2 {
		t.Fatal(err)
	}
	priv, iso := routesOf(out.RouteTables[0]), routesOf(out.RouteTables[1])
	if priv["0.0.0.0/0"] != "nat-live/active" || priv["pl-63a5400a"] != "vpce-s3/active" {
		t.Errorf("rtb-priv routes %v (want NAT and the S3 gateway endpoint's prefix list)", priv)
	}
	if iso["0.0.0.0/0"] != "nat-dead/blackhole" {
		t.Errorf("rtb-iso routes %v (a deleted NAT gateway is a blackhole)", iso)
	}
	a := out.RouteTables[1].Associations
	if len(a) != 1 || aws.ToString(a[0].SubnetId) != "subnet-iso" || aws.ToBool(a[0].Main) {
		t.Errorf("associations %+v", a)
	}
	_, err = c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-x"}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidRouteTableID.NotFound" {
		t.Errorf("missing table: %v", err)
	}
}

func TestNetworkACLs(t *testing.T) {
	c := loadNetwork(t)
	out, err := c.ec2.DescribeNetworkAcls(ctxT(t), &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{ec2Filter("association.subnet-id", "subnet-iso")}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("%v %+v", err, out)
	}
	var egress []string
	for _, e := range out.NetworkAcls[0].Entries {
		if aws.ToBool(e.Egress) {
			s := string(e.RuleAction) + " " + aws.ToString(e.Protocol) + " " + aws.ToString(e.CidrBlock)
			if e.PortRange != nil {
				s += " " + strings.Join([]string{itoa32(e.PortRange.From), itoa32(e.PortRange.To)}, "-")
			}
			egress = append(egress, itoa32(e.RuleNumber)+": "+s)
		}
	}
	want := []string{"90: deny 6 52.119.0.0/16 0-65535", "100: allow 6 0.0.0.0/0 443-443", "32767: deny -1 0.0.0.0/0"}
	if strings.Join(egress, "|") != strings.Join(want, "|") {
		t.Errorf("egress entries\n got %v\nwant %v", egress, want)
	}
	// The default ACL is associated with every subnet no other ACL claims.
	def, err := c.ec2.DescribeNetworkAcls(ctxT(t), &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{"acl-default"}})
	if err != nil {
		t.Fatal(err)
	}
	var subs []string
	for _, a := range def.NetworkAcls[0].Associations {
		subs = append(subs, aws.ToString(a.SubnetId))
	}
	sort.Strings(subs)
	if strings.Join(subs, ",") != "subnet-priv,subnet-pub" {
		t.Errorf("default ACL subnets %v", subs)
	}
}

func itoa32(p *int32) string {
	if p == nil {
		return "nil"
	}
	return strconv.Itoa(int(*p))
}

func TestSecurityGroups(t *testing.T) {
	c := loadNetwork(t)
	out, err := c.ec2.DescribeSecurityGroups(ctxT(t), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-vpce", "sg-closed", "sg-task"}})
	if err != nil || len(out.SecurityGroups) != 3 {
		t.Fatalf("%v %+v", err, out)
	}
	byID := map[string]types.SecurityGroup{}
	for _, g := range out.SecurityGroups {
		byID[aws.ToString(g.GroupId)] = g
	}
	in := byID["sg-vpce"].IpPermissions
	if len(in) != 2 || aws.ToString(in[0].IpProtocol) != "tcp" || aws.ToInt32(in[0].FromPort) != 443 ||
		aws.ToString(in[0].UserIdGroupPairs[0].GroupId) != "sg-task" || aws.ToString(in[1].IpRanges[0].CidrIp) != "10.1.0.0/16" {
		t.Errorf("sg-vpce ingress %+v", in)
	}
	// No egress key: the AWS default allow-all; an empty list: none.
	if e := byID["sg-vpce"].IpPermissionsEgress; len(e) != 1 || aws.ToString(e[0].IpProtocol) != "-1" || aws.ToString(e[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Errorf("default egress %+v", e)
	}
	if e := byID["sg-closed"].IpPermissionsEgress; len(e) != 0 {
		t.Errorf("closed egress %+v", e)
	}
	_, err = c.ec2.DescribeSecurityGroups(ctxT(t), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-gone"}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidGroup.NotFound" {
		t.Errorf("missing group: %v", err)
	}
}

func TestEndpointsAndInterfaces(t *testing.T) {
	c := loadNetwork(t)
	ctx := ctxT(t)
	out, err := c.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{ec2Filter("vpc-id", "vpc-1")}})
	if err != nil || len(out.VpcEndpoints) != 2 {
		t.Fatalf("%v %+v", err, out)
	}
	sns, s3 := out.VpcEndpoints[0], out.VpcEndpoints[1]
	if sns.VpcEndpointType != types.VpcEndpointTypeInterface || !aws.ToBool(sns.PrivateDnsEnabled) ||
		aws.ToString(sns.Groups[0].GroupId) != "sg-vpce" || len(sns.NetworkInterfaceIds) != 1 {
		t.Errorf("interface endpoint %+v", sns)
	}
	var names []string
	for _, d := range sns.DnsEntries {
		names = append(names, aws.ToString(d.DnsName))
	}
	if !strings.Contains(strings.Join(names, " "), " sns.us-east-1.amazonaws.com") {
		t.Errorf("private DNS name missing from %v", names)
	}
	if s3.VpcEndpointType != types.VpcEndpointTypeGateway || s3.RouteTableIds[0] != "rtb-priv" ||
		!strings.Contains(aws.ToString(s3.PolicyDocument), "starport-layer-bucket") {
		t.Errorf("gateway endpoint %+v", s3)
	}
	// The endpoint's ENI is found by its address, as diagnosis does after DNS.
	enis, err := c.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{ec2Filter("addresses.private-ip-address", "10.1.1.169")}})
	if err != nil || len(enis.NetworkInterfaces) != 1 {
		t.Fatalf("%v %+v", err, enis)
	}
	n := enis.NetworkInterfaces[0]
	if n.InterfaceType != types.NetworkInterfaceTypeVpcEndpoint || aws.ToString(n.Description) != "VPC Endpoint Interface vpce-sns" ||
		aws.ToString(n.Groups[0].GroupId) != "sg-vpce" || aws.ToString(n.VpcId) != "vpc-1" || aws.ToString(n.NetworkInterfaceId) != sns.NetworkInterfaceIds[0] {
		t.Errorf("endpoint ENI %+v", n)
	}
	nat, err := c.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: []types.Filter{ec2Filter("state", "available")}})
	if err != nil || len(nat.NatGateways) != 1 || aws.ToString(nat.NatGateways[0].NatGatewayAddresses[0].PublicIp) != "54.0.0.10" {
		t.Errorf("nat %v %+v", err, nat)
	}
	igw, err := c.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{ec2Filter("attachment.vpc-id", "vpc-1")}})
	if err != nil || len(igw.InternetGateways) != 1 || igw.InternetGateways[0].Attachments[0].State != "available" {
		t.Errorf("igw %v %+v", err, igw)
	}
	pl, err := c.ec2.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{Filters: []types.Filter{ec2Filter("prefix-list-name", "com.amazonaws.us-east-1.s3")}})
	if err != nil || len(pl.PrefixLists) != 1 || aws.ToString(pl.PrefixLists[0].PrefixListId) != "pl-63a5400a" || len(pl.PrefixLists[0].Cidrs) != 2 {
		t.Errorf("prefix lists %v %+v", err, pl)
	}
}
