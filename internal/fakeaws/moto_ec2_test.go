package fakeaws

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const motoEC2Region = "eu-west-1"

// ec2World is the network built in moto; the fake's scenario is written
// from the IDs moto assigned.
type ec2World struct {
	vpc, subA, subB, igw, nat, natIP, rtbMain, rtbPriv string
	aclDefault, aclPriv, sgDefault, sgTask, sgVpce     string
	vpceSNS, vpceS3, eniSNS, eniSNSIP, plS3            string
}

const s3EndpointPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"}]}`

// mustT is the test that must() fails; the differential tests do not run
// in parallel, and must(call()) reads better than checking every setup call.
var mustT *testing.T

func must[T any](v T, err error) T {
	mustT.Helper()
	if err != nil {
		mustT.Fatal(err)
	}
	return v
}

func buildMotoNetwork(t *testing.T, c *ec2.Client) ec2World {
	mustT = t
	ctx := ctxT(t)
	var w ec2World
	w.vpc = str(must(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId)
	must(c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: &w.vpc, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	w.subA = str(must(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &w.vpc, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("eu-west-1a")})).Subnet.SubnetId)
	w.subB = str(must(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &w.vpc, CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZone: aws.String("eu-west-1b")})).Subnet.SubnetId)
	must(c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &w.subA, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	w.igw = str(must(c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId)
	must(c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &w.igw, VpcId: &w.vpc}))
	alloc := must(c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
	w.nat = str(must(c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: &w.subA, AllocationId: alloc.AllocationId})).NatGateway.NatGatewayId)
	w.natIP = str(alloc.PublicIp)

	main := must(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{ec2Filter("vpc-id", w.vpc), ec2Filter("association.main", "true")}}))
	w.rtbMain = str(main.RouteTables[0].RouteTableId)
	must(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &w.rtbMain, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &w.igw}))
	w.rtbPriv = str(must(c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &w.vpc})).RouteTable.RouteTableId)
	must(c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &w.rtbPriv, SubnetId: &w.subB}))
	must(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &w.rtbPriv, DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: &w.nat}))

	acls := must(c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{ec2Filter("vpc-id", w.vpc), ec2Filter("default", "true")}}))
	w.aclDefault = str(acls.NetworkAcls[0].NetworkAclId)
	var assocB string
	for _, a := range acls.NetworkAcls[0].Associations {
		if str(a.SubnetId) == w.subB {
			assocB = str(a.NetworkAclAssociationId)
		}
	}
	w.aclPriv = str(must(c.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: &w.vpc})).NetworkAcl.NetworkAclId)
	for _, e := range []ec2.CreateNetworkAclEntryInput{
		{RuleNumber: aws.Int32(90), Egress: aws.Bool(true), Protocol: aws.String("6"), RuleAction: types.RuleActionDeny, CidrBlock: aws.String("52.119.0.0/16"), PortRange: &types.PortRange{From: aws.Int32(0), To: aws.Int32(65535)}},
		{RuleNumber: aws.Int32(100), Egress: aws.Bool(true), Protocol: aws.String("6"), RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(443), To: aws.Int32(443)}},
		{RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("6"), RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(1024), To: aws.Int32(65535)}},
	} {
		e.NetworkAclId = &w.aclPriv
		must(c.CreateNetworkAclEntry(ctx, &e))
	}
	must(c.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: &assocB, NetworkAclId: &w.aclPriv}))

	sgs := must(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{ec2Filter("vpc-id", w.vpc), ec2Filter("group-name", "default")}}))
	w.sgDefault = str(sgs.SecurityGroups[0].GroupId)
	w.sgTask = str(must(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: &w.vpc, GroupName: aws.String("task"), Description: aws.String("task group")})).GroupId)
	w.sgVpce = str(must(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: &w.vpc, GroupName: aws.String("vpce"), Description: aws.String("endpoints")})).GroupId)
	all := []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	must(c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: &w.sgTask, IpPermissions: all}))
	https := func() types.IpPermission {
		return types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443)}
	}
	out := https()
	out.IpRanges = []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}
	must(c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: &w.sgTask, IpPermissions: []types.IpPermission{out}}))
	fromTask, fromVPC := https(), https()
	fromTask.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: &w.sgTask}}
	fromVPC.IpRanges = []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}
	must(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &w.sgVpce, IpPermissions: []types.IpPermission{fromTask, fromVPC}}))

	sns := must(c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: &w.vpc, VpcEndpointType: types.VpcEndpointTypeInterface,
		ServiceName: aws.String("com.amazonaws.eu-west-1.sns"), SubnetIds: []string{w.subB}, SecurityGroupIds: []string{w.sgVpce}, PrivateDnsEnabled: aws.Bool(true)}))
	w.vpceSNS, w.eniSNS = str(sns.VpcEndpoint.VpcEndpointId), sns.VpcEndpoint.NetworkInterfaceIds[0]
	w.eniSNSIP = str(must(c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{w.eniSNS}})).NetworkInterfaces[0].PrivateIpAddress)
	w.vpceS3 = str(must(c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: &w.vpc, VpcEndpointType: types.VpcEndpointTypeGateway,
		ServiceName: aws.String("com.amazonaws.eu-west-1.s3"), RouteTableIds: []string{w.rtbPriv}, PolicyDocument: aws.String(s3EndpointPolicy)})).VpcEndpoint.VpcEndpointId)
	pl := must(c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{Filters: []types.Filter{ec2Filter("prefix-list-name", "com.amazonaws.eu-west-1.s3")}}))
	w.plS3 = str(pl.PrefixLists[0].PrefixListId)
	return w
}

