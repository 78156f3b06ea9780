package fakeaws

import (
	"strings"
	"time"
)

// defaultEndpointPolicy is the full-access policy AWS gives an endpoint
// created without one.
const defaultEndpointPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// endpointCreated is the creation time shown for scenario endpoints.
var endpointCreated = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func (a *Account) groupName(region, id string) string {
	if g := a.securityGroup(region, id); g != nil {
		return g.Name
	}
	return id
}

func ec2DescribeVpcEndpoints(s *Server, rq *request) (any, error) {
	a := rq.acct
	return describe(rq, "VpcEndpointId", "vpcEndpointSet", inRegion(a.VPCEndpoints, func(v *VPCEndpoint) string { return v.Region }, rq.region),
		func(v *VPCEndpoint) string { return v.ID }, func(v *VPCEndpoint) Tags { return v.Tags },
		func(e *VPCEndpoint) attrs {
			return func(n string) ([]string, bool) {
				switch n {
				case "vpc-endpoint-id":
					return []string{e.ID}, true
				case "vpc-id":
					return []string{e.VPC}, true
				case "service-name":
					return []string{e.ServiceName}, true
				case "vpc-endpoint-type":
					return []string{e.Type}, true
				case "vpc-endpoint-state":
					return []string{e.State}, true
				}
				return nil, false
			}
		},
		func(e *VPCEndpoint) X {
			iface := strings.EqualFold(e.Type, "Interface")
			policy := string(e.Policy)
			if policy == "" {
				policy = defaultEndpointPolicy
			}
			var groups, enis, dns []X
			for _, g := range e.SecurityGroups {
				groups = append(groups, E("item", T("groupId", g), T("groupName", a.groupName(e.Region, g))))
			}
			for _, n := range e.ENIs {
				enis = append(enis, T("item", endpointENIID(e, n)))
			}
			var private X
			if iface {
				svc := strings.TrimPrefix(e.ServiceName, "com.amazonaws."+e.Region+".")
				host := e.ID + "-" + strings.ToLower(idFrom(e.ID, 8)) + "." + svc + "." + e.Region + ".vpce.amazonaws.com"
				dns = append(dns, E("item", T("dnsName", host), T("hostedZoneId", "Z"+idFrom(e.Region, 13))))
				if boolOr(e.PrivateDNS, true) {
					dns = append(dns, E("item", T("dnsName", svc+"."+e.Region+".amazonaws.com"), T("hostedZoneId", "Z"+idFrom(e.ID, 13))))
				}
				private = TB("privateDnsEnabled", boolOr(e.PrivateDNS, true))
			} else {
				private = TB("privateDnsEnabled", false)
			}
			return E("item", T("vpcEndpointId", e.ID), T("vpcEndpointType", e.Type), T("vpcId", e.VPC),
				T("serviceName", e.ServiceName), T("state", e.State), T("policyDocument", policy),
				Strings("routeTableIdSet", "item", e.RouteTables), Strings("subnetIdSet", "item", e.Subnets),
				List("groupSet", "item", groups), T("ipAddressType", "ipv4"),
				E("dnsOptions", T("dnsRecordIpType", "ipv4"), TB("privateDnsOnlyForInboundResolverEndpoint", e.InboundResolverOnly)), private, TB("requesterManaged", false),
				List("networkInterfaceIdSet", "item", enis), List("dnsEntrySet", "item", dns),
				TT("creationTimestamp", endpointCreated), T("ownerId", a.ID), tagSet(e.Tags))
		},
		func(id string) *apiError {
			return errf(400, "InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '%s' does not exist", id)
		})
}

