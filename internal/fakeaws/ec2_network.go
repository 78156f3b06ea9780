package fakeaws

import (
	"net"
	"strings"
)

func init() {
	register("ec2", map[string]handler{
		"DescribeVpcs":              ec2DescribeVpcs,
		"DescribeVpcAttribute":      ec2DescribeVpcAttribute,
		"DescribeSubnets":           ec2DescribeSubnets,
		"DescribeRouteTables":       ec2DescribeRouteTables,
		"DescribeNetworkAcls":       ec2DescribeNetworkAcls,
		"DescribeSecurityGroups":    ec2DescribeSecurityGroups,
		"DescribeVpcEndpoints":      ec2DescribeVpcEndpoints,
		"DescribeNetworkInterfaces": ec2DescribeNetworkInterfaces,
		"DescribeNatGateways":       ec2DescribeNatGateways,
		"DescribeInternetGateways":  ec2DescribeInternetGateways,
		"DescribePrefixLists":       ec2DescribePrefixLists,
	})
}

// describe is the common shape of EC2 Describe calls: requested IDs (each
// must exist, else notFound), filters, pagination, and a wrapper element of
// <item>s.
func describe[T any](rq *request, idParam, wrapper string, all []T, id func(T) string, tags func(T) Tags,
	a func(T) attrs, render func(T) X, notFound func(string) *apiError) ([]X, error) {
	ids := rq.list(idParam)
	fs := rq.filters()
	var items []X
	found := map[string]bool{}
	for _, r := range all {
		if len(ids) > 0 && !includes(ids, id(r)) {
			continue
		}
		found[id(r)] = true
		ok, err := matchFilters(fs, tags(r), a(r))
		if err != nil {
			return nil, err
		}
		if ok {
			items = append(items, render(r))
		}
	}
	for _, want := range ids {
		if !found[want] {
			return nil, notFound(want)
		}
	}
	page, next, err := rq.ec2Page(items)
	if err != nil {
		return nil, err
	}
	return []X{List(wrapper, "item", page), Opt("nextToken", next)}, nil
}

func inRegion[T any](all []T, region func(T) string, want string) []T {
	var out []T
	for _, x := range all {
		if region(x) == want {
			out = append(out, x)
		}
	}
	return out
}

func boolOr(p *bool, d bool) bool {
	if p == nil {
		return d
	}
	return *p
}

