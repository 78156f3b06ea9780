package diagnose

import (
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
)

// endpointsFor are the VPC's endpoints of one type for an AWS service.
func (p *pathEval) endpointsFor(svc string, typ ec2types.VpcEndpointType) []*ec2types.VpcEndpoint {
	name := endpointServiceName(p.n.Region, svc)
	var out []*ec2types.VpcEndpoint
	for i := range p.st.endpoints {
		e := &p.st.endpoints[i]
		if aws.ToString(e.ServiceName) == name && e.VpcEndpointType == typ && !inboundResolverOnly(e) {
			out = append(out, e)
		}
	}
	return out
}

// inboundResolverOnly: an S3 interface endpoint whose private DNS answers
// only Route 53 inbound resolver endpoints
// (dnsOptions.PrivateDnsOnlyForInboundResolverEndpoint). Inside the VPC the
// S3 names resolve public on purpose and traffic takes the S3 gateway
// endpoint (Amazon S3 User Guide, "AWS PrivateLink for Amazon S3"), so the
// endpoint serves no task in it: diagnosis looks past it.
func inboundResolverOnly(e *ec2types.VpcEndpoint) bool {
	return e.VpcEndpointType == ec2types.VpcEndpointTypeInterface && e.DnsOptions != nil &&
		aws.ToBool(e.DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint)
}

// associatedGateway is the gateway endpoint of svc on the subnet's route
// table, and any gateway endpoint of svc when none is.
func (p *pathEval) associatedGateway(subnet, svc string) (assoc, other *ec2types.VpcEndpoint) {
	rt, _ := routeTableOf(p.st, subnet)
	for _, e := range p.endpointsFor(svc, ec2types.VpcEndpointTypeGateway) {
		for _, id := range e.RouteTableIds {
			if rt != nil && id == aws.ToString(rt.RouteTableId) {
				return e, nil
			}
		}
		other = e
	}
	return nil, other
}

func (p *pathEval) prefixListOf(svc string) string {
	if !gatewayService(svc) {
		return ""
	}
	for id, pl := range p.st.prefixLists {
		if aws.ToString(pl.PrefixListName) == endpointServiceName(p.n.Region, svc) {
			return id
		}
	}
	return ""
}

// dnsOff names the VPC DNS attributes that are off, empty when both are on
// or unknown. Private DNS of interface endpoints needs both.
func (p *pathEval) dnsOff() []string {
	var off []string
	if p.st.dnsSupport != nil && !*p.st.dnsSupport {
		off = append(off, "enableDnsSupport")
	}
	if p.st.dnsHostnames != nil && !*p.st.dnsHostnames {
		off = append(off, "enableDnsHostnames")
	}
	return off
}

// privateDNSWorks: the service's public name resolves to the endpoint.
func (p *pathEval) privateDNSWorks(ep *ec2types.VpcEndpoint) bool {
	return aws.ToBool(ep.PrivateDnsEnabled) && len(p.dnsOff()) == 0
}

// explainPrivateDNS says why a service's name does not resolve to its
// interface endpoint; call it when privateDNSWorks is false.
func (p *pathEval) explainPrivateDNS(ep *ec2types.VpcEndpoint, name string) {
	id := aws.ToString(ep.VpcEndpointId)
	if !aws.ToBool(ep.PrivateDnsEnabled) {
		p.out.add("", v1alpha1.FindingInterfaceEndpointPrivateDNSDisabled, id,
			"The name %s resolves to public addresses although interface endpoint %s (%s) exists in %s: the endpoint's private DNS is disabled, so traffic bypasses it. Enable it: aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --private-dns-enabled.",
			name, id, aws.ToString(ep.ServiceName), p.st.id, id)
		return
	}
	p.out.add("", v1alpha1.FindingVPCDNSDisabled, p.st.id,
		"VPC %s has %s set to false, so the private DNS name of interface endpoint %s (%s) does not resolve to it and %s resolves to public addresses. Turn both attributes on: aws ec2 modify-vpc-attribute --vpc-id %s --enable-dns-support; aws ec2 modify-vpc-attribute --vpc-id %s --enable-dns-hostnames.",
		p.st.id, joinList(p.dnsOff()), id, aws.ToString(ep.ServiceName), name, p.st.id, p.st.id)
}

