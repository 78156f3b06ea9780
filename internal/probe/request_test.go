package probe

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe/script"
)

// The expected names are what botocore's xform_name(name, "-") returns.
func TestKebabCaseMatchesBotocore(t *testing.T) {
	for in, want := range map[string]string{
		"ListTopics": "list-topics", "DescribeDBInstances": "describe-db-instances",
		"GetObjectACL": "get-object-acl", "HeadObject": "head-object", "ListARNs": "list-arns",
		"DescribeVpcEndpoints": "describe-vpc-endpoints", "GetCallerIdentity": "get-caller-identity",
		"DescribeDBClusterParameterGroups": "describe-db-cluster-parameter-groups", "GetIPSet": "get-ip-set",
		"ListCACertificates": "list-ca-certificates", "ListIPv6Pools": "list-i-pv6-pools",
		"DescribeIpv6Pools": "describe-ipv6-pools", "GetSMSAttributes": "get-sms-attributes",
	} {
		if got := KebabCase(in); got != want {
			t.Errorf("KebabCase(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestWireTargetRefusesWhatAdmissionShouldHaveStopped(t *testing.T) {
	str := intstr.FromString
	bad := []v1alpha1.AWSAPITarget{
		{Service: "sns", Action: "Publish"},
		{Service: "sns", Action: "DeleteTopic"},
		{Service: "sns;id", Action: "ListTopics"},
		{Service: "--debug", Action: "ListTopics"},
		{Service: "-sns", Action: "ListTopics"},
		{Service: "sns", Action: "ListTopics", Args: map[string]intstr.IntOrString{"--endpoint-url": str("http://evil.example")}},
		{Service: "sns", Action: "ListTopics", Args: map[string]intstr.IntOrString{"--debu": str("")}},
		{Service: "sns", Action: "ListTopics", Args: map[string]intstr.IntOrString{"next-token": str("x")}},
		{Service: "sns", Action: "ListTopics", Args: map[string]intstr.IntOrString{"NextToken\u2010": str("x")}},
		{Service: "sns", Action: "ListTopics", Args: map[string]intstr.IntOrString{"NextToken": str(strings.Repeat("x", 1025))}},
		{Service: "sns", Action: "ListTopics", Args: map[string]intstr.IntOrString{"NextToken": {Type: 7}}},
	}
	for _, a := range bad {
		if _, err := WireTarget("t0", v1alpha1.Target{Name: "x", AWSAPI: &a}); err == nil {
			t.Errorf("accepted %+v", a)
		}
	}
}

// Arguments become one JSON document of request parameters, whatever they
// hold: option-like, file:// and http:// values and JSON syntax are data.
func TestWireTargetCarriesArgsAsOneJSONDocument(t *testing.T) {
	tg, err := WireTarget("t0", v1alpha1.Target{Name: "x", AWSAPI: &v1alpha1.AWSAPITarget{Service: "s3api", Action: "HeadBucket",
		Args: map[string]intstr.IntOrString{
			"Bucket":              intstr.FromString(`--endpoint-url=http://127.0.0.1:1","x":"`),
			"ExpectedBucketOwner": intstr.FromString("file:///etc/passwd"),
			"MaxResults":          intstr.FromInt32(5),
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Fields[0] != "s3api" || tg.Fields[1] != "head-bucket" || len(tg.Fields) != 3 {
		t.Fatalf("fields %q", tg.Fields)
	}
	doc, err := tg.AWSInput()
	want := `{"Bucket":"--endpoint-url=http://127.0.0.1:1\",\"x\":\"","ExpectedBucketOwner":"file:///etc/passwd","MaxResults":5}`
	if err != nil || string(doc) != want {
		t.Errorf("input = %s, %v\nwant %s", doc, err, want)
	}
	plain, _ := WireTarget("t1", v1alpha1.Target{Name: "y", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics"}})
	if doc, _ := plain.AWSInput(); string(doc) != "{}" {
		t.Errorf("no args: input %s", doc)
	}
}

// The script writes every aws CLI option itself: no word of the aws command
// line comes from the request except the service, the command and the
// value of --cli-input-json.
func TestScriptWritesEveryAWSOption(t *testing.T) {
	src := string(script.Bytes)
	if !strings.Contains(src, `"$svc" "$cmd" --cli-input-json "$input" >/dev/null`) {
		t.Error("probe.sh does not end the aws command line with the service, the command and --cli-input-json")
	}
}
