package motoenv

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// Env builds resources in moto with the SDK; every call fails the test on
// error, so a test reads as the list of resources it builds.
type Env struct {
	T      testing.TB
	Ctx    context.Context
	Region string
	EC2    *ec2.Client
	IAM    *iam.Client
}

// NewEnv is an Env for region on the server.
func (s *Server) NewEnv(t testing.TB, region string) *Env {
	cfg := s.Config(region)
	return &Env{T: t, Ctx: context.Background(), Region: region, EC2: ec2.NewFromConfig(cfg), IAM: iam.NewFromConfig(cfg)}
}

func (e *Env) check(what string, err error) {
	e.T.Helper()
	if err != nil {
		e.T.Fatalf("moto: %s: %v", what, err)
	}
}

// VPC creates a VPC with DNS support and hostnames on (what interface
// endpoints with private DNS need).
func (e *Env) VPC(cidr string) string {
	e.T.Helper()
	out, err := e.EC2.CreateVpc(e.Ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	e.check("CreateVpc", err)
	id := aws.ToString(out.Vpc.VpcId)
	e.SetVPCDNS(id, true, true)
	return id
}

// SetVPCDNS sets enableDnsSupport and enableDnsHostnames.
func (e *Env) SetVPCDNS(vpc string, support, hostnames bool) {
	e.T.Helper()
	_, err := e.EC2.ModifyVpcAttribute(e.Ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: aws.Bool(support)}})
	e.check("ModifyVpcAttribute enableDnsSupport", err)
	_, err = e.EC2.ModifyVpcAttribute(e.Ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(hostnames)}})
	e.check("ModifyVpcAttribute enableDnsHostnames", err)
}

// Subnet creates a subnet in availability zone <region>a.
func (e *Env) Subnet(vpc, cidr string) string {
	e.T.Helper()
	out, err := e.EC2.CreateSubnet(e.Ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(e.Region + "a")})
	e.check("CreateSubnet", err)
	return aws.ToString(out.Subnet.SubnetId)
}

// SecurityGroup creates a group; it keeps EC2's default egress rule
// (all traffic to 0.0.0.0/0) and has no ingress rule.
func (e *Env) SecurityGroup(vpc, name string) string {
	e.T.Helper()
	out, err := e.EC2.CreateSecurityGroup(e.Ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpc), GroupName: aws.String(name), Description: aws.String(name)})
	e.check("CreateSecurityGroup", err)
	return aws.ToString(out.GroupId)
}

// TCP is an IpPermission for TCP ports from..to with one peer: a CIDR
// ("10.0.0.0/16"), a security group ("sg-...") or a prefix list ("pl-...").
func TCP(from, to int32, peer string) ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
	return withPeer(p, peer)
}

// AllTraffic is an IpPermission for every protocol with one peer.
func AllTraffic(peer string) ec2types.IpPermission {
	return withPeer(ec2types.IpPermission{IpProtocol: aws.String("-1")}, peer)
}

func withPeer(p ec2types.IpPermission, peer string) ec2types.IpPermission {
	switch {
	case strings.HasPrefix(peer, "sg-"):
		p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(peer)}}
	case strings.HasPrefix(peer, "pl-"):
		p.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: aws.String(peer)}}
	default:
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(peer)}}
	}
	return p
}

// Allow adds a rule to a group.
func (e *Env) Allow(sg string, egress bool, p ec2types.IpPermission) {
	e.T.Helper()
	var err error
	if egress {
		_, err = e.EC2.AuthorizeSecurityGroupEgress(e.Ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{p}})
	} else {
		_, err = e.EC2.AuthorizeSecurityGroupIngress(e.Ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{p}})
	}
	e.check("Authorize "+sg, err)
}

// Revoke removes a rule from a group.
func (e *Env) Revoke(sg string, egress bool, p ec2types.IpPermission) {
	e.T.Helper()
	var err error
	if egress {
		_, err = e.EC2.RevokeSecurityGroupEgress(e.Ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{p}})
	} else {
		_, err = e.EC2.RevokeSecurityGroupIngress(e.Ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{p}})
	}
	e.check("Revoke "+sg, err)
}

