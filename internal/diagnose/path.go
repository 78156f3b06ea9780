package diagnose

import (
	"context"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
)

// pathEval evaluates network paths from the task in one VPC snapshot.
type pathEval struct {
	ctx context.Context
	r   *reader
	n   Network
	st  *vpcState
	out *collector
}

// dest is where a packet goes, as the evaluation learns it.
type dest struct {
	// prefix is the address as a /32 (or /128), or 0.0.0.0/0 for "any
	// public endpoint of the service" when the addresses are not known.
	prefix  netip.Prefix
	port    int32
	service string // AWS service of the address, "" for others
	label   string // how messages name it: "10.0.1.169 (sns.ap-northeast-1.amazonaws.com)"
	// Filled by locate for addresses inside the VPC.
	inVPC    bool
	eni      *ec2types.NetworkInterface
	endpoint *ec2types.VpcEndpoint
	groups   []string
	subnet   string
}

// source is the task as the rules see it: its address when known, else
// the subnet's CIDR.
func (p *pathEval) source(subnet string) peer {
	if a, err := netip.ParseAddr(p.n.TaskAddress); err == nil && (p.n.TaskSubnet == "" || p.n.TaskSubnet == subnet) {
		return addrPeer(a, p.n.SecurityGroups, "")
	}
	pr, ok := p.st.subnetPrefix(subnet)
	if !ok {
		pr = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	}
	return peer{prefix: pr, groups: p.n.SecurityGroups}
}

// locate finds what holds an address inside the VPC.
func (p *pathEval) locate(d *dest) error {
	if !d.prefix.IsSingleIP() {
		return nil
	}
	addr := d.prefix.Addr()
	_, isEndpoint := p.st.endpointENIs[addr]
	if !isEndpoint && !p.st.contains(addr) {
		return nil
	}
	d.inVPC = true
	eni, ep, err := p.st.eniAt(p.ctx, p.r, addr)
	if err != nil {
		return err
	}
	d.eni, d.endpoint = eni, ep
	if eni != nil {
		d.groups = groupIDs(eni.Groups)
		d.subnet = aws.ToString(eni.SubnetId)
	}
	if ep != nil && len(ep.Groups) > 0 {
		d.groups = endpointGroupIDs(ep) // the endpoint's groups are its ENIs' groups
	}
	if d.subnet == "" {
		d.subnet = p.st.subnetOf(addr)
	}
	return nil
}

// check evaluates every hop of the path from subnet to d, in the order a
// packet meets them.
func (p *pathEval) check(subnet string, d dest) error {
	if err := p.locate(&d); err != nil {
		return err
	}
	src := p.source(subnet)
	p.checkEgress(d)
	if !d.inVPC && d.prefix.IsSingleIP() {
		p.checkRoute(subnet, d)
	}
	if d.subnet != subnet {
		p.checkSourceNACL(subnet, d)
	}
	if d.inVPC && d.subnet != "" && d.subnet != subnet {
		p.checkDestNACL(d, src)
	}
	if d.inVPC && (d.eni != nil || d.endpoint != nil) {
		p.checkDestGroups(subnet, d, src)
	}
	return nil
}

func (p *pathEval) checkEgress(d dest) {
	to := peer{prefix: d.prefix, groups: d.groups, service: d.service}
	sgs := p.n.SecurityGroups
	if len(sgs) == 0 || groupsAdmit(p.st, p.n.Region, sgs, true, d.port, to) {
		return
	}
	fix := "0.0.0.0/0"
	if d.prefix.IsSingleIP() {
		fix += " (or " + d.prefix.String() + ")"
	}
	if pl := p.prefixListOf(d.service); pl != "" {
		fix += " or to prefix list " + pl
	}
	switch {
	case d.endpoint != nil && len(d.groups) > 0:
		fix = "security group " + d.groups[0] + " of endpoint " + aws.ToString(d.endpoint.VpcEndpointId) + " (or the VPC CIDR " + p.st.cidrList() + ")"
	case d.inVPC && len(d.groups) > 0:
		fix = "security group " + d.groups[0] + " (or " + d.prefix.String() + ")"
	case d.inVPC:
		fix = d.prefix.String()
	}
	p.out.add("", v1alpha1.FindingSecurityGroupEgressDenied, sgs[0],
		"None of the task's security groups (%s) allows outbound TCP %d to %s. Add an outbound rule for TCP %d to %s on %s.",
		joinList(sgs), d.port, d.label, d.port, fix, sgs[0])
}

