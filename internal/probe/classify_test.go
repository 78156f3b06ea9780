package probe

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Seed 000's two messages, verbatim but for the region placeholder (their
// reading is tested in internal/awstext).
const (
	seedVPCEndpointDeny  = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:us-east-1:123456789012:* with an explicit deny in a VPC endpoint policy"
	seedNoIdentityPolicy = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:us-east-1:123456789012:* because no identity-based policy allows the SNS:ListTopics action"
)

var vpc = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}

func TestClassify(t *testing.T) {
	tcp := v1alpha1.Target{Name: "sns-https", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}}
	noEgress := v1alpha1.Target{Name: "no-egress", TCP: &v1alpha1.TCPTarget{Host: "example.com", Port: 443}, Expect: v1alpha1.ExpectUnreachable}
	dns := v1alpha1.Target{Name: "sns-dns", DNS: &v1alpha1.DNSTarget{Name: "sns.ap-northeast-1.amazonaws.com", ExpectPrivateAddress: true}}
	plainDNS := v1alpha1.Target{Name: "dns", DNS: &v1alpha1.DNSTarget{Name: "example.com"}}
	httpT := v1alpha1.Target{Name: "health", HTTP: &v1alpha1.HTTPTarget{URL: "https://api.partner.example/health", ExpectStatus: []int32{200, 204}}}
	httpDefault := v1alpha1.Target{Name: "web", HTTP: &v1alpha1.HTTPTarget{URL: "http://web.internal/"}}
	api := v1alpha1.Target{Name: "sns-list", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics"}}
	denied := v1alpha1.Target{Name: "sns-denied", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics"}, Expect: v1alpha1.ExpectDenied}
	head := v1alpha1.Target{Name: "obj", AWSAPI: &v1alpha1.AWSAPITarget{Service: "s3api", Action: "HeadObject"}}
	getObject := v1alpha1.Target{Name: "get", AWSAPI: &v1alpha1.AWSAPITarget{Service: "s3api", Action: "GetObject"}}
	listObjects := v1alpha1.Target{Name: "list", AWSAPI: &v1alpha1.AWSAPITarget{Service: "s3api", Action: "ListObjectsV2"}}
	headBucket := v1alpha1.Target{Name: "bucket", AWSAPI: &v1alpha1.AWSAPITarget{Service: "s3api", Action: "HeadBucket"}}

	for _, tc := range []struct {
		name     string
		target   v1alpha1.Target
		line     wire.Line
		result   v1alpha1.TargetResult
		reason   string
		expected bool
		message  string
		viaVPC   bool
	}{
		{"tcp ok via endpoint", tcp, wire.Line{Status: "OK", Detail: "10.0.1.169 10.0.2.248", Elapsed: 12 * time.Millisecond},
			v1alpha1.ResultReachable, v1alpha1.ReasonConnected, true, "TCP connect to 10.0.1.169:443 succeeded in 12ms", true},
		{"tcp ok public", tcp, wire.Line{Status: "OK", Detail: "54.239.1.1"},
			v1alpha1.ResultReachable, v1alpha1.ReasonConnected, true, "54.239.1.1:443", false},
		{"tcp timeout", tcp, wire.Line{Status: "TIMEOUT", Detail: "10.0.1.169 10.0.2.248", Elapsed: 5 * time.Second},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionTimedOut, false, "TCP connect to 10.0.1.169:443 timed out after 5s", true},
		{"tcp refused", tcp, wire.Line{Status: "REFUSED", Detail: "10.0.1.169"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionRefused, false, "was refused", true},
		{"tcp no route", tcp, wire.Line{Status: "NOROUTE", Detail: "10.0.9.9"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonNoRouteToHost, false, "no route to host", true},
		{"tcp unresolved", tcp, wire.Line{Status: "UNRESOLVED", Detail: "name not found"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonNameNotResolved, false, "could not be resolved", false},
		{"tcp other error", tcp, wire.Line{Status: "ERROR", Detail: "Permission denied"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionFailed, false, "Permission denied", false},
		{"tcp fake detail-less timeout", tcp, wire.Line{Status: "TIMEOUT"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionTimedOut, false, "sns.ap-northeast-1.amazonaws.com:443 timed out", false},
		{"expect unreachable and timed out", noEgress, wire.Line{Status: "TIMEOUT", Detail: "93.184.215.14"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionTimedOut, true, "timed out", false},
		{"expect unreachable but connected", noEgress, wire.Line{Status: "OK", Detail: "93.184.215.14"},
			v1alpha1.ResultReachable, v1alpha1.ReasonConnected, false, "succeeded", false},

		// Seed 000's nslookup step: addresses in the VPC CIDR mean an endpoint.
		{"dns private", dns, wire.Line{Status: "OK", Detail: "10.0.1.169 10.0.2.248"},
			v1alpha1.ResultReachable, v1alpha1.ReasonResolved, true, "resolved to 10.0.1.169, 10.0.2.248 (inside the VPC)", true},
		{"dns public but private expected", dns, wire.Line{Status: "OK", Detail: "54.239.1.1"},
			v1alpha1.ResultReachable, v1alpha1.ReasonPublicAddressResolved, false, "not only to private addresses", false},
		{"dns unresolved", plainDNS, wire.Line{Status: "UNRESOLVED", Detail: "name not found"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonNameNotResolved, false, "could not be resolved", false},
		{"dns timeout", plainDNS, wire.Line{Status: "TIMEOUT"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonNameNotResolved, false, "timed out after 5s", false},

		{"http expected status", httpT, wire.Line{Status: "OK", Detail: "204 203.0.113.7"},
			v1alpha1.ResultReachable, v1alpha1.ReasonHTTPStatus, true, "answered 204 from 203.0.113.7", false},
		{"http unexpected status", httpT, wire.Line{Status: "OK", Detail: "503 203.0.113.7"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonHTTPStatusUnexpected, false, "answered 503 from 203.0.113.7; expected one of 200, 204", false},
		{"http default accepts 404", httpDefault, wire.Line{Status: "OK", Detail: "404 10.0.3.3"},
			v1alpha1.ResultReachable, v1alpha1.ReasonHTTPStatus, true, "answered 404", true},
		{"http default rejects 500", httpDefault, wire.Line{Status: "OK", Detail: "500 10.0.3.3"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonHTTPStatusUnexpected, false, "a status below 500", true},
		{"http curl refused", httpDefault, wire.Line{Status: "CURL", Detail: "7 Failed to connect to web.internal port 80: Connection refused"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionRefused, false, "curl error 7", false},
		{"http curl no route", httpDefault, wire.Line{Status: "CURL", Detail: "7 Failed to connect to web.internal port 80: No route to host"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonNoRouteToHost, false, "No route", false},
		{"http curl dns", httpDefault, wire.Line{Status: "CURL", Detail: "6 Could not resolve host: web.internal"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonNameNotResolved, false, "Could not resolve host", false},
		{"http curl tls", httpT, wire.Line{Status: "CURL", Detail: "60 SSL certificate problem: unable to get local issuer certificate"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonTLSError, false, "SSL certificate problem", false},
		{"http curl other", httpT, wire.Line{Status: "CURL", Detail: "56 Recv failure: Connection reset by peer"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonHTTPError, false, "Connection reset", false},
		{"http timeout", httpT, wire.Line{Status: "TIMEOUT"},
			v1alpha1.ResultUnreachable, v1alpha1.ReasonConnectionTimedOut, false, "timed out after 5s", false},

		{"aws allowed", api, wire.Line{Status: "OK"},
			v1alpha1.ResultAllowed, v1alpha1.ReasonAPICallAllowed, true, "aws sns list-topics was allowed", false},
		{"aws seed 000 endpoint policy", api, wire.Line{Status: "ERROR", Detail: "\n" + seedVPCEndpointDeny + "\n"},
			v1alpha1.ResultDenied, string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy), false, "with an explicit deny in a VPC endpoint policy", false},
		{"aws seed 000 identity policy", api, wire.Line{Status: "ERROR", Detail: seedNoIdentityPolicy},
			v1alpha1.ResultDenied, string(v1alpha1.FindingAccessDeniedNoIdentityPolicy), false, "because no identity-based policy allows", false},
		{"aws denied as expected", denied, wire.Line{Status: "ERROR", Detail: seedNoIdentityPolicy},
			v1alpha1.ResultDenied, string(v1alpha1.FindingAccessDeniedNoIdentityPolicy), true, "SNS:ListTopics", false},
		{"aws allowed but denied expected", denied, wire.Line{Status: "OK"},
			v1alpha1.ResultAllowed, v1alpha1.ReasonAPICallAllowed, false, "was allowed", false},
		{"aws not found means allowed", head, wire.Line{Status: "ERROR", Detail: "An error occurred (404) when calling the HeadObject operation: Not Found"},
			v1alpha1.ResultAllowed, v1alpha1.ReasonAPICallAllowed, true, "AWS answered 404", false},
		// Issue 12 item 3: S3's semantics. A HEAD denial has no body.
		{"s3 head denied", head, wire.Line{Status: "ERROR", Detail: "An error occurred (403) when calling the HeadObject operation: Forbidden"},
			v1alpha1.ResultDenied, v1alpha1.ReasonAccessDenied, false, "does not exist and the role may not s3:ListBucket", false},
		{"s3 get bare access denied", getObject, wire.Line{Status: "ERROR", Detail: "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied"},
			v1alpha1.ResultDenied, v1alpha1.ReasonAccessDenied, false, "s3:ListBucket", false},
		{"s3 missing bucket is no permission", listObjects, wire.Line{Status: "ERROR", Detail: "An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified bucket does not exist"},
			v1alpha1.ResultUnknown, v1alpha1.ReasonAPICallFailed, false, "the bucket does not exist", false},
		{"s3 head bucket 404", headBucket, wire.Line{Status: "ERROR", Detail: "An error occurred (404) when calling the HeadBucket operation: Not Found"},
			v1alpha1.ResultUnknown, v1alpha1.ReasonAPICallFailed, false, "the bucket does not exist", false},
		{"aws endpoint timeout", api, wire.Line{Status: "ERROR", Detail: `Connect timeout on endpoint URL: "https://sns.ap-northeast-1.amazonaws.com/"`},
			v1alpha1.ResultUnknown, v1alpha1.ReasonAPICallTimedOut, false, "Connect timeout", false},
		{"aws could not connect", api, wire.Line{Status: "ERROR", Detail: `Could not connect to the endpoint URL: "https://sns.ap-northeast-1.amazonaws.com/"`},
			v1alpha1.ResultUnknown, v1alpha1.ReasonAPICallFailed, false, "Could not connect", false},
		{"aws no credentials", api, wire.Line{Status: "ERROR", Detail: "Unable to locate credentials. You can configure credentials by running \"aws configure\"."},
			v1alpha1.ResultUnknown, v1alpha1.ReasonAPICallFailed, false, "no task role credentials", false},
		{"aws timeout", denied, wire.Line{Status: "TIMEOUT"},
			v1alpha1.ResultUnknown, v1alpha1.ReasonAPICallTimedOut, false, "timed out after 5s", false},
		{"aws refused option", api, wire.Line{Status: "ERROR", Detail: "ecscheck: refused option --endpoint-url"},
			v1alpha1.ResultUnknown, v1alpha1.ReasonInvalidConfiguration, false, "refused option --endpoint-url", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Classify(tc.target, tc.line, 5*time.Second, vpc)
			if o.Result != tc.result || o.Reason != tc.reason || o.AsExpected != tc.expected || o.ViaVPCEndpoint != tc.viaVPC ||
				!strings.Contains(o.Message, tc.message) || !o.Probed || o.Target != tc.target.Name {
				t.Errorf("got %+v\nwant result %s reason %s asExpected %v viaVPC %v message ~%q",
					o, tc.result, tc.reason, tc.expected, tc.viaVPC, tc.message)
			}
		})
	}
}

// Without the VPC's CIDR (EC2 unreadable), private means RFC 1918.
func TestExpectPrivateAddressWithoutVPC(t *testing.T) {
	dns := v1alpha1.Target{Name: "d", DNS: &v1alpha1.DNSTarget{Name: "sns.ap-northeast-1.amazonaws.com", ExpectPrivateAddress: true}}
	if o := Classify(dns, wire.Line{Status: "OK", Detail: "10.0.1.169"}, time.Second, nil); o.Reason != v1alpha1.ReasonResolved || !o.AsExpected || o.ViaVPCEndpoint {
		t.Errorf("private: %+v", o)
	}
	if o := Classify(dns, wire.Line{Status: "OK", Detail: "10.0.1.169 54.239.1.1"}, time.Second, nil); o.Reason != v1alpha1.ReasonPublicAddressResolved || o.AsExpected {
		t.Errorf("mixed: %+v", o)
	}
}

func TestOutcomeTargetStatus(t *testing.T) {
	o := Classify(v1alpha1.Target{Name: "sns-https", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}},
		wire.Line{Status: "TIMEOUT", Detail: "10.0.1.169 10.0.2.248", Elapsed: 5 * time.Second}, 5*time.Second, vpc)
	ts := o.TargetStatus()
	if ts.Name != "sns-https" || ts.Result != v1alpha1.ResultUnreachable || ts.Reason != "ConnectionTimedOut" ||
		ts.Message != "TCP connect to 10.0.1.169:443 timed out after 5s" || len(ts.Addresses) != 2 || !ts.ViaVPCEndpoint || ts.LatencyMilliseconds != 5000 {
		t.Errorf("%+v", ts)
	}
}