// RouteTable creates a route table (with its local route) and associates
// the subnets with it.
func (e *Env) RouteTable(vpc string, subnets ...string) string {
	e.T.Helper()
	out, err := e.EC2.CreateRouteTable(e.Ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
	e.check("CreateRouteTable", err)
	id := aws.ToString(out.RouteTable.RouteTableId)
	for _, s := range subnets {
		_, err := e.EC2.AssociateRouteTable(e.Ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(id), SubnetId: aws.String(s)})
		e.check("AssociateRouteTable", err)
	}
	return id
}

// Route adds cidr -> target, the target kind read from its ID prefix.
func (e *Env) Route(rt, cidr, target string) {
	e.T.Helper()
	in := &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String(cidr)}
	setTarget(target, &in.GatewayId, &in.NatGatewayId, &in.VpcPeeringConnectionId, &in.TransitGatewayId)
	_, err := e.EC2.CreateRoute(e.Ctx, in)
	e.check("CreateRoute", err)
}

// ReplaceRoute points an existing route at another target.
func (e *Env) ReplaceRoute(rt, cidr, target string) {
	e.T.Helper()
	in := &ec2.ReplaceRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String(cidr)}
	setTarget(target, &in.GatewayId, &in.NatGatewayId, &in.VpcPeeringConnectionId, &in.TransitGatewayId)
	_, err := e.EC2.ReplaceRoute(e.Ctx, in)
	e.check("ReplaceRoute", err)
}

func setTarget(target string, gw, nat, pcx, tgw **string) {
	switch {
	case strings.HasPrefix(target, "nat-"):
		*nat = aws.String(target)
	case strings.HasPrefix(target, "pcx-"):
		*pcx = aws.String(target)
	case strings.HasPrefix(target, "tgw-"):
		*tgw = aws.String(target)
	default:
		*gw = aws.String(target)
	}
}

// InternetGateway creates an internet gateway attached to the VPC.
func (e *Env) InternetGateway(vpc string) string {
	e.T.Helper()
	out, err := e.EC2.CreateInternetGateway(e.Ctx, &ec2.CreateInternetGatewayInput{})
	e.check("CreateInternetGateway", err)
	id := aws.ToString(out.InternetGateway.InternetGatewayId)
	_, err = e.EC2.AttachInternetGateway(e.Ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpc)})
	e.check("AttachInternetGateway", err)
	return id
}

// NATGateway creates a public NAT gateway with an Elastic IP in subnet.
func (e *Env) NATGateway(subnet string) string {
	e.T.Helper()
	eip, err := e.EC2.AllocateAddress(e.Ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	e.check("AllocateAddress", err)
	out, err := e.EC2.CreateNatGateway(e.Ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnet), AllocationId: eip.AllocationId})
	e.check("CreateNatGateway", err)
	return aws.ToString(out.NatGateway.NatGatewayId)
}

// DeleteNATGateway deletes a NAT gateway; routes to it become blackholes.
func (e *Env) DeleteNATGateway(id string) {
	e.T.Helper()
	_, err := e.EC2.DeleteNatGateway(e.Ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(id)})
	e.check("DeleteNatGateway", err)
}

// NetworkACL creates an ACL with no rules (everything denied) and
// associates the subnet with it.
func (e *Env) NetworkACL(vpc, subnet string) string {
	e.T.Helper()
	out, err := e.EC2.CreateNetworkAcl(e.Ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	e.check("CreateNetworkAcl", err)
	id := aws.ToString(out.NetworkAcl.NetworkAclId)
	acls, err := e.EC2.DescribeNetworkAcls(e.Ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{subnet}}}})
	e.check("DescribeNetworkAcls", err)
	for _, a := range acls.NetworkAcls {
		for _, as := range a.Associations {
			if aws.ToString(as.SubnetId) == subnet {
				_, err := e.EC2.ReplaceNetworkAclAssociation(e.Ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: as.NetworkAclAssociationId, NetworkAclId: aws.String(id)})
				e.check("ReplaceNetworkAclAssociation", err)
			}
		}
	}
	return id
}

