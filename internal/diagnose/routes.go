package diagnose

import (
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// routeTableOf is the route table a subnet uses: its explicit association,
// else the VPC's main route table.
func routeTableOf(st *vpcState, subnet string) (rt *ec2types.RouteTable, explicit bool) {
	var main *ec2types.RouteTable
	for i := range st.routeTables {
		t := &st.routeTables[i]
		for _, a := range t.Associations {
			if aws.ToString(a.SubnetId) == subnet {
				return t, true
			}
			if aws.ToBool(a.Main) {
				main = t
			}
		}
	}
	return main, false
}

// rtName names a route table in messages: "rtb-1 (the main route table)".
func rtName(rt *ec2types.RouteTable, explicit bool) string {
	id := aws.ToString(rt.RouteTableId)
	if !explicit {
		return id + " (the VPC's main route table, as the subnet has no explicit association)"
	}
	return id
}

type routeKind int

const (
	routeOther routeKind = iota // TGW, peering, VGW, appliance: the path leaves what we can see
	routeLocal
	routeIGW
	routeNAT
	routeGatewayEndpoint
)

// routeHit is the route a packet takes.
type routeHit struct {
	route  *ec2types.Route
	kind   routeKind
	target string // igw-..., nat-..., vpce-..., pcx-...
	dest   string // the route's destination as the console shows it
	// blackhole says why the route drops packets, empty when it does not.
	blackhole string
}

// lookupRoute is the longest-prefix match of addr in rt, nil when no route
// covers it. A prefix-list route (gateway endpoint) matches by the list's
// CIDRs, or by the AWS service it names when EC2 does not list the CIDRs;
// it then ranks above a default route, as the service's ranges would.
func lookupRoute(st *vpcState, rt *ec2types.RouteTable, addr netip.Addr, service, region string) *routeHit {
	var best *ec2types.Route
	bestBits := -1
	for i := range rt.Routes {
		r := &rt.Routes[i]
		bits := routeBits(st, r, addr, service, region)
		if bits > bestBits {
			best, bestBits = r, bits
		}
	}
	if best == nil {
		return nil
	}
	return classifyRoute(st, best)
}

func routeBits(st *vpcState, r *ec2types.Route, addr netip.Addr, service, region string) int {
	for _, s := range []*string{r.DestinationCidrBlock, r.DestinationIpv6CidrBlock} {
		if p, ok := parsePrefix(s); ok && p.Contains(addr) {
			return p.Bits()
		}
	}
	id := aws.ToString(r.DestinationPrefixListId)
	if id == "" {
		return -1
	}
	pl, ok := st.prefixLists[id]
	if !ok {
		return -1
	}
	if len(pl.Cidrs) > 0 {
		best := -1
		for _, c := range pl.Cidrs {
			if p, ok := parsePrefix(&c); ok && p.Contains(addr) && p.Bits() > best {
				best = p.Bits()
			}
		}
		return best
	}
	if service != "" && aws.ToString(pl.PrefixListName) == endpointServiceName(region, service) {
		return 8
	}
	return -1
}

func classifyRoute(st *vpcState, r *ec2types.Route) *routeHit {
	h := &routeHit{route: r, dest: routeDest(r)}
	gw := aws.ToString(r.GatewayId)
	switch {
	case gw == "local":
		h.kind, h.target = routeLocal, "local"
	case strings.HasPrefix(gw, "igw-"):
		h.kind, h.target = routeIGW, gw
		if !igwAttached(st, gw) {
			h.blackhole = "internet gateway " + gw + " is no longer attached to " + st.id
		}
	case strings.HasPrefix(gw, "vpce-"):
		h.kind, h.target = routeGatewayEndpoint, gw
		if !endpointExists(st, gw) {
			h.blackhole = "gateway endpoint " + gw + " no longer exists"
		}
	case aws.ToString(r.NatGatewayId) != "":
		h.kind, h.target = routeNAT, aws.ToString(r.NatGatewayId)
		n, ok := st.nats[h.target]
		switch {
		case !ok:
			h.blackhole = "NAT gateway " + h.target + " no longer exists"
		case n.State == ec2types.NatGatewayStateDeleted || n.State == ec2types.NatGatewayStateDeleting:
			h.blackhole = "NAT gateway " + h.target + " is " + string(n.State)
		case n.State == ec2types.NatGatewayStateFailed:
			h.blackhole = "NAT gateway " + h.target + " failed (" + aws.ToString(n.FailureMessage) + ")"
		}
	default:
		h.target = firstNonEmpty(aws.ToString(r.TransitGatewayId), aws.ToString(r.VpcPeeringConnectionId),
			gw, aws.ToString(r.NetworkInterfaceId), aws.ToString(r.InstanceId), aws.ToString(r.LocalGatewayId),
			aws.ToString(r.CarrierGatewayId), aws.ToString(r.CoreNetworkArn), aws.ToString(r.EgressOnlyInternetGatewayId))
	}
	if r.State == ec2types.RouteStateBlackhole && h.blackhole == "" {
		h.blackhole = "its target " + h.target + " no longer exists"
	}
	return h
}

func routeDest(r *ec2types.Route) string {
	return firstNonEmpty(aws.ToString(r.DestinationCidrBlock), aws.ToString(r.DestinationIpv6CidrBlock), aws.ToString(r.DestinationPrefixListId))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func igwAttached(st *vpcState, id string) bool {
	g, ok := st.igws[id]
	if !ok {
		return false
	}
	for _, a := range g.Attachments {
		if aws.ToString(a.VpcId) == st.id && (a.State == ec2types.AttachmentStatusAttached || a.State == "available") {
			return true
		}
	}
	return false
}

// defaultRoute is the route public addresses take: the 0.0.0.0/0 route.
func defaultRoute(st *vpcState, rt *ec2types.RouteTable) *routeHit {
	for i := range rt.Routes {
		if aws.ToString(rt.Routes[i].DestinationCidrBlock) == "0.0.0.0/0" {
			return classifyRoute(st, &rt.Routes[i])
		}
	}
	return nil
}

// natUpstream checks that a NAT gateway can reach the internet: it sits in
// a subnet whose own default route goes to an attached internet gateway.
// It returns that subnet's route table when it cannot; nil otherwise, and
// for private NAT gateways, whose upstream diagnosis cannot see.
func natUpstream(st *vpcState, natID string) (rt *ec2types.RouteTable, explicit bool, subnet string) {
	n, ok := st.nats[natID]
	if !ok || n.ConnectivityType == ec2types.ConnectivityTypePrivate {
		return nil, false, ""
	}
	subnet = aws.ToString(n.SubnetId)
	rt, explicit = routeTableOf(st, subnet)
	if rt == nil {
		return nil, false, ""
	}
	if d := defaultRoute(st, rt); d != nil && (d.kind == routeIGW && d.blackhole == "" || d.kind == routeOther) {
		return nil, false, ""
	}
	return rt, explicit, subnet
}

// internet describes how a subnet reaches public AWS endpoints.
type internet struct {
	rt       *ec2types.RouteTable
	explicit bool
	def      *routeHit // nil: no default route
	// ok: public endpoints are reachable; unknown: the default route leaves
	// through something diagnosis cannot see (TGW, peering, appliance).
	ok, unknown bool
}

func internetOf(st *vpcState, subnet string, publicIP bool) internet {
	rt, explicit := routeTableOf(st, subnet)
	in := internet{rt: rt, explicit: explicit}
	if rt == nil {
		in.unknown = true
		return in
	}
	in.def = defaultRoute(st, rt)
	switch {
	case in.def == nil || in.def.blackhole != "":
	case in.def.kind == routeNAT:
		up, _, _ := natUpstream(st, in.def.target)
		in.ok = up == nil
	case in.def.kind == routeIGW:
		in.ok = publicIP
	case in.def.kind == routeOther:
		in.unknown = true
	}
	return in
}

func endpointExists(st *vpcState, id string) bool {
	for i := range st.endpoints {
		if aws.ToString(st.endpoints[i].VpcEndpointId) == id {
			return true
		}
	}
	return false
}