func ec2DescribeVpcs(s *Server, rq *request) (any, error) {
	acct := rq.acct.ID
	return describe(rq, "VpcId", "vpcSet", inRegion(rq.acct.VPCs, func(v *VPC) string { return v.Region }, rq.region),
		func(v *VPC) string { return v.ID }, func(v *VPC) Tags { return v.Tags },
		func(v *VPC) attrs {
			return func(n string) ([]string, bool) {
				switch n {
				case "vpc-id":
					return []string{v.ID}, true
				case "cidr", "cidr-block-association.cidr-block":
					return []string{v.CIDR}, true
				case "is-default":
					return []string{bstr(v.IsDefault)}, true
				case "state":
					return []string{"available"}, true
				case "owner-id":
					return []string{acct}, true
				}
				return nil, false
			}
		},
		func(v *VPC) X {
			return E("item",
				T("vpcId", v.ID), T("ownerId", acct), T("state", "available"), T("cidrBlock", v.CIDR),
				List("cidrBlockAssociationSet", "item", []X{E("item",
					T("associationId", "vpc-cidr-assoc-"+strings.ToLower(idFrom(v.ID, 17))), T("cidrBlock", v.CIDR),
					E("cidrBlockState", T("state", "associated")))}),
				T("dhcpOptionsId", "dopt-"+strings.ToLower(idFrom(v.Region, 17))),
				T("instanceTenancy", "default"), TB("isDefault", v.IsDefault), tagSet(v.Tags))
		},
		func(id string) *apiError {
			return errf(400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
		})
}

func ec2DescribeVpcAttribute(s *Server, rq *request) (any, error) {
	id, attr := rq.form.Get("VpcId"), rq.form.Get("Attribute")
	v := rq.acct.vpc(rq.region, id)
	if v == nil {
		return nil, errf(400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
	}
	var val bool
	switch attr {
	case "enableDnsSupport":
		val = boolOr(v.EnableDNSSupport, true)
	case "enableDnsHostnames":
		val = boolOr(v.EnableDNSHostnames, true)
	case "enableNetworkAddressUsageMetrics":
		val = false
	default:
		return nil, errf(400, "InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return []X{T("vpcId", v.ID), E(attr, TB("value", val))}, nil
}

func ec2DescribeSubnets(s *Server, rq *request) (any, error) {
	acct := rq.acct.ID
	return describe(rq, "SubnetId", "subnetSet", inRegion(rq.acct.Subnets, func(v *Subnet) string { return v.Region }, rq.region),
		func(v *Subnet) string { return v.ID }, func(v *Subnet) Tags { return v.Tags },
		func(v *Subnet) attrs {
			return func(n string) ([]string, bool) {
				switch n {
				case "subnet-id":
					return []string{v.ID}, true
				case "vpc-id":
					return []string{v.VPC}, true
				case "cidr-block", "cidr", "cidrBlock":
					return []string{v.CIDR}, true
				case "availability-zone", "availabilityZone":
					return []string{v.AvailabilityZone}, true
				case "availability-zone-id":
					return []string{azID(v.AvailabilityZone)}, true
				case "state":
					return []string{"available"}, true
				case "default-for-az", "defaultForAz":
					return []string{"false"}, true
				case "map-public-ip-on-launch":
					return []string{bstr(v.MapPublicIPOnLaunch)}, true
				case "owner-id":
					return []string{acct}, true
				}
				return nil, false
			}
		},
		func(v *Subnet) X {
			return E("item",
				T("subnetId", v.ID), T("subnetArn", "arn:aws:ec2:"+v.Region+":"+acct+":subnet/"+v.ID),
				T("state", "available"), T("ownerId", acct), T("vpcId", v.VPC), T("cidrBlock", v.CIDR),
				TI("availableIpAddressCount", availableIPs(v.CIDR)-rq.acct.interfacesIn(v.Region, v.ID)),
				T("availabilityZone", v.AvailabilityZone), T("availabilityZoneId", azID(v.AvailabilityZone)),
				TB("defaultForAz", false), TB("mapPublicIpOnLaunch", v.MapPublicIPOnLaunch),
				TB("assignIpv6AddressOnCreation", false), List("ipv6CidrBlockAssociationSet", "item", nil),
				tagSet(v.Tags))
		},
		func(id string) *apiError {
			return errf(400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
		})
}

// interfacesIn counts the network interfaces using an address of a
// subnet, which AWS subtracts from its available addresses.
func (a *Account) interfacesIn(region, subnet string) int {
	n := 0
	for _, i := range append(inRegion(a.NetworkInterfaces, func(v *NetworkInterface) string { return v.Region }, region), a.derivedENIs(region)...) {
		if i.Subnet == subnet {
			n++
		}
	}
	return n
}

// availableIPs is a CIDR's size less the five addresses AWS reserves.
func availableIPs(cidr string) int {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return 0
	}
	ones, bits := n.Mask.Size()
	return (1 << (bits - ones)) - 5
}

// routes are a table's routes as AWS lists them: the local route first,
// then the given ones, then the routes of gateway endpoints on this table.
func (a *Account) routes(rt *RouteTable) []*Route {
	var out []*Route
	hasLocal := false
	for _, r := range rt.Routes {
		if r.Target == "local" {
			hasLocal = true
		}
	}
	if !hasLocal {
		if v := a.vpc(rt.Region, rt.VPC); v != nil {
			out = append(out, &Route{Destination: v.CIDR, Target: "local"})
		}
	}
	out = append(out, rt.Routes...)
	for _, e := range a.VPCEndpoints {
		if e.Region != rt.Region || !strings.EqualFold(e.Type, "Gateway") || !includes(e.RouteTables, rt.ID) {
			continue
		}
		dup := false
		for _, r := range rt.Routes {
			dup = dup || r.Target == e.ID
		}
		if !dup {
			out = append(out, &Route{DestinationPrefixList: a.prefixListByName(rt.Region, e.ServiceName).ID, Target: e.ID})
		}
	}
	return out
}

// routeState is "blackhole" when the target no longer exists (a deleted NAT
// gateway, a detached internet gateway), as AWS reports it.
func (a *Account) routeState(rt *RouteTable, r *Route) string {
	if r.State != "" {
		return r.State
	}
	t := r.Target
	switch {
	case strings.HasPrefix(t, "nat-"):
		g := a.natGateway(rt.Region, t)
		if g == nil || g.State == "deleted" || g.State == "deleting" || g.State == "failed" {
			return "blackhole"
		}
	case strings.HasPrefix(t, "igw-"):
		for _, g := range a.InternetGateways {
			if g.ID == t && includes(g.VPCs, rt.VPC) {
				return "active"
			}
		}
		return "blackhole"
	}
	return "active"
}

func renderRoute(a *Account, rt *RouteTable, r *Route) X {
	kids := []X{Opt("destinationCidrBlock", r.Destination), Opt("destinationPrefixListId", r.DestinationPrefixList)}
	switch t := r.Target; {
	case strings.HasPrefix(t, "nat-"):
		kids = append(kids, T("natGatewayId", t))
	case strings.HasPrefix(t, "eni-"):
		kids = append(kids, T("networkInterfaceId", t))
	case strings.HasPrefix(t, "pcx-"):
		kids = append(kids, T("vpcPeeringConnectionId", t))
	case strings.HasPrefix(t, "tgw-"):
		kids = append(kids, T("transitGatewayId", t))
	default: // local, igw-, vgw-, vpce-
		kids = append(kids, T("gatewayId", t))
	}
	origin := "CreateRoute"
	if r.Target == "local" {
		origin = "CreateRouteTable"
	}
	kids = append(kids, T("origin", origin), T("state", a.routeState(rt, r)))
	return E("item", kids...)
}

func ec2DescribeRouteTables(s *Server, rq *request) (any, error) {
	a := rq.acct
	return describe(rq, "RouteTableId", "routeTableSet", inRegion(a.RouteTables, func(v *RouteTable) string { return v.Region }, rq.region),
		func(v *RouteTable) string { return v.ID }, func(v *RouteTable) Tags { return v.Tags },
		func(rt *RouteTable) attrs {
			return func(n string) ([]string, bool) {
				routes := a.routes(rt)
				pick := func(f func(*Route) string) []string {
					var out []string
					for _, r := range routes {
						if v := f(r); v != "" {
							out = append(out, v)
						}
					}
					return out
				}
				switch n {
				case "route-table-id":
					return []string{rt.ID}, true
				case "vpc-id":
					return []string{rt.VPC}, true
				case "association.subnet-id":
					return rt.Subnets, true
				case "association.main":
					return []string{bstr(rt.Main)}, true
				case "association.route-table-association-id":
					var ids []string
					for _, sn := range rt.Subnets {
						ids = append(ids, rtbAssocID(rt.ID, sn))
					}
					if rt.Main {
						ids = append(ids, rtbAssocID(rt.ID, "main"))
					}
					return ids, true
				case "route.destination-cidr-block":
					return pick(func(r *Route) string { return r.Destination }), true
				case "route.destination-prefix-list-id":
					return pick(func(r *Route) string { return r.DestinationPrefixList }), true
				case "route.gateway-id", "route.nat-gateway-id", "route.vpc-peering-connection-id", "route.transit-gateway-id":
					return pick(func(r *Route) string { return r.Target }), true
				case "route.state":
					return pick(func(r *Route) string { return a.routeState(rt, r) }), true
				case "owner-id":
					return []string{a.ID}, true
				}
				return nil, false
			}
		},
		func(rt *RouteTable) X {
			var routes, assocs []X
			for _, r := range a.routes(rt) {
				routes = append(routes, renderRoute(a, rt, r))
			}
			if rt.Main {
				assocs = append(assocs, E("item", TB("main", true), T("routeTableAssociationId", rtbAssocID(rt.ID, "main")),
					T("routeTableId", rt.ID), E("associationState", T("state", "associated"))))
			}
			for _, sn := range rt.Subnets {
				assocs = append(assocs, E("item", TB("main", false), T("routeTableAssociationId", rtbAssocID(rt.ID, sn)),
					T("routeTableId", rt.ID), T("subnetId", sn), E("associationState", T("state", "associated"))))
			}
			return E("item", T("routeTableId", rt.ID), T("vpcId", rt.VPC), T("ownerId", a.ID),
				List("routeSet", "item", routes), List("associationSet", "item", assocs),
				List("propagatingVgwSet", "item", nil), tagSet(rt.Tags))
		},
		func(id string) *apiError {
			return errf(400, "InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", id)
		})
}

func rtbAssocID(rt, subnet string) string {
	return "rtbassoc-" + strings.ToLower(idFrom(rt+subnet, 17))
}