// scenario is the same network written for the fake.
func (w ec2World) scenario() *Scenario {
	ptr := func(i int) *int { return &i }
	tcp443 := func() *SGRule { return &SGRule{Protocol: "tcp", FromPort: ptr(443), ToPort: ptr(443)} }
	fromTask, fromVPC, out := tcp443(), tcp443(), tcp443()
	fromTask.Groups = []string{w.sgTask}
	fromVPC.CIDRs = []string{"10.0.0.0/16"}
	out.CIDRs = []string{"0.0.0.0/0"}
	yes := true
	return &Scenario{Region: motoEC2Region, Accounts: []*Account{{
		ID:   motoAccount,
		VPCs: []*VPC{{ID: w.vpc, CIDR: "10.0.0.0/16", EnableDNSSupport: &yes, EnableDNSHostnames: &yes}},
		Subnets: []*Subnet{
			{ID: w.subA, VPC: w.vpc, CIDR: "10.0.1.0/24", AvailabilityZone: "eu-west-1a", MapPublicIPOnLaunch: true},
			{ID: w.subB, VPC: w.vpc, CIDR: "10.0.2.0/24", AvailabilityZone: "eu-west-1b"},
		},
		InternetGateways: []*InternetGateway{{ID: w.igw, VPCs: []string{w.vpc}}},
		NATGateways:      []*NATGateway{{ID: w.nat, Subnet: w.subA, PublicIP: w.natIP}},
		PrefixLists:      []*PrefixList{{ID: w.plS3, Name: "com.amazonaws.eu-west-1.s3"}},
		RouteTables: []*RouteTable{
			{ID: w.rtbMain, VPC: w.vpc, Main: true, Routes: []*Route{{Destination: "0.0.0.0/0", Target: w.igw}}},
			{ID: w.rtbPriv, VPC: w.vpc, Subnets: []string{w.subB}, Routes: []*Route{{Destination: "0.0.0.0/0", Target: w.nat}}},
		},
		NetworkACLs: []*NetworkACL{
			{ID: w.aclDefault, VPC: w.vpc, Default: true,
				Ingress: []*ACLEntry{{Rule: 100, Action: "allow"}}, Egress: []*ACLEntry{{Rule: 100, Action: "allow"}}},
			{ID: w.aclPriv, VPC: w.vpc, Subnets: []string{w.subB},
				Egress: []*ACLEntry{
					{Rule: 90, Protocol: "tcp", Action: "deny", CIDR: "52.119.0.0/16", FromPort: 0, ToPort: 65535},
					{Rule: 100, Protocol: "tcp", Action: "allow", FromPort: 443, ToPort: 443},
				},
				Ingress: []*ACLEntry{{Rule: 100, Protocol: "tcp", Action: "allow", FromPort: 1024, ToPort: 65535}}},
		},
		SecurityGroups: []*SecurityGroup{
			{ID: w.sgDefault, Name: "default", Description: "default VPC security group", VPC: w.vpc, Ingress: []*SGRule{{Protocol: "-1", Groups: []string{w.sgDefault}}}},
			{ID: w.sgTask, Name: "task", Description: "task group", VPC: w.vpc, Egress: []*SGRule{out}},
			{ID: w.sgVpce, Name: "vpce", Description: "endpoints", VPC: w.vpc, Ingress: []*SGRule{fromTask, fromVPC}},
		},
		VPCEndpoints: []*VPCEndpoint{
			{ID: w.vpceSNS, VPC: w.vpc, ServiceName: "com.amazonaws.eu-west-1.sns", Type: "Interface", Subnets: []string{w.subB},
				SecurityGroups: []string{w.sgVpce}, PrivateDNS: &yes, ENIs: []*EndpointENI{{ID: w.eniSNS, Subnet: w.subB, IP: w.eniSNSIP}}},
			{ID: w.vpceS3, VPC: w.vpc, ServiceName: "com.amazonaws.eu-west-1.s3", Type: "Gateway", RouteTables: []string{w.rtbPriv}, Policy: PolicyDocument(s3EndpointPolicy)},
		},
	}}}
}