func (p *pathEval) checkRoute(subnet string, d dest) {
	rt, explicit := routeTableOf(p.st, subnet)
	if rt == nil {
		return
	}
	rtID := aws.ToString(rt.RouteTableId)
	if gatewayService(d.service) {
		if assoc, _ := p.associatedGateway(subnet, d.service); assoc != nil {
			return // associating a gateway endpoint adds its prefix-list route
		}
	}
	hit := lookupRoute(p.st, rt, d.prefix.Addr(), d.service, p.n.Region)
	switch {
	case hit == nil:
		p.out.add("", v1alpha1.FindingNoRouteToDestination, rtID,
			"Route table %s of %s has no route covering %s, so packets to it are dropped. %s",
			rtName(rt, explicit), subnet, d.label, p.routeFix(d, rtID))
	case hit.blackhole != "":
		p.out.add("", v1alpha1.FindingRouteBlackhole, rtID,
			"Route %s in route table %s of %s is a blackhole: %s. Point it at a working target, e.g. aws ec2 replace-route --route-table-id %s --destination-cidr-block %s --nat-gateway-id <an available NAT gateway>.",
			hit.dest, rtID, subnet, hit.blackhole, rtID, hit.dest)
	case hit.kind == routeIGW && !p.n.AssignPublicIP:
		p.publicIPRequired(subnet, rtID, hit.target, d.label)
	case hit.kind == routeNAT:
		p.checkNATUpstream(hit.target, d.label)
	}
}

func (p *pathEval) routeFix(d dest, rtID string) string {
	fix := "Add a route for 0.0.0.0/0 (or " + d.prefix.String() + ") to " + rtID + " targeting a NAT gateway, or an internet gateway when the task has a public IP"
	if d.service != "" {
		if gatewayService(d.service) {
			fix += ", or associate a gateway endpoint for " + endpointServiceName(p.n.Region, d.service) + " with " + rtID
		} else {
			fix += ", or create an interface endpoint for " + endpointServiceName(p.n.Region, d.service) + " with private DNS"
		}
	}
	return fix + "."
}

func (p *pathEval) publicIPRequired(subnet, rtID, igw, label string) {
	if !p.n.fargate() {
		p.out.add("", v1alpha1.FindingPublicIPRequired, subnet,
			"Route table %s of %s sends traffic for %s to internet gateway %s, but tasks on EC2 with awsvpc networking never get a public IP. Run the task in a private subnet whose route table has 0.0.0.0/0 to a NAT gateway.",
			rtID, subnet, label, igw)
		return
	}
	p.out.add("", v1alpha1.FindingPublicIPRequired, subnet,
		"Route table %s of %s sends traffic for %s to internet gateway %s, but the task has no public IP, so nothing comes back. Set assignPublicIp: ENABLED in the service's network configuration, or route 0.0.0.0/0 in %s to a NAT gateway.",
		rtID, subnet, label, igw, rtID)
}

// checkNATUpstream: a NAT gateway in a subnet without an internet gateway
// route forwards nothing to the internet.
func (p *pathEval) checkNATUpstream(nat, label string) {
	rt, explicit, natSubnet := natUpstream(p.st, nat)
	if rt == nil {
		return
	}
	igw := "an internet gateway (attach one to " + p.st.id + " first)"
	for _, id := range sortedKeys(p.st.igws) {
		if igwAttached(p.st, id) {
			igw = id
			break
		}
	}
	rtID := aws.ToString(rt.RouteTableId)
	p.out.add("nat", v1alpha1.FindingNoRouteToDestination, rtID,
		"Traffic to %s goes through NAT gateway %s, but the NAT gateway's subnet %s uses route table %s, which has no working 0.0.0.0/0 route to an internet gateway. Add a route 0.0.0.0/0 to %s in %s, or place the NAT gateway in a public subnet.",
		label, nat, natSubnet, rtName(rt, explicit), igw, rtID)
}