func ec2DescribeNetworkInterfaces(s *Server, rq *request) (any, error) {
	a := rq.acct
	all := append(inRegion(a.NetworkInterfaces, func(v *NetworkInterface) string { return v.Region }, rq.region), a.derivedENIs(rq.region)...)
	return describe(rq, "NetworkInterfaceId", "networkInterfaceSet", all,
		func(v *NetworkInterface) string { return v.ID }, func(v *NetworkInterface) Tags { return v.Tags },
		func(n *NetworkInterface) attrs {
			return func(f string) ([]string, bool) {
				switch f {
				case "network-interface-id":
					return []string{n.ID}, true
				case "subnet-id":
					return []string{n.Subnet}, true
				case "vpc-id":
					return []string{a.vpcOfSubnet(n.Region, n.Subnet)}, true
				case "group-id":
					return n.Groups, true
				case "addresses.private-ip-address", "private-ip-address":
					return []string{n.PrivateIP}, true
				case "association.public-ip":
					return []string{n.PublicIP}, true
				case "interface-type":
					return []string{ifaceType(n)}, true
				case "requester-managed":
					return []string{bstr(n.RequesterManaged)}, true
				case "description":
					return []string{n.Description}, true
				case "status":
					return []string{ifaceStatus(n)}, true
				case "owner-id":
					return []string{a.ID}, true
				}
				return nil, false
			}
		},
		func(n *NetworkInterface) X {
			var groups []X
			for _, g := range n.Groups {
				groups = append(groups, E("item", T("groupId", g), T("groupName", a.groupName(n.Region, g))))
			}
			az := ""
			if sn := a.subnet(n.Region, n.Subnet); sn != nil {
				az = sn.AvailabilityZone
			}
			var assoc X
			if n.PublicIP != "" {
				assoc = E("association", T("publicIp", n.PublicIP), T("ipOwnerId", "amazon"))
			}
			var attach X
			if ifaceStatus(n) == "in-use" {
				attach = E("attachment", T("attachmentId", "ela-attach-"+strings.ToLower(idFrom(n.ID, 17))),
					TI("deviceIndex", 1), T("status", "attached"), TB("deleteOnTermination", false),
					T("instanceOwnerId", "amazon-aws"))
			}
			mac := n.MAC
			if mac == "" {
				mac = macFor(n.ID)
			}
			return E("item", T("networkInterfaceId", n.ID), T("subnetId", n.Subnet),
				T("vpcId", a.vpcOfSubnet(n.Region, n.Subnet)), Opt("availabilityZone", az), T("description", n.Description),
				T("ownerId", a.ID), TB("requesterManaged", n.RequesterManaged), T("status", ifaceStatus(n)),
				T("macAddress", mac), T("privateIpAddress", n.PrivateIP),
				Opt("privateDnsName", privateDNSName(n.PrivateIP, n.Region)), TB("sourceDestCheck", true),
				List("groupSet", "item", groups), attach, assoc,
				List("privateIpAddressesSet", "item", []X{E("item", T("privateIpAddress", n.PrivateIP),
					Opt("privateDnsName", privateDNSName(n.PrivateIP, n.Region)), TB("primary", true), assoc)}),
				List("ipv6AddressesSet", "item", nil), T("interfaceType", ifaceType(n)), tagSet(n.Tags))
		},
		func(id string) *apiError {
			return errf(400, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
		})
}

func ifaceType(n *NetworkInterface) string {
	if n.InterfaceType == "" {
		return "interface"
	}
	return n.InterfaceType
}

func ifaceStatus(n *NetworkInterface) string {
	if n.Status == "" {
		return "in-use"
	}
	return n.Status
}

func ec2DescribeNatGateways(s *Server, rq *request) (any, error) {
	a := rq.acct
	return describe(rq, "NatGatewayId", "natGatewaySet", inRegion(a.NATGateways, func(v *NATGateway) string { return v.Region }, rq.region),
		func(v *NATGateway) string { return v.ID }, func(v *NATGateway) Tags { return v.Tags },
		func(g *NATGateway) attrs {
			return func(n string) ([]string, bool) {
				switch n {
				case "nat-gateway-id":
					return []string{g.ID}, true
				case "subnet-id":
					return []string{g.Subnet}, true
				case "vpc-id":
					return []string{a.vpcOfSubnet(g.Region, g.Subnet)}, true
				case "state":
					return []string{g.State}, true
				}
				return nil, false
			}
		},
		func(g *NATGateway) X {
			addr := E("item", T("allocationId", "eipalloc-"+strings.ToLower(idFrom(g.ID, 17))),
				T("networkInterfaceId", natENIID(g)), Opt("privateIp", g.PrivateIP), Opt("publicIp", g.PublicIP),
				TB("isPrimary", true), T("status", "succeeded"))
			return E("item", T("natGatewayId", g.ID), T("subnetId", g.Subnet), T("vpcId", a.vpcOfSubnet(g.Region, g.Subnet)),
				T("state", g.State), T("connectivityType", g.ConnectivityType), TT("createTime", endpointCreated),
				List("natGatewayAddressSet", "item", []X{addr}), tagSet(g.Tags))
		},
		func(id string) *apiError {
			return errf(400, "NatGatewayNotFound", "The Nat Gateway %s was not found", id)
		})
}

func ec2DescribeInternetGateways(s *Server, rq *request) (any, error) {
	a := rq.acct
	return describe(rq, "InternetGatewayId", "internetGatewaySet", inRegion(a.InternetGateways, func(v *InternetGateway) string { return v.Region }, rq.region),
		func(v *InternetGateway) string { return v.ID }, func(v *InternetGateway) Tags { return v.Tags },
		func(g *InternetGateway) attrs {
			return func(n string) ([]string, bool) {
				switch n {
				case "internet-gateway-id":
					return []string{g.ID}, true
				case "attachment.vpc-id":
					return g.VPCs, true
				case "attachment.state":
					if len(g.VPCs) > 0 {
						return []string{"available"}, true
					}
					return nil, true
				case "owner-id":
					return []string{a.ID}, true
				}
				return nil, false
			}
		},
		func(g *InternetGateway) X {
			var att []X
			for _, v := range g.VPCs {
				att = append(att, E("item", T("vpcId", v), T("state", "available")))
			}
			return E("item", T("internetGatewayId", g.ID), T("ownerId", a.ID), List("attachmentSet", "item", att), tagSet(g.Tags))
		},
		func(id string) *apiError {
			return errf(400, "InvalidInternetGatewayID.NotFound", "The internetGateway ID '%s' does not exist", id)
		})
}

func ec2DescribePrefixLists(s *Server, rq *request) (any, error) {
	return describe(rq, "PrefixListId", "prefixListSet", rq.acct.prefixLists(rq.region),
		func(v *PrefixList) string { return v.ID }, func(v *PrefixList) Tags { return nil },
		func(p *PrefixList) attrs {
			return func(n string) ([]string, bool) {
				switch n {
				case "prefix-list-id":
					return []string{p.ID}, true
				case "prefix-list-name":
					return []string{p.Name}, true
				}
				return nil, false
			}
		},
		func(p *PrefixList) X {
			return E("item", T("prefixListId", p.ID), T("prefixListName", p.Name), Strings("cidrSet", "item", p.CIDRs))
		},
		func(id string) *apiError {
			return errf(400, "InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist", id)
		})
}