// Projections: the fields the controller's diagnosis reads.

func routeView(rts []types.RouteTable) map[string][]string {
	out := map[string][]string{}
	for _, rt := range rts {
		var v []string
		for _, a := range rt.Associations {
			if aws.ToBool(a.Main) {
				v = append(v, "main")
			} else {
				v = append(v, "assoc "+str(a.SubnetId))
			}
		}
		for _, r := range rt.Routes {
			v = append(v, "route "+str(r.DestinationCidrBlock)+str(r.DestinationPrefixListId)+" -> "+
				str(r.GatewayId)+str(r.NatGatewayId)+str(r.NetworkInterfaceId)+" "+string(r.State))
		}
		sort.Strings(v)
		out[str(rt.RouteTableId)] = v
	}
	return out
}

func aclView(acls []types.NetworkAcl) map[string][]string {
	out := map[string][]string{}
	for _, a := range acls {
		var v []string
		for _, e := range a.Entries {
			s := itoa32(e.RuleNumber) + " egress=" + map[bool]string{true: "y", false: "n"}[aws.ToBool(e.Egress)] + " " +
				string(e.RuleAction) + " " + str(e.Protocol) + " " + str(e.CidrBlock)
			if e.PortRange != nil {
				s += " " + itoa32(e.PortRange.From) + "-" + itoa32(e.PortRange.To)
			}
			v = append(v, s)
		}
		for _, as := range a.Associations {
			v = append(v, "assoc "+str(as.SubnetId))
		}
		sort.Strings(v)
		out[str(a.NetworkAclId)+" default="+map[bool]string{true: "y", false: "n"}[aws.ToBool(a.IsDefault)]] = v
	}
	return out
}

func permView(ps []types.IpPermission) []string {
	var v []string
	for _, p := range ps {
		base := str(p.IpProtocol)
		if p.FromPort != nil {
			base += " " + itoa32(p.FromPort) + "-" + itoa32(p.ToPort)
		}
		for _, r := range p.IpRanges {
			v = append(v, base+" cidr "+str(r.CidrIp))
		}
		for _, g := range p.UserIdGroupPairs {
			v = append(v, base+" group "+str(g.GroupId))
		}
		for _, pl := range p.PrefixListIds {
			v = append(v, base+" pl "+str(pl.PrefixListId))
		}
	}
	sort.Strings(v)
	return v
}