func (p *pathEval) checkSourceNACL(subnet string, d dest) {
	acl := naclOf(p.st, subnet)
	if acl == nil {
		return
	}
	id := aws.ToString(acl.NetworkAclId)
	to := peer{prefix: d.prefix, service: d.service}
	if v := evalNACL(acl, true, portRange{d.port, d.port}, to); !v.ok() {
		p.out.add("", v1alpha1.FindingNetworkACLEgressDenied, id,
			"Network ACL %s of %s denies outbound TCP %d to %s by %s. Add an outbound rule allowing TCP %d to %s%s.",
			id, subnet, d.port, d.label, v.ruleText(), d.port, orAnywhere(d.prefix), v.before())
	}
	if v := evalNACL(acl, false, ephemeralPorts, to); !v.ok() {
		p.out.add("", v1alpha1.FindingNetworkACLReturnTrafficDenied, id,
			"Network ACL %s of %s drops the replies from %s: inbound TCP %s (the task's ephemeral ports) is denied by %s. Add an inbound rule allowing TCP 1024-65535 from %s%s.",
			id, subnet, d.label, rangesString(v.denied), v.ruleText(), orAnywhere(d.prefix), v.before())
	}
}

// checkDestNACL: a destination in another subnet of the VPC is behind that
// subnet's ACL, which must let the request in and the reply out.
func (p *pathEval) checkDestNACL(d dest, src peer) {
	acl := naclOf(p.st, d.subnet)
	if acl == nil {
		return
	}
	id := aws.ToString(acl.NetworkAclId)
	if v := evalNACL(acl, false, portRange{d.port, d.port}, src); !v.ok() {
		p.out.add("", v1alpha1.FindingNetworkACLIngressDenied, id,
			"Network ACL %s of %s, which holds %s, denies inbound TCP %d from the task's subnet %s by %s. Add an inbound rule allowing TCP %d from %s%s.",
			id, d.subnet, d.label, d.port, src.prefix, v.ruleText(), d.port, src.prefix, v.before())
	}
	if v := evalNACL(acl, true, ephemeralPorts, src); !v.ok() {
		p.out.add("", v1alpha1.FindingNetworkACLReturnTrafficDenied, id,
			"Network ACL %s of %s, which holds %s, drops the replies to the task: outbound TCP %s to %s is denied by %s. Add an outbound rule allowing TCP 1024-65535 to %s%s.",
			id, d.subnet, d.label, rangesString(v.denied), src.prefix, v.ruleText(), src.prefix, v.before())
	}
}

func (p *pathEval) checkDestGroups(subnet string, d dest, src peer) {
	if len(d.groups) == 0 || len(p.n.SecurityGroups) == 0 || groupsAdmit(p.st, p.n.Region, d.groups, false, d.port, src) {
		return
	}
	sgs := p.n.SecurityGroups
	if len(sgs) == 0 {
		return
	}
	if d.endpoint != nil {
		ep := aws.ToString(d.endpoint.VpcEndpointId)
		p.out.add("", v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, d.groups[0],
			"Interface endpoint %s (%s) uses %s, which allows no inbound TCP %d from the task's security groups (%s) or from the VPC CIDR %s. Add an inbound rule for TCP %d from %s to %s.",
			ep, aws.ToString(d.endpoint.ServiceName), joinList(d.groups), d.port, joinList(sgs), p.st.cidrList(), d.port, sgs[0], d.groups[0])
		return
	}
	p.out.add("", v1alpha1.FindingTargetSecurityGroupInboundDenied, d.groups[0],
		"%s is network interface %s, whose security groups (%s) allow no inbound TCP %d from the task's security groups (%s) or its subnet %s (%s). Add an inbound rule for TCP %d from %s to %s.",
		d.label, aws.ToString(d.eni.NetworkInterfaceId), joinList(d.groups), d.port, joinList(sgs), subnet, src.prefix, d.port, sgs[0], d.groups[0])
}

// orAnywhere names a destination for a rule to allow: the address, or
// anywhere when the address is not known.
func orAnywhere(p netip.Prefix) string {
	if p.Bits() == 0 {
		return p.String()
	}
	return p.String() + " (or 0.0.0.0/0)"
}
