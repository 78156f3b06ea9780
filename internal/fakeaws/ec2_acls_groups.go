package fakeaws

import (
	"sort"
	"strconv"
	"strings"
)

// aclProtocol is the protocol number EC2 prints for a NACL entry.
func aclProtocol(p string) string {
	switch strings.ToLower(p) {
	case "", "-1", "all":
		return "-1"
	case "tcp":
		return "6"
	case "udp":
		return "17"
	case "icmp":
		return "1"
	}
	return p
}

// sgProtocol is the protocol name EC2 prints for a security group rule.
func sgProtocol(p string) string {
	switch strings.ToLower(p) {
	case "", "-1", "all":
		return "-1"
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "1":
		return "icmp"
	}
	return strings.ToLower(p)
}

// aclEntries are a NACL's rules sorted by number, with the final deny-all
// rule AWS always has.
func aclEntries(in []*ACLEntry) []*ACLEntry {
	out := append([]*ACLEntry(nil), in...)
	has := false
	for _, e := range out {
		has = has || e.Rule == 32767
	}
	if !has {
		out = append(out, &ACLEntry{Rule: 32767, Protocol: "-1", Action: "deny", CIDR: "0.0.0.0/0"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}

// aclSubnets are the subnets associated with a NACL: its own, and for the
// VPC's default NACL every subnet of the VPC no other NACL names, as in AWS
// where each subnet is associated with exactly one NACL.
func (a *Account) aclSubnets(acl *NetworkACL) []string {
	subs := append([]string(nil), acl.Subnets...)
	if !acl.Default {
		return subs
	}
	claimed := map[string]bool{}
	for _, o := range a.NetworkACLs {
		for _, sn := range o.Subnets {
			claimed[sn] = true
		}
	}
	for _, sn := range a.Subnets {
		if sn.Region == acl.Region && sn.VPC == acl.VPC && !claimed[sn.ID] {
			subs = append(subs, sn.ID)
		}
	}
	return subs
}

func renderACLEntry(e *ACLEntry, egress bool) X {
	cidr := e.CIDR
	if cidr == "" {
		cidr = "0.0.0.0/0"
	}
	proto := aclProtocol(e.Protocol)
	var ports X
	if proto == "6" || proto == "17" {
		ports = E("portRange", TI("from", e.FromPort), TI("to", e.ToPort))
	}
	return E("item", TI("ruleNumber", e.Rule), T("protocol", proto), T("ruleAction", strings.ToLower(e.Action)),
		TB("egress", egress), T("cidrBlock", cidr), ports)
}

func ec2DescribeNetworkAcls(s *Server, rq *request) (any, error) {
	a := rq.acct
	return describe(rq, "NetworkAclId", "networkAclSet", inRegion(a.NetworkACLs, func(v *NetworkACL) string { return v.Region }, rq.region),
		func(v *NetworkACL) string { return v.ID }, func(v *NetworkACL) Tags { return v.Tags },
		func(acl *NetworkACL) attrs {
			return func(n string) ([]string, bool) {
				switch n {
				case "network-acl-id":
					return []string{acl.ID}, true
				case "vpc-id":
					return []string{acl.VPC}, true
				case "default":
					return []string{bstr(acl.Default)}, true
				case "association.subnet-id":
					return a.aclSubnets(acl), true
				case "association.network-acl-id":
					return []string{acl.ID}, true
				case "owner-id":
					return []string{a.ID}, true
				}
				return nil, false
			}
		},
		func(acl *NetworkACL) X {
			var entries, assocs []X
			for _, e := range aclEntries(acl.Egress) {
				entries = append(entries, renderACLEntry(e, true))
			}
			for _, e := range aclEntries(acl.Ingress) {
				entries = append(entries, renderACLEntry(e, false))
			}
			for _, sn := range a.aclSubnets(acl) {
				assocs = append(assocs, E("item", T("networkAclAssociationId", "aclassoc-"+strings.ToLower(idFrom(acl.ID+sn, 17))),
					T("networkAclId", acl.ID), T("subnetId", sn)))
			}
			return E("item", T("networkAclId", acl.ID), T("vpcId", acl.VPC), TB("default", acl.Default), T("ownerId", a.ID),
				List("entrySet", "item", entries), List("associationSet", "item", assocs), tagSet(acl.Tags))
		},
		func(id string) *apiError {
			return errf(400, "InvalidNetworkAclID.NotFound", "The networkAcl ID '%s' does not exist", id)
		})
}

// sgEgress is a group's egress rules; nil means the AWS default.
func sgEgress(g *SecurityGroup) []*SGRule {
	if g.Egress == nil {
		return []*SGRule{{Protocol: "-1", CIDRs: []string{"0.0.0.0/0"}}}
	}
	return g.Egress
}

func renderSGRule(acct string, r *SGRule) X {
	proto := sgProtocol(r.Protocol)
	var from, to X
	if proto != "-1" {
		if r.FromPort != nil {
			from = TI("fromPort", *r.FromPort)
		}
		if r.ToPort != nil {
			to = TI("toPort", *r.ToPort)
		}
	}
	var groups, ranges, v6, pls []X
	for _, g := range r.Groups {
		groups = append(groups, E("item", T("groupId", g), T("userId", acct)))
	}
	for _, c := range r.CIDRs {
		ranges = append(ranges, E("item", T("cidrIp", c), Opt("description", r.Description)))
	}
	for _, c := range r.IPv6CIDRs {
		v6 = append(v6, E("item", T("cidrIpv6", c)))
	}
	for _, p := range r.PrefixLists {
		pls = append(pls, E("item", T("prefixListId", p)))
	}
	return E("item", T("ipProtocol", proto), from, to, List("groups", "item", groups),
		List("ipRanges", "item", ranges), List("ipv6Ranges", "item", v6), List("prefixListIds", "item", pls))
}

func ec2DescribeSecurityGroups(s *Server, rq *request) (any, error) {
	a := rq.acct
	all := inRegion(a.SecurityGroups, func(v *SecurityGroup) string { return v.Region }, rq.region)
	// GroupName.N selects by name; translate to IDs so describe() checks
	// existence the same way.
	if names := rq.list("GroupName"); len(names) > 0 {
		var sel []*SecurityGroup
		for _, n := range names {
			found := false
			for _, g := range all {
				if g.Name == n {
					sel, found = append(sel, g), true
				}
			}
			if !found {
				return nil, errf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC", n)
			}
		}
		all = sel
	}
	rulePorts := func(rs []*SGRule) (ports, cidrs, groups, protos []string) {
		for _, r := range rs {
			if r.FromPort != nil {
				ports = append(ports, strconv.Itoa(*r.FromPort))
			}
			cidrs = append(cidrs, r.CIDRs...)
			groups = append(groups, r.Groups...)
			protos = append(protos, sgProtocol(r.Protocol))
		}
		return
	}
	return describe(rq, "GroupId", "securityGroupInfo", all,
		func(v *SecurityGroup) string { return v.ID }, func(v *SecurityGroup) Tags { return v.Tags },
		func(g *SecurityGroup) attrs {
			return func(n string) ([]string, bool) {
				inPorts, inCIDRs, inGroups, inProtos := rulePorts(g.Ingress)
				_, outCIDRs, outGroups, _ := rulePorts(sgEgress(g))
				switch n {
				case "group-id":
					return []string{g.ID}, true
				case "group-name":
					return []string{g.Name}, true
				case "vpc-id":
					return []string{g.VPC}, true
				case "description":
					return []string{g.Description}, true
				case "owner-id":
					return []string{a.ID}, true
				case "ip-permission.from-port":
					return inPorts, true
				case "ip-permission.cidr":
					return inCIDRs, true
				case "ip-permission.group-id":
					return inGroups, true
				case "ip-permission.protocol":
					return inProtos, true
				case "egress.ip-permission.cidr":
					return outCIDRs, true
				case "egress.ip-permission.group-id":
					return outGroups, true
				}
				return nil, false
			}
		},
		func(g *SecurityGroup) X {
			var in, out []X
			for _, r := range g.Ingress {
				in = append(in, renderSGRule(a.ID, r))
			}
			for _, r := range sgEgress(g) {
				out = append(out, renderSGRule(a.ID, r))
			}
			desc := g.Description
			if desc == "" {
				desc = g.Name
			}
			return E("item", T("ownerId", a.ID), T("groupId", g.ID), T("groupName", g.Name),
				T("groupDescription", desc), T("vpcId", g.VPC),
				T("securityGroupArn", "arn:aws:ec2:"+g.Region+":"+a.ID+":security-group/"+g.ID),
				List("ipPermissions", "item", in), List("ipPermissionsEgress", "item", out), tagSet(g.Tags))
		},
		func(id string) *apiError {
			return errf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		})
}