func sgView(gs []types.SecurityGroup) map[string][]string {
	out := map[string][]string{}
	for _, g := range gs {
		v := []string{"name " + str(g.GroupName), "desc " + str(g.Description), "vpc " + str(g.VpcId)}
		for _, p := range permView(g.IpPermissions) {
			v = append(v, "in "+p)
		}
		for _, p := range permView(g.IpPermissionsEgress) {
			v = append(v, "out "+p)
		}
		out[str(g.GroupId)] = v
	}
	return out
}

func endpointView(es []types.VpcEndpoint) map[string][]string {
	out := map[string][]string{}
	for _, e := range es {
		v := []string{string(e.VpcEndpointType), str(e.ServiceName), str(e.VpcId), string(e.State),
			"privateDns " + map[bool]string{true: "y", false: "n"}[aws.ToBool(e.PrivateDnsEnabled)],
			"subnets " + strings.Join(e.SubnetIds, ","), "routeTables " + strings.Join(e.RouteTableIds, ","),
			"enis " + strings.Join(e.NetworkInterfaceIds, ","), "policy " + compactJSON(str(e.PolicyDocument))}
		for _, g := range e.Groups {
			v = append(v, "group "+str(g.GroupId)+" "+str(g.GroupName))
		}
		out[str(e.VpcEndpointId)] = v
	}
	return out
}

