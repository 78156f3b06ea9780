package diagnose

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ephemeralPorts are the client ports of a Linux task's connections
// (net.ipv4.ip_local_port_range); replies come back to them. The fix we
// suggest is the wider 1024-65535 AWS recommends, which covers every OS.
var ephemeralPorts = portRange{32768, 60999}

const defaultRuleNumber = 32767 // the "*" rule that denies what nothing allowed

// naclOf is the network ACL of a subnet: its explicit association, else the
// VPC's default ACL (a subnet is always associated with one).
func naclOf(st *vpcState, subnet string) *ec2types.NetworkAcl {
	var def *ec2types.NetworkAcl
	for i := range st.nacls {
		a := &st.nacls[i]
		for _, as := range a.Associations {
			if aws.ToString(as.SubnetId) == subnet {
				return a
			}
		}
		if aws.ToBool(a.IsDefault) {
			def = a
		}
	}
	return def
}

// naclVerdict is what an ACL does with TCP packets to or from a peer.
type naclVerdict struct {
	denied []portRange // ports whose packets are dropped
	rules  []int32     // the rule numbers that dropped them, ascending
}

func (v naclVerdict) ok() bool { return len(v.denied) == 0 }

// evalNACL walks one direction's rules by rule number: the first rule that
// matches a packet decides it, and what no rule matched is denied by the
// default rule. ports is a range so that return traffic to every
// ephemeral port is judged in one pass.
func evalNACL(acl *ec2types.NetworkAcl, egress bool, ports portRange, p peer) naclVerdict {
	var entries []ec2types.NetworkAclEntry
	for _, e := range acl.Entries {
		if aws.ToBool(e.Egress) == egress && aws.ToInt32(e.RuleNumber) < defaultRuleNumber {
			entries = append(entries, e)
		}
	}
	sort.Slice(entries, func(i, j int) bool { return aws.ToInt32(entries[i].RuleNumber) < aws.ToInt32(entries[j].RuleNumber) })

	var v naclVerdict
	open := []portRange{ports}
	for _, e := range entries {
		if len(open) == 0 {
			break
		}
		r, ok := entryTCPPorts(e)
		if !ok || !entryPeerMatch(e, p) {
			continue
		}
		var decided []portRange
		for _, o := range open {
			if x, ok := intersect(o, r); ok {
				decided = append(decided, x)
			}
		}
		if len(decided) == 0 {
			continue
		}
		for _, x := range decided {
			open = subtract(open, x)
		}
		if e.RuleAction == ec2types.RuleActionDeny {
			v.denied = append(v.denied, decided...)
			v.rules = append(v.rules, aws.ToInt32(e.RuleNumber))
		}
	}
	if len(open) > 0 {
		v.denied = append(v.denied, open...)
		v.rules = append(v.rules, defaultRuleNumber)
	}
	sort.Slice(v.denied, func(i, j int) bool { return v.denied[i].from < v.denied[j].from })
	return v
}

// entryTCPPorts is the TCP port range an entry covers, false when it is
// for another protocol.
func entryTCPPorts(e ec2types.NetworkAclEntry) (portRange, bool) {
	switch aws.ToString(e.Protocol) {
	case "-1", "all":
		return portRange{0, 65535}, true
	case "6", "tcp":
		if e.PortRange == nil || e.PortRange.From == nil {
			return portRange{0, 65535}, true
		}
		return portRange{aws.ToInt32(e.PortRange.From), aws.ToInt32(e.PortRange.To)}, true
	}
	return portRange{}, false
}

func entryPeerMatch(e ec2types.NetworkAclEntry, p peer) bool {
	c, ok := parsePrefix(e.CidrBlock)
	if !ok {
		if c, ok = parsePrefix(e.Ipv6CidrBlock); !ok {
			return false
		}
	}
	if e.RuleAction == ec2types.RuleActionDeny {
		return p.denyMatch(c)
	}
	return p.allowMatch(c)
}

// ruleText names the rules of a verdict for messages.
func (v naclVerdict) ruleText() string {
	var out []string
	for _, n := range v.rules {
		if n == defaultRuleNumber {
			out = append(out, "the default rule (*), as no rule allows them")
		} else {
			out = append(out, "rule "+itoa(n))
		}
	}
	return joinList(out)
}

// before says where an allow rule must go: below the first rule that
// denies, anywhere when only the default rule does.
func (v naclVerdict) before() string {
	if len(v.rules) == 0 || v.rules[0] == defaultRuleNumber {
		return ""
	}
	return " with a rule number below " + itoa(v.rules[0])
}
