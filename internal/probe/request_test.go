package probe

import (
	"strings"
	"testing"

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
	bad := []v1alpha1.AWSAPITarget{
		{Service: "sns", Action: "Publish"},
		{Service: "sns", Action: "DeleteTopic"},
		{Service: "sns;id", Action: "ListTopics"},
		{Service: "sns", Action: "ListTopics", Args: map[string]v1alpha1.ArgValue{"--endpoint-url": "http://evil.example"}},
		{Service: "sns", Action: "ListTopics", Args: map[string]v1alpha1.ArgValue{"--debug": ""}},
		{Service: "sns", Action: "ListTopics", Args: map[string]v1alpha1.ArgValue{"--next-token": "file:///etc/passwd"}},
		{Service: "sns", Action: "ListTopics", Args: map[string]v1alpha1.ArgValue{"--next-token": "$(id)"}},
		{Service: "sns", Action: "ListTopics", Args: map[string]v1alpha1.ArgValue{"-x": "1"}},
	}
	for _, a := range bad {
		if _, err := WireTarget("t0", v1alpha1.Target{Name: "x", AWSAPI: &a}); err == nil {
			t.Errorf("accepted %+v", a)
		}
	}
	tg, err := WireTarget("t0", v1alpha1.Target{Name: "x", AWSAPI: &v1alpha1.AWSAPITarget{Service: "s3api", Action: "HeadBucket",
		Args: map[string]v1alpha1.ArgValue{"--bucket": "my-bucket", "--expected-bucket-owner": "123456789012"}}})
	if err != nil || strings.Join(tg.Fields, " ") != "s3api head-bucket --bucket my-bucket --expected-bucket-owner 123456789012" {
		t.Errorf("got %+v, %v", tg, err)
	}
}

// The script refuses the same options as the controller.
func TestScriptRefusesTheSameOptions(t *testing.T) {
	src := string(script.Bytes)
	for _, o := range RefusedAWSOptions {
		if !strings.Contains(src, o+" |") && !strings.Contains(src, o+")") {
			t.Errorf("probe.sh does not refuse %s", o)
		}
	}
}