func TestMotoEC2(t *testing.T) {
	mc := motoClients(t, motoEC2Region).ec2
	w := buildMotoNetwork(t, mc)
	fc := clientsFor(startServer(t, w.scenario()), "AKIDANY").ec2
	ctx := ctxT(t)
	byVPC := []types.Filter{ec2Filter("vpc-id", w.vpc)}
	mustT = t
	both := func(call func(c *ec2.Client) any) (any, any) { return call(mc), call(fc) }

	m, f := both(func(c *ec2.Client) any {
		v := must(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{w.vpc}})).Vpcs[0]
		var attrs []string
		for _, a := range []types.VpcAttributeName{types.VpcAttributeNameEnableDnsSupport, types.VpcAttributeNameEnableDnsHostnames} {
			o := must(c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: &w.vpc, Attribute: a}))
			if o.EnableDnsSupport != nil {
				attrs = append(attrs, "dnsSupport="+bstr(aws.ToBool(o.EnableDnsSupport.Value)))
			}
			if o.EnableDnsHostnames != nil {
				attrs = append(attrs, "dnsHostnames="+bstr(aws.ToBool(o.EnableDnsHostnames.Value)))
			}
		}
		return []string{str(v.CidrBlock), string(v.State), bstr(aws.ToBool(v.IsDefault)), str(v.OwnerId), strings.Join(attrs, " ")}
	})
	same(t, "DescribeVpcs+DescribeVpcAttribute", m, f)

	m, f = both(func(c *ec2.Client) any {
		out := map[string]string{}
		for _, s := range must(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: byVPC})).Subnets {
			out[str(s.SubnetId)] = strings.Join([]string{str(s.VpcId), str(s.CidrBlock), str(s.AvailabilityZone),
				bstr(aws.ToBool(s.MapPublicIpOnLaunch)), string(s.State), itoa32(s.AvailableIpAddressCount)}, " ")
		}
		return out
	})
	same(t, "DescribeSubnets", m, f)

	m, f = both(func(c *ec2.Client) any {
		return routeView(must(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: byVPC})).RouteTables)
	})
	same(t, "DescribeRouteTables", m, f)

	m, f = both(func(c *ec2.Client) any {
		return aclView(must(c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: byVPC})).NetworkAcls)
	})
	// moto omits the final "*" rule (32767, deny all) of a NACL made with
	// CreateNetworkAcl. AWS lists it for every NACL, and NACL evaluation
	// (NetworkACLEgressDenied) ends on it, so AWS wins.
	custom := w.aclPriv + " default=n"
	mv := m.(map[string][]string)
	mv[custom] = append(mv[custom], "32767 egress=n deny -1 0.0.0.0/0", "32767 egress=y deny -1 0.0.0.0/0")
	sort.Strings(mv[custom])
	same(t, "DescribeNetworkAcls", m, f)

	m, f = both(func(c *ec2.Client) any {
		return sgView(must(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: byVPC})).SecurityGroups)
	})
	// moto's default group has no inbound rule; AWS's admits all traffic
	// from the group itself (documented default security group rules).
	sv := m.(map[string][]string)
	sv[w.sgDefault] = append(sv[w.sgDefault][:3], append([]string{"in -1 group " + w.sgDefault}, sv[w.sgDefault][3:]...)...)
	same(t, "DescribeSecurityGroups", m, f)

	// DnsEntries are left out: moto names them "<id>-<hash>.<service name>",
	// where AWS (and the fake) use "<id>-<hash>.<svc>.<region>.vpce.amazonaws.com"
	// plus the service's public name when private DNS is on, which is what
	// diagnosis matches resolved names against.
	m, f = both(func(c *ec2.Client) any {
		return endpointView(must(c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: byVPC})).VpcEndpoints)
	})
	// moto reports private DNS enabled on the S3 gateway endpoint; gateway
	// endpoints have no private DNS in AWS (PrivateDnsEnabled false).
	ev := m.(map[string][]string)
	ev[w.vpceS3][4] = "privateDns n"
	same(t, "DescribeVpcEndpoints", m, f)

	m, f = both(func(c *ec2.Client) any {
		n := must(c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
			Filters: []types.Filter{ec2Filter("addresses.private-ip-address", w.eniSNSIP)}})).NetworkInterfaces
		var v []string
		for _, i := range n {
			var groups []string
			for _, g := range i.Groups {
				groups = append(groups, str(g.GroupId))
			}
			v = append(v, str(i.NetworkInterfaceId), str(i.SubnetId), str(i.VpcId), str(i.PrivateIpAddress), strings.Join(groups, ","))
		}
		return v
	})
	// moto gives an interface endpoint's ENI the VPC's default group; AWS
	// gives it the endpoint's groups, which is what makes
	// InterfaceEndpointSecurityGroupDenied diagnosable from the ENI.
	nv := m.([]string)
	nv[len(nv)-1] = w.sgVpce
	same(t, "DescribeNetworkInterfaces (endpoint ENI by address)", m, f)

	m, f = both(func(c *ec2.Client) any {
		var v []string
		for _, n := range must(c.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{w.nat}})).NatGateways {
			v = append(v, str(n.SubnetId), str(n.VpcId), string(n.State), str(n.NatGatewayAddresses[0].PublicIp))
		}
		for _, g := range must(c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{ec2Filter("attachment.vpc-id", w.vpc)}})).InternetGateways {
			v = append(v, str(g.InternetGatewayId), str(g.Attachments[0].VpcId), string(g.Attachments[0].State))
		}
		for _, p := range must(c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{PrefixListIds: []string{w.plS3}})).PrefixLists {
			v = append(v, str(p.PrefixListId), str(p.PrefixListName))
		}
		return v
	})
	same(t, "DescribeNatGateways+DescribeInternetGateways+DescribePrefixLists", m, f)

	// Errors: the same code for an unknown ID.
	for _, call := range []func(c *ec2.Client) error{
		func(c *ec2.Client) error {
			_, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0000000000000000f"}})
			return err
		},
		func(c *ec2.Client) error {
			_, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0000000000000000f"}})
			return err
		},
		func(c *ec2.Client) error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0000000000000000f"}})
			return err
		},
	} {
		same(t, "error code", errorCode(call(mc)), errorCode(call(fc)))
	}
}