// ACLRule adds a rule; proto "-1" (all) or "6" (TCP, with ports from..to).
func (e *Env) ACLRule(acl string, number int32, egress bool, proto string, from, to int32, cidr string, allow bool) {
	e.T.Helper()
	action := ec2types.RuleActionDeny
	if allow {
		action = ec2types.RuleActionAllow
	}
	in := &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(number), Egress: aws.Bool(egress),
		Protocol: aws.String(proto), CidrBlock: aws.String(cidr), RuleAction: action}
	if proto == "6" {
		in.PortRange = &ec2types.PortRange{From: aws.Int32(from), To: aws.Int32(to)}
	}
	_, err := e.EC2.CreateNetworkAclEntry(e.Ctx, in)
	e.check("CreateNetworkAclEntry", err)
}

// DeleteACLRule removes a rule.
func (e *Env) DeleteACLRule(acl string, number int32, egress bool) {
	e.T.Helper()
	_, err := e.EC2.DeleteNetworkAclEntry(e.Ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(number), Egress: aws.Bool(egress)})
	e.check("DeleteNetworkAclEntry", err)
}

// InterfaceEndpoint creates an interface endpoint for com.amazonaws.<region>.<service>
// and returns its ID and the private addresses of its network interfaces
// (what the service's name resolves to with private DNS).
func (e *Env) InterfaceEndpoint(vpc, service string, subnets, groups []string, privateDNS bool) (string, []string) {
	e.T.Helper()
	out, err := e.EC2.CreateVpcEndpoint(e.Ctx, &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws." + e.Region + "." + service),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: subnets, SecurityGroupIds: groups,
		PrivateDnsEnabled: aws.Bool(privateDNS),
	})
	e.check("CreateVpcEndpoint "+service, err)
	ep := out.VpcEndpoint
	enis, err := e.EC2.DescribeNetworkInterfaces(e.Ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ep.NetworkInterfaceIds})
	e.check("DescribeNetworkInterfaces", err)
	var addrs []string
	for _, n := range enis.NetworkInterfaces {
		addrs = append(addrs, aws.ToString(n.PrivateIpAddress))
	}
	return aws.ToString(ep.VpcEndpointId), addrs
}

// GatewayEndpoint creates a gateway endpoint (s3, dynamodb) associated with
// route tables; policy "" keeps the default full-access policy.
func (e *Env) GatewayEndpoint(vpc, service string, routeTables []string, policy string) string {
	e.T.Helper()
	in := &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws." + e.Region + "." + service),
		VpcEndpointType: ec2types.VpcEndpointTypeGateway, RouteTableIds: routeTables}
	if policy != "" {
		in.PolicyDocument = aws.String(policy)
	}
	out, err := e.EC2.CreateVpcEndpoint(e.Ctx, in)
	e.check("CreateVpcEndpoint "+service, err)
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

// ModifyEndpoint changes an endpoint's policy or route tables.
func (e *Env) ModifyEndpoint(in *ec2.ModifyVpcEndpointInput) {
	e.T.Helper()
	_, err := e.EC2.ModifyVpcEndpoint(e.Ctx, in)
	e.check("ModifyVpcEndpoint", err)
}

// DeleteEndpoint deletes an endpoint.
func (e *Env) DeleteEndpoint(id string) {
	e.T.Helper()
	_, err := e.EC2.DeleteVpcEndpoints(e.Ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
	e.check("DeleteVpcEndpoints", err)
}

// NetworkInterface creates an ENI (a database, another service's task)
// with the given address and groups.
func (e *Env) NetworkInterface(subnet, addr string, groups ...string) string {
	e.T.Helper()
	out, err := e.EC2.CreateNetworkInterface(e.Ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), PrivateIpAddress: aws.String(addr), Groups: groups})
	e.check("CreateNetworkInterface", err)
	return aws.ToString(out.NetworkInterface.NetworkInterfaceId)
}