// reachService checks that a task in subnet can open TCP 443 to svc, with
// no address to go by (what a task needs to start, or ECS Exec needs): an
// endpoint and the path to its network interfaces, else a path to the
// service's public endpoints. missing is the code reported when there is
// neither; why says what needs the service.
func (p *pathEval) reachService(subnet, svc string, missing v1alpha1.FindingCode, why string) error {
	name := endpointServiceName(p.n.Region, svc)
	if gatewayService(svc) {
		if assoc, _ := p.associatedGateway(subnet, svc); assoc != nil {
			p.checkEgress(dest{prefix: anyIPv4, port: 443, service: svc, label: "the " + svc + " prefix list of gateway endpoint " + aws.ToString(assoc.VpcEndpointId)})
			p.checkSourceNACL(subnet, dest{prefix: anyIPv4, port: 443, service: svc, label: svc + " (gateway endpoint " + aws.ToString(assoc.VpcEndpointId) + ")"})
			return nil
		}
	}
	in := internetOf(p.st, subnet, p.n.AssignPublicIP)
	if eps := p.endpointsFor(svc, ec2types.VpcEndpointTypeInterface); len(eps) > 0 {
		if p.privateDNSWorks(eps[0]) {
			return p.checkEndpointPaths(subnet, eps[0], svc)
		}
		// The name resolves to public addresses: fine when the internet
		// path carries them, the cause of the failure when not.
		if !in.ok && !in.unknown {
			p.explainPrivateDNS(eps[0], ServiceEndpointHost(svc, p.n.Region))
			return nil
		}
	}
	switch {
	case in.unknown:
		return nil
	case in.ok:
		p.checkEgress(dest{prefix: anyIPv4, port: 443, service: svc, label: "the public endpoints of " + name})
		p.checkSourceNACL(subnet, dest{prefix: anyIPv4, port: 443, service: svc, label: "the public endpoints of " + name})
		return nil
	}
	// One cause, one finding: when the subnet's way out is what is broken
	// (a blackhole, an internet gateway without a public IP), the endpoint
	// this service could use instead is named in that finding.
	if rc := p.explainNoInternet(subnet, in, "the public endpoints of "+name); rc.code != "" {
		kind := "interface endpoint with private DNS"
		if gatewayService(svc) {
			kind = "gateway endpoint"
		}
		p.out.alsoEndpoint(rc, name+" ("+kind+")")
		return nil
	}
	p.missingEndpoint(subnet, svc, in, missing, why)
	return nil
}

var anyIPv4 = netip.MustParsePrefix("0.0.0.0/0")

// checkEndpointPaths evaluates the path to every network interface of an
// interface endpoint: DNS hands out all of them.
func (p *pathEval) checkEndpointPaths(subnet string, ep *ec2types.VpcEndpoint, svc string) error {
	label := "interface endpoint " + aws.ToString(ep.VpcEndpointId) + " (" + aws.ToString(ep.ServiceName) + ")"
	for _, a := range sortedAddrs(p.st.endpointENIs) {
		if p.st.endpointENIs[a].endpoint != ep {
			continue
		}
		if err := p.check(subnet, dest{prefix: hostPrefix(a), port: 443, service: svc, label: a.String() + " of " + label}); err != nil {
			return err
		}
	}
	return nil
}

func sortedAddrs(m map[netip.Addr]endpointENI) []netip.Addr {
	out := make([]netip.Addr, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Less(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// explainNoInternet reports why the default route does not reach the
// internet, when a route (rather than its absence) is the reason.
// It returns the finding it added as the root cause, if one.
func (p *pathEval) explainNoInternet(subnet string, in internet, label string) rootCause {
	if in.def == nil {
		return rootCause{}
	}
	rtID := aws.ToString(in.rt.RouteTableId)
	switch {
	case in.def.blackhole != "":
		p.out.add("", v1alpha1.FindingRouteBlackhole, rtID,
			"Route %s in route table %s of %s is a blackhole: %s. Point it at a working target, e.g. aws ec2 replace-route --route-table-id %s --destination-cidr-block %s --nat-gateway-id <an available NAT gateway>.",
			in.def.dest, rtID, subnet, in.def.blackhole, rtID, in.def.dest)
		return rootCause{v1alpha1.FindingRouteBlackhole, rtID}
	case in.def.kind == routeIGW && !p.n.AssignPublicIP:
		p.publicIPRequired(subnet, rtID, in.def.target, label)
		return rootCause{v1alpha1.FindingPublicIPRequired, subnet}
	case in.def.kind == routeNAT:
		p.checkNATUpstream(in.def.target, label)
	}
	return rootCause{}
}

// missingEndpoint reports a service the task cannot reach at all. who
// says what needs it ("Target sns-https (sns...)", "Starting task 0123").
func (p *pathEval) missingEndpoint(subnet, svc string, in internet, code v1alpha1.FindingCode, who string) {
	name := endpointServiceName(p.n.Region, svc)
	rtID := aws.ToString(in.rt.RouteTableId)
	noNet := "route table " + rtName(in.rt, in.explicit) + " of " + subnet + " has no 0.0.0.0/0 route to a NAT gateway"
	which := "which has no 0.0.0.0/0 route to a NAT gateway either"
	if in.def != nil {
		noNet = "the 0.0.0.0/0 route in route table " + rtName(in.rt, in.explicit) + " of " + subnet + " does not reach the internet"
		which = "whose 0.0.0.0/0 route does not reach the internet either"
	}
	if gatewayService(svc) {
		if _, other := p.associatedGateway(subnet, svc); other != nil {
			id := aws.ToString(other.VpcEndpointId)
			p.out.add("", v1alpha1.FindingGatewayEndpointNotAssociated, id,
				"%s needs %s, but gateway endpoint %s (%s) is not associated with route table %s of %s, %s. Associate it: aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --add-route-table-ids %s.",
				who, name, id, name, rtID, subnet, which, id, rtID)
			return
		}
		p.out.add(svc, code, p.st.id,
			"%s needs %s, but %s, and VPC %s has no gateway endpoint for it. Create a gateway endpoint for %s associated with route table %s, or add a 0.0.0.0/0 route to a NAT gateway.",
			who, name, noNet, p.st.id, name, rtID)
		return
	}
	p.out.add(svc, code, p.st.id,
		"%s needs %s, but %s, and VPC %s has no interface endpoint for it. Create an interface endpoint for %s in the task's subnets with private DNS enabled (and a security group allowing TCP 443 from the task), or add a 0.0.0.0/0 route to a NAT gateway.",
		who, name, noNet, p.st.id, name)
}
