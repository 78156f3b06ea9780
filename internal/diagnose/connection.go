package diagnose

import (
	"context"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// diagnoseConnection explains a TCP connection that failed: every hop from
// each of the task's subnets to each resolved address, then what the
// service's endpoints add (private DNS, missing or unassociated endpoints).
func (d *Diagnoser) diagnoseConnection(ctx context.Context, c *awsclient.Clients, n Network, f ConnectionFailure) ([]v1alpha1.Finding, error) {
	if f.Kind == ConnRefused {
		// Something answered with a reset: security groups and ACLs drop
		// packets, they never refuse them. Nothing in the VPC explains it.
		return nil, nil
	}
	st, err := d.vpc(ctx, c, n)
	if err != nil {
		return nil, err
	}
	svc := f.Service
	if svc == "" {
		svc, _ = ServiceFromHost(f.Host)
	}
	p := &pathEval{ctx: ctx, r: &reader{ec2: c.EC2}, n: n, st: st, out: newCollector()}
	if f.Kind == ConnUnresolved {
		p.unresolved(f.Host, svc)
		return p.out.result(), nil
	}
	addrs := parseAddrs(f.Addresses, d.maxAddrs)
	if len(addrs) == 0 {
		if a, err := netip.ParseAddr(f.Host); err == nil {
			addrs = []netip.Addr{a}
		}
	}
	for _, subnet := range n.evalSubnets() {
		if len(addrs) == 0 && svc != "" {
			// An AWS API call that timed out (the CLI prints no address),
			// or a name the probe did not report addresses for: the path
			// the task would take to the service's endpoint explains it as
			// well as an address would (DESIGN 2).
			if err := p.reachService(subnet, svc, v1alpha1.FindingMissingVPCEndpoint, targetName(f)); err != nil {
				return nil, err
			}
			continue
		}
		for _, a := range addrs {
			label := a.String()
			if f.Host != "" && f.Host != label {
				label += " (" + f.Host + ")"
			}
			if err := p.check(subnet, dest{prefix: hostPrefix(a), port: f.Port, service: svc, label: label}); err != nil {
				return nil, err
			}
		}
		if svc != "" {
			p.serviceEndpoints(subnet, svc, f.Host, targetName(f), addrs)
			// No route out and no endpoint are one cause: the endpoint
			// finding names both fixes (an endpoint, or a NAT gateway), so
			// the route table's "no route" is not repeated beside it.
			if p.out.has(v1alpha1.FindingMissingVPCEndpoint, p.st.id) || p.out.has(v1alpha1.FindingGatewayEndpointNotAssociated, "") {
				if rt, _ := routeTableOf(p.st, subnet); rt != nil {
					p.out.drop(v1alpha1.FindingNoRouteToDestination, aws.ToString(rt.RouteTableId))
				}
			}
		}
	}
	return p.out.result(), nil
}

// serviceEndpoints adds what the endpoints of an AWS service explain about
// a failed connection to it.
func (p *pathEval) serviceEndpoints(subnet, svc, host, who string, addrs []netip.Addr) {
	public := len(addrs) > 0
	for _, a := range addrs {
		if _, ok := p.st.endpointENIs[a]; ok || p.st.contains(a) {
			public = false
		}
	}
	if !public {
		return
	}
	eps := p.endpointsFor(svc, "Interface")
	if len(eps) > 0 && !p.privateDNSWorks(eps[0]) {
		p.explainPrivateDNS(eps[0], host)
	}
	in := internetOf(p.st, subnet, p.n.AssignPublicIP)
	if in.ok || in.unknown {
		return
	}
	if gatewayService(svc) {
		if assoc, _ := p.associatedGateway(subnet, svc); assoc != nil {
			return
		}
	}
	if len(eps) == 0 || gatewayService(svc) {
		p.missingEndpoint(subnet, svc, in, v1alpha1.FindingMissingVPCEndpoint, who)
	}
}

// unresolved explains a name that did not resolve. Only the VPC's DNS
// attributes can make AWS names fail to resolve; other names are for
// whoever owns their zone.
func (p *pathEval) unresolved(host, svc string) {
	if p.st.dnsSupport == nil || *p.st.dnsSupport {
		return
	}
	p.out.add("", v1alpha1.FindingVPCDNSDisabled, p.st.id,
		"VPC %s has enableDnsSupport set to false, so the Amazon DNS server does not answer tasks in it and %s does not resolve. Turn it on: aws ec2 modify-vpc-attribute --vpc-id %s --enable-dns-support.",
		p.st.id, host, p.st.id)
}

// targetName names a target in messages: "Target sns-https (sns.ap-northeast-1.amazonaws.com)".
func targetName(f ConnectionFailure) string {
	switch {
	case f.Target != "" && f.Host != "":
		return "Target " + f.Target + " (" + f.Host + ")"
	case f.Target != "":
		return "Target " + f.Target
	}
	return "Target " + f.Host
}
