package diagnose

import (
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// peer is the other end of a packet as a rule sees it. When only the
// task's subnet is known, prefix is that subnet, and the evaluation gives
// the benefit of the doubt: an allow that covers part of it counts, a deny
// must cover all of it. Diagnosis should never blame a rule it cannot prove.
type peer struct {
	prefix netip.Prefix
	// groups are the peer's security groups, when known (task or ENI).
	groups []string
	// service is the AWS service the address belongs to (s3), for prefix
	// lists whose CIDRs cannot be read.
	service string
}

func addrPeer(a netip.Addr, groups []string, service string) peer {
	return peer{prefix: hostPrefix(a), groups: groups, service: service}
}

// allowMatch: an allow rule for cidr applies to some address of the peer.
func (p peer) allowMatch(cidr netip.Prefix) bool {
	return cidr.Addr().Is4() == p.prefix.Addr().Is4() && cidr.Overlaps(p.prefix)
}

// denyMatch: a deny rule for cidr applies to every address of the peer.
func (p peer) denyMatch(cidr netip.Prefix) bool {
	return cidr.Addr().Is4() == p.prefix.Addr().Is4() && cidr.Bits() <= p.prefix.Bits() && cidr.Contains(p.prefix.Addr())
}

// prefixListMatch says whether a prefix list covers the peer: by its CIDRs
// when EC2 lists them, else by the AWS service it is named after. A list
// diagnosis cannot see (customer-managed) is assumed to match.
func (p peer) prefixListMatch(st *vpcState, id string, region string) bool {
	pl, ok := st.prefixLists[id]
	if !ok {
		return true
	}
	if len(pl.Cidrs) > 0 {
		for _, c := range pl.Cidrs {
			if cp, ok := parsePrefix(&c); ok && p.allowMatch(cp) {
				return true
			}
		}
		return false
	}
	name := aws.ToString(pl.PrefixListName)
	return p.service != "" && name == endpointServiceName(region, p.service)
}

// tcpPortMatch: an IpPermission covers TCP port.
func tcpPortMatch(perm ec2types.IpPermission, port int32) bool {
	switch strings.ToLower(aws.ToString(perm.IpProtocol)) {
	case "-1", "all":
		return true
	case "tcp", "6":
		from, to := aws.ToInt32(perm.FromPort), aws.ToInt32(perm.ToPort)
		if perm.FromPort == nil || from == -1 {
			return true
		}
		return from <= port && port <= to
	}
	return false
}

// permMatch: an IpPermission admits TCP port to or from the peer.
func permMatch(st *vpcState, region string, perm ec2types.IpPermission, port int32, p peer) bool {
	if !tcpPortMatch(perm, port) {
		return false
	}
	for _, r := range perm.IpRanges {
		if c, ok := parsePrefix(r.CidrIp); ok && p.allowMatch(c) {
			return true
		}
	}
	for _, r := range perm.Ipv6Ranges {
		if c, ok := parsePrefix(r.CidrIpv6); ok && p.allowMatch(c) {
			return true
		}
	}
	for _, pl := range perm.PrefixListIds {
		if p.prefixListMatch(st, aws.ToString(pl.PrefixListId), region) {
			return true
		}
	}
	for _, g := range perm.UserIdGroupPairs {
		for _, pg := range p.groups {
			if aws.ToString(g.GroupId) == pg {
				return true
			}
		}
	}
	return false
}

// groupsAdmit: some rule of some group admits the packet (security groups
// are allow-only and the union of their rules applies). Groups that are not
// in the snapshot cannot be judged and count as admitting.
func groupsAdmit(st *vpcState, region string, ids []string, egress bool, port int32, p peer) bool {
	for _, id := range ids {
		g, ok := st.groups[id]
		if !ok {
			return true
		}
		perms := g.IpPermissions
		if egress {
			perms = g.IpPermissionsEgress
		}
		for _, perm := range perms {
			if permMatch(st, region, perm, port, p) {
				return true
			}
		}
	}
	return false
}

func groupIDs(gs []ec2types.GroupIdentifier) []string {
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		out = append(out, aws.ToString(g.GroupId))
	}
	return out
}

func endpointGroupIDs(e *ec2types.VpcEndpoint) []string {
	out := make([]string, 0, len(e.Groups))
	for _, g := range e.Groups {
		out = append(out, aws.ToString(g.GroupId))
	}
	return out
}
