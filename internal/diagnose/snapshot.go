package diagnose

import (
	"context"
	"net/netip"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// vpcState is one read of a VPC: everything the network path evaluation
// looks at, taken together so that one diagnosis sees one consistent VPC.
type vpcState struct {
	id           string
	cidrs        []netip.Prefix
	dnsSupport   *bool // nil: unknown
	dnsHostnames *bool
	subnets      map[string]ec2types.Subnet
	routeTables  []ec2types.RouteTable
	nacls        []ec2types.NetworkAcl
	groups       map[string]ec2types.SecurityGroup
	endpoints    []ec2types.VpcEndpoint
	// endpointENIs are the network interfaces of the interface endpoints,
	// by private address: how a resolved address is traced to an endpoint.
	endpointENIs map[netip.Addr]endpointENI
	nats         map[string]ec2types.NatGateway
	igws         map[string]ec2types.InternetGateway
	prefixLists  map[string]ec2types.PrefixList

	// Other ENIs are looked up by address only when a failed target is in
	// the VPC, and remembered for the snapshot's lifetime.
	mu   sync.Mutex
	enis map[netip.Addr]*ec2types.NetworkInterface
}

type endpointENI struct {
	eni      ec2types.NetworkInterface
	endpoint *ec2types.VpcEndpoint
}

// contains reports whether addr is inside one of the VPC's CIDR blocks.
func (s *vpcState) contains(addr netip.Addr) bool {
	for _, p := range s.cidrs {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func (s *vpcState) cidrList() string {
	out := make([]string, 0, len(s.cidrs))
	for _, p := range s.cidrs {
		out = append(out, p.String())
	}
	return joinList(out)
}

func (s *vpcState) subnetPrefix(id string) (netip.Prefix, bool) {
	sn, ok := s.subnets[id]
	if !ok {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(aws.ToString(sn.CidrBlock))
	return p, err == nil
}

// subnetOf is the subnet whose CIDR contains addr.
func (s *vpcState) subnetOf(addr netip.Addr) string {
	for id := range s.subnets {
		if p, ok := s.subnetPrefix(id); ok && p.Contains(addr) {
			return id
		}
	}
	return ""
}

// eniAt is the network interface that holds addr in the VPC, nil when none.
func (s *vpcState) eniAt(ctx context.Context, r *reader, addr netip.Addr) (*ec2types.NetworkInterface, *ec2types.VpcEndpoint, error) {
	if e, ok := s.endpointENIs[addr]; ok {
		return &e.eni, e.endpoint, nil
	}
	s.mu.Lock()
	eni, ok := s.enis[addr]
	s.mu.Unlock()
	if ok {
		return eni, nil, nil
	}
	eni, err := r.eniByAddress(ctx, s.id, addr)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.enis[addr] = eni
	s.mu.Unlock()
	return eni, nil, nil
}
