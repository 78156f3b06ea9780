package fakeaws

// VPC is an EC2 VPC. DNS attributes default to true, as for a VPC created in
// the console.
type VPC struct {
	ID                 string `json:"id"`
	Region             string `json:"region,omitempty"`
	CIDR               string `json:"cidr"`
	EnableDNSSupport   *bool  `json:"enableDnsSupport,omitempty"`
	EnableDNSHostnames *bool  `json:"enableDnsHostnames,omitempty"`
	IsDefault          bool   `json:"isDefault,omitempty"`
	Tags               Tags   `json:"tags,omitempty"`
}

type Subnet struct {
	ID                  string `json:"id"`
	Region              string `json:"region,omitempty"`
	VPC                 string `json:"vpc"`
	CIDR                string `json:"cidr"`
	AvailabilityZone    string `json:"availabilityZone,omitempty"` // default <region>a
	MapPublicIPOnLaunch bool   `json:"mapPublicIpOnLaunch,omitempty"`
	Tags                Tags   `json:"tags,omitempty"`
}

// RouteTable is associated with Subnets, or is the VPC's main table. The
// local route for the VPC CIDR is added when absent, as AWS always has it.
type RouteTable struct {
	ID      string   `json:"id"`
	Region  string   `json:"region,omitempty"`
	VPC     string   `json:"vpc"`
	Main    bool     `json:"main,omitempty"`
	Subnets []string `json:"subnets,omitempty"`
	Routes  []*Route `json:"routes,omitempty"`
	Tags    Tags     `json:"tags,omitempty"`
}

// Route sends Destination (a CIDR) or DestinationPrefixList to Target:
// "local", igw-, nat-, vpce-, eni-, pcx-, tgw-, vgw-. A route to a NAT gateway
// that is missing or deleted is reported as a blackhole, as AWS does; State
// "blackhole" forces it.
type Route struct {
	Destination           string `json:"destination,omitempty"`
	DestinationPrefixList string `json:"destinationPrefixList,omitempty"`
	Target                string `json:"target"`
	State                 string `json:"state,omitempty"`
}

// NetworkACL rules are evaluated by number; the final "*" rule (32767, deny
// all) is added when absent, as AWS always has it.
type NetworkACL struct {
	ID      string      `json:"id"`
	Region  string      `json:"region,omitempty"`
	VPC     string      `json:"vpc"`
	Default bool        `json:"default,omitempty"`
	Subnets []string    `json:"subnets,omitempty"`
	Ingress []*ACLEntry `json:"ingress,omitempty"`
	Egress  []*ACLEntry `json:"egress,omitempty"`
	Tags    Tags        `json:"tags,omitempty"`
}

type ACLEntry struct {
	Rule     int    `json:"rule"`
	Protocol string `json:"protocol,omitempty"` // -1 (default), tcp, udp, icmp or a number
	Action   string `json:"action"`             // allow | deny
	CIDR     string `json:"cidr,omitempty"`     // default 0.0.0.0/0
	FromPort int    `json:"fromPort,omitempty"`
	ToPort   int    `json:"toPort,omitempty"`
}

// SecurityGroup: Egress nil means the AWS default (all traffic to
// 0.0.0.0/0); an explicit empty list means no egress at all.
type SecurityGroup struct {
	ID          string    `json:"id"`
	Region      string    `json:"region,omitempty"`
	Name        string    `json:"name,omitempty"`
	Description string    `json:"description,omitempty"`
	VPC         string    `json:"vpc"`
	Ingress     []*SGRule `json:"ingress,omitempty"`
	Egress      []*SGRule `json:"egress"`
	Tags        Tags      `json:"tags,omitempty"`
}

type SGRule struct {
	Protocol    string   `json:"protocol,omitempty"` // -1 (default), tcp, udp, icmp
	FromPort    *int     `json:"fromPort,omitempty"`
	ToPort      *int     `json:"toPort,omitempty"`
	CIDRs       []string `json:"cidrs,omitempty"`
	IPv6CIDRs   []string `json:"ipv6Cidrs,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	PrefixLists []string `json:"prefixLists,omitempty"`
	Description string   `json:"description,omitempty"`
}

// VPCEndpoint is an interface or gateway endpoint. Interface endpoints get
// one network interface per entry of ENIs (listed by DescribeNetworkInterfaces
// as requester-managed vpc_endpoint interfaces); gateway endpoints add a
// prefix-list route to each of their route tables unless one is given.
type VPCEndpoint struct {
	ID             string   `json:"id"`
	Region         string   `json:"region,omitempty"`
	VPC            string   `json:"vpc"`
	ServiceName    string   `json:"serviceName"`
	Type           string   `json:"type,omitempty"` // Interface (default) | Gateway
	State          string   `json:"state,omitempty"`
	Subnets        []string `json:"subnets,omitempty"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	RouteTables    []string `json:"routeTables,omitempty"`
	PrivateDNS     *bool    `json:"privateDnsEnabled,omitempty"` // interface default true
	// InboundResolverOnly is dnsOptions.privateDnsOnlyForInboundResolverEndpoint
	// of an S3 interface endpoint: its private DNS answers only queries that
	// come through Route 53 inbound resolver endpoints; inside the VPC the
	// S3 names stay public and traffic takes the S3 gateway endpoint, which
	// must exist (Amazon S3 User Guide, "AWS PrivateLink for Amazon S3",
	// private DNS for S3 interface endpoints).
	InboundResolverOnly bool           `json:"privateDnsOnlyForInboundResolverEndpoint,omitempty"`
	Policy              PolicyDocument `json:"policy,omitempty"`
	ENIs                []*EndpointENI `json:"enis,omitempty"`
	Tags                Tags           `json:"tags,omitempty"`
}

type EndpointENI struct {
	ID     string `json:"id,omitempty"`
	Subnet string `json:"subnet"`
	IP     string `json:"ip"`
}

type NetworkInterface struct {
	ID               string   `json:"id"`
	Region           string   `json:"region,omitempty"`
	Subnet           string   `json:"subnet"`
	PrivateIP        string   `json:"privateIp"`
	PublicIP         string   `json:"publicIp,omitempty"`
	Groups           []string `json:"groups,omitempty"`
	Description      string   `json:"description,omitempty"`
	InterfaceType    string   `json:"interfaceType,omitempty"` // interface (default), vpc_endpoint, nat_gateway, ...
	RequesterManaged bool     `json:"requesterManaged,omitempty"`
	Status           string   `json:"status,omitempty"` // in-use (default) | available
	MAC              string   `json:"mac,omitempty"`
	Tags             Tags     `json:"tags,omitempty"`
}

type NATGateway struct {
	ID               string `json:"id"`
	Region           string `json:"region,omitempty"`
	Subnet           string `json:"subnet"`
	State            string `json:"state,omitempty"`            // available (default), deleted, failed, ...
	ConnectivityType string `json:"connectivityType,omitempty"` // public (default) | private
	PublicIP         string `json:"publicIp,omitempty"`
	PrivateIP        string `json:"privateIp,omitempty"`
	Tags             Tags   `json:"tags,omitempty"`
}

type InternetGateway struct {
	ID     string   `json:"id"`
	Region string   `json:"region,omitempty"`
	VPCs   []string `json:"vpcs,omitempty"`
	Tags   Tags     `json:"tags,omitempty"`
}

// PrefixList is an AWS-managed prefix list such as com.amazonaws.<region>.s3.
type PrefixList struct {
	ID     string   `json:"id"`
	Region string   `json:"region,omitempty"`
	Name   string   `json:"name"`
	CIDRs  []string `json:"cidrs,omitempty"`
}
