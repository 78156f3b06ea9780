package diagnose

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// joinList is "a, b and c" for messages.
func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// parseAddrs keeps the IPv4 and IPv6 literals of addrs, at most max of them.
func parseAddrs(addrs []string, max int) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, s := range addrs {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil || seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, a.Unmap())
		if len(out) == max {
			break
		}
	}
	return out
}

func hostPrefix(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, a.BitLen()) }

// parsePrefix reads a CIDR; false for nil or malformed ones.
func parsePrefix(s *string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(aws.ToString(s))
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// portRange is an inclusive range of ports.
type portRange struct{ from, to int32 }

func (r portRange) String() string {
	if r.from == r.to {
		return itoa(r.from)
	}
	return itoa(r.from) + "-" + itoa(r.to)
}

func itoa(i int32) string { return strconv.Itoa(int(i)) }

// subtract removes r from the ranges in rs.
func subtract(rs []portRange, r portRange) []portRange {
	var out []portRange
	for _, x := range rs {
		if r.to < x.from || r.from > x.to {
			out = append(out, x)
			continue
		}
		if x.from < r.from {
			out = append(out, portRange{x.from, r.from - 1})
		}
		if x.to > r.to {
			out = append(out, portRange{r.to + 1, x.to})
		}
	}
	return out
}

// intersect is the part of x inside r, ok false when they do not meet.
func intersect(x, r portRange) (portRange, bool) {
	lo, hi := max(x.from, r.from), min(x.to, r.to)
	return portRange{lo, hi}, lo <= hi
}

func rangesString(rs []portRange) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return joinList(out)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sentence capitalizes a subject that starts a sentence ("probe task").
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
