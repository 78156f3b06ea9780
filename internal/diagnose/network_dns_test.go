package diagnose_test

import (
	"testing"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
)

func snsDNS(addrs ...string) diagnose.DNSFailure {
	return diagnose.DNSFailure{Target: "sns-dns", Name: "sns." + region + ".amazonaws.com", Addresses: addrs, ExpectPrivate: true}
}

func TestInterfaceEndpointPrivateDNSDisabled(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "logs")
	ep, _ := f.InterfaceEndpoint(f.VPC, "sns", []string{f.EndpointSubnet}, []string{f.EndpointSG}, false)

	fs := f.target(snsDNS(publicAddr))
	requireFinding(t, fs, v1alpha1.FindingInterfaceEndpointPrivateDNSDisabled, ep,
		"sns."+region+".amazonaws.com resolves to public addresses although interface endpoint "+ep,
		"aws ec2 modify-vpc-endpoint --vpc-endpoint-id "+ep+" --private-dns-enabled")
	// The same cause explains the timeout of the private subnet's traffic.
	requireFinding(t, f.target(f.timeout("sns")), v1alpha1.FindingInterfaceEndpointPrivateDNSDisabled, ep)

	// moto cannot switch private DNS on an existing endpoint: replace it.
	f.DeleteEndpoint(ep)
	_, addrs := f.InterfaceEndpoint(f.VPC, "sns", []string{f.EndpointSubnet}, []string{f.EndpointSG}, true)
	f.fresh()
	requireNone(t, f.target(snsDNS(addrs...)))
}

func TestVPCDNSDisabled(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	f.SetVPCDNS(f.VPC, true, false)

	fs := f.target(snsDNS(publicAddr))
	requireFinding(t, fs, v1alpha1.FindingVPCDNSDisabled, f.VPC,
		"VPC "+f.VPC+" has enableDnsHostnames set to false", "interface endpoint "+f.Endpoints["sns"],
		"aws ec2 modify-vpc-attribute --vpc-id "+f.VPC+" --enable-dns-hostnames")

	f.SetVPCDNS(f.VPC, true, true)
	f.fresh()
	requireNone(t, f.target(snsDNS(f.Addrs["sns"]...)))
}

func TestVPCDNSSupportOffLeavesNamesUnresolved(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	f.SetVPCDNS(f.VPC, false, false)
	fail := diagnose.ConnectionFailure{Target: "sns-https", Host: "sns." + region + ".amazonaws.com", Port: 443, Kind: diagnose.ConnUnresolved}

	fs := f.target(fail)
	requireFinding(t, fs, v1alpha1.FindingVPCDNSDisabled, f.VPC, "enableDnsSupport set to false", "--enable-dns-support")

	f.SetVPCDNS(f.VPC, true, true)
	f.fresh()
	requireNone(t, f.target(fail))
}

func TestDNSMissingEndpoint(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "logs")
	fs := f.target(snsDNS(publicAddr))
	requireFinding(t, fs, v1alpha1.FindingMissingVPCEndpoint, f.VPC,
		"resolves to public addresses ("+publicAddr+") because VPC "+f.VPC+" has no interface endpoint for com.amazonaws."+region+".sns",
		"aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface")

	_, addrs := f.InterfaceEndpoint(f.VPC, "sns", []string{f.EndpointSubnet}, []string{f.EndpointSG}, true)
	f.fresh()
	requireNone(t, f.target(snsDNS(addrs...)))
}
