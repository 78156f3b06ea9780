package fakeaws

import (
	"encoding/binary"
	"net"
	"strconv"
	"strings"
)

func (a *Account) vpc(region, id string) *VPC {
	for _, v := range a.VPCs {
		if v.Region == region && v.ID == id {
			return v
		}
	}
	return nil
}

func (a *Account) subnet(region, id string) *Subnet {
	for _, v := range a.Subnets {
		if v.Region == region && v.ID == id {
			return v
		}
	}
	return nil
}

func (a *Account) securityGroup(region, id string) *SecurityGroup {
	for _, v := range a.SecurityGroups {
		if v.Region == region && v.ID == id {
			return v
		}
	}
	return nil
}

func (a *Account) natGateway(region, id string) *NATGateway {
	for _, v := range a.NATGateways {
		if v.Region == region && v.ID == id {
			return v
		}
	}
	return nil
}

func (a *Account) vpcOfSubnet(region, subnet string) string {
	if s := a.subnet(region, subnet); s != nil {
		return s.VPC
	}
	return ""
}

// prefixLists are the scenario's prefix lists of a region plus the two
// AWS-managed ones every region has (S3 and DynamoDB) when not declared.
func (a *Account) prefixLists(region string) []*PrefixList {
	var out []*PrefixList
	have := map[string]bool{}
	for _, p := range a.PrefixLists {
		if p.Region == region {
			out = append(out, p)
			have[p.Name] = true
		}
	}
	for _, svc := range []string{"dynamodb", "s3"} {
		name := "com.amazonaws." + region + "." + svc
		if !have[name] {
			out = append(out, &PrefixList{ID: "pl-" + strings.ToLower(idFrom(name, 8)), Region: region, Name: name})
		}
	}
	return out
}

func (a *Account) prefixListByName(region, name string) *PrefixList {
	for _, p := range a.prefixLists(region) {
		if p.Name == name {
			return p
		}
	}
	return &PrefixList{ID: "pl-" + strings.ToLower(idFrom(name, 8)), Region: region, Name: name}
}

// derivedENIs are the network interfaces AWS creates for interface
// endpoints and NAT gateways; they are listed with the scenario's own.
func (a *Account) derivedENIs(region string) []*NetworkInterface {
	var out []*NetworkInterface
	for _, e := range a.VPCEndpoints {
		if e.Region != region || !strings.EqualFold(e.Type, "Interface") {
			continue
		}
		for _, n := range e.ENIs {
			out = append(out, &NetworkInterface{
				ID: endpointENIID(e, n), Region: region, Subnet: n.Subnet, PrivateIP: n.IP,
				Groups: e.SecurityGroups, Description: "VPC Endpoint Interface " + e.ID,
				InterfaceType: "vpc_endpoint", RequesterManaged: true, Status: "in-use",
			})
		}
	}
	for _, g := range a.NATGateways {
		if g.Region != region || g.PrivateIP == "" || g.State == "deleted" {
			continue
		}
		out = append(out, &NetworkInterface{
			ID: natENIID(g), Region: region, Subnet: g.Subnet, PrivateIP: g.PrivateIP, PublicIP: g.PublicIP,
			Description: "Interface for NAT Gateway " + g.ID, InterfaceType: "nat_gateway",
			RequesterManaged: true, Status: "in-use",
		})
	}
	return out
}

func endpointENIID(e *VPCEndpoint, n *EndpointENI) string {
	if n.ID != "" {
		return n.ID
	}
	return "eni-" + strings.ToLower(idFrom(e.ID+n.Subnet, 17))
}

func natENIID(g *NATGateway) string { return "eni-" + strings.ToLower(idFrom(g.ID, 17)) }

// freeIP picks an unused address of a subnet for a new task ENI, skipping
// the four addresses AWS reserves at the start of every subnet.
func (a *Account) freeIP(region, subnet string) string {
	sn := a.subnet(region, subnet)
	if sn == nil {
		return "10.0.0." + strconv.Itoa(10+len(a.Tasks)%240)
	}
	_, cidr, err := net.ParseCIDR(sn.CIDR)
	if err != nil || cidr.IP.To4() == nil {
		return ""
	}
	used := map[string]bool{}
	for _, n := range append(append([]*NetworkInterface{}, a.NetworkInterfaces...), a.derivedENIs(region)...) {
		used[n.PrivateIP] = true
	}
	for _, t := range a.Tasks {
		used[t.PrivateIP] = true
	}
	base := binary.BigEndian.Uint32(cidr.IP.To4())
	ones, bits := cidr.Mask.Size()
	size := uint32(1) << (bits - ones)
	for i := uint32(4); i+1 < size; i++ {
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, base+i)
		if !used[ip.String()] {
			return ip.String()
		}
	}
	return ""
}

// azID is the zone ID of an availability zone name (use1-az1 for us-east-1a).
func azID(az string) string {
	if az == "" {
		return ""
	}
	region, letter := az[:len(az)-1], az[len(az)-1]
	parts := strings.Split(region, "-")
	short := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if p[0] >= '0' && p[0] <= '9' {
			short += p
		} else if len(parts) == 3 && p == parts[1] {
			short += p[:1]
		} else {
			short += p[:min(2, len(p))]
		}
	}
	return short + "-az" + string('1'+(letter-'a'))
}
