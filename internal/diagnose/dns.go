package diagnose

import (
	"context"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// diagnoseDNS explains a name that resolved to public addresses where the
// check expected the VPC's (an interface endpoint), or did not resolve.
func (d *Diagnoser) diagnoseDNS(ctx context.Context, c *awsclient.Clients, n Network, f DNSFailure) ([]v1alpha1.Finding, error) {
	st, err := d.vpc(ctx, c, n)
	if err != nil {
		return nil, err
	}
	p := &pathEval{ctx: ctx, r: &reader{ec2: c.EC2}, n: n, st: st, out: newCollector()}
	svc, _ := ServiceFromHost(f.Name)
	addrs := parseAddrs(f.Addresses, d.maxAddrs)
	if len(addrs) == 0 {
		p.unresolved(f.Name, svc)
		return p.out.result(), nil
	}
	if !f.ExpectPrivate || svc == "" || anyPrivate(st, addrs) {
		return nil, nil
	}
	if gatewayService(svc) && len(p.endpointsFor(svc, ec2types.VpcEndpointTypeInterface)) == 0 {
		// A gateway endpoint keeps S3 and DynamoDB names public by design.
		for _, subnet := range n.evalSubnets() {
			if assoc, _ := p.associatedGateway(subnet, svc); assoc != nil {
				return nil, nil
			}
		}
	}
	eps := p.endpointsFor(svc, ec2types.VpcEndpointTypeInterface)
	if len(eps) == 0 {
		name := endpointServiceName(n.Region, svc)
		p.out.add(svc, v1alpha1.FindingMissingVPCEndpoint, st.id,
			"The name %s resolves to public addresses (%s) because VPC %s has no interface endpoint for %s. Create one in the task's subnets with private DNS enabled: aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id %s --service-name %s --private-dns-enabled --subnet-ids ... --security-group-ids ....",
			f.Name, joinList(f.Addresses), st.id, name, st.id, name)
		return p.out.result(), nil
	}
	if !p.privateDNSWorks(eps[0]) {
		p.explainPrivateDNS(eps[0], f.Name)
		return p.out.result(), nil
	}
	// Private DNS is on everywhere and still the name is public: a private
	// hosted zone or a custom resolver in the VPC answers first.
	p.out.add("", v1alpha1.FindingInterfaceEndpointPrivateDNSDisabled, aws.ToString(eps[0].VpcEndpointId),
		"The name %s resolves to public addresses (%s) although interface endpoint %s has private DNS enabled and VPC %s has DNS support and hostnames on: a private hosted zone for the name or a custom DNS server (DHCP options) answers first. Remove the conflicting zone, or forward the name to the VPC resolver.",
		f.Name, joinList(f.Addresses), aws.ToString(eps[0].VpcEndpointId), st.id)
	return p.out.result(), nil
}

func anyPrivate(st *vpcState, addrs []netip.Addr) bool {
	for _, a := range addrs {
		if _, ok := st.endpointENIs[a]; ok || st.contains(a) || a.IsPrivate() {
			return true
		}
	}
	return false
}
