package probe

import (
	"testing"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// Seed 000's two messages, verbatim but for the region placeholder.
const (
	seedVPCEndpointDeny  = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:us-east-1:123456789012:* with an explicit deny in a VPC endpoint policy"
	seedNoIdentityPolicy = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:us-east-1:123456789012:* because no identity-based policy allows the SNS:ListTopics action"
)

func TestParseAccessDeniedSeedMessages(t *testing.T) {
	for _, tc := range []struct {
		text, reason string
		explicit     bool
	}{
		{seedVPCEndpointDeny, string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy), true},
		{seedNoIdentityPolicy, string(v1alpha1.FindingAccessDeniedNoIdentityPolicy), false},
	} {
		d, ok := ParseAccessDenied("\n" + tc.text + "\n")
		if !ok {
			t.Fatalf("not a denial: %s", tc.text)
		}
		if d.Reason != tc.reason || d.Explicit != tc.explicit || d.Code != "AuthorizationError" ||
			d.Principal != "arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012" ||
			d.Action != "SNS:ListTopics" || d.Resource != "arn:aws:sns:us-east-1:123456789012:*" {
			t.Errorf("%+v", d)
		}
	}
}

func TestParseAccessDeniedPolicyTypes(t *testing.T) {
	const head = "An error occurred (AccessDenied) when calling the ListBuckets operation: User: arn:aws:sts::111122223333:assumed-role/R/s is not authorized to perform: s3:ListAllMyBuckets on resource: \"arn:aws:s3:::*\" "
	for tail, want := range map[string]string{
		"because no identity-based policy allows the s3:ListAllMyBuckets action":                       string(v1alpha1.FindingAccessDeniedNoIdentityPolicy),
		"with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/deny-all": string(v1alpha1.FindingAccessDeniedExplicitIdentityPolicy),
		"with an explicit deny in a service control policy":                                            string(v1alpha1.FindingAccessDeniedServiceControlPolicy),
		"because no service control policy allows the s3:ListAllMyBuckets action":                      string(v1alpha1.FindingAccessDeniedServiceControlPolicy),
		"with an explicit deny in a permissions boundary":                                              string(v1alpha1.FindingAccessDeniedPermissionsBoundary),
		"because no permissions boundary allows the s3:ListAllMyBuckets action":                        string(v1alpha1.FindingAccessDeniedPermissionsBoundary),
		"with an explicit deny in a resource-based policy":                                             string(v1alpha1.FindingAccessDeniedResourcePolicy),
		"because no resource-based policy allows the s3:ListAllMyBuckets action":                       string(v1alpha1.FindingAccessDeniedResourcePolicy),
		"with an explicit deny in a session policy":                                                    string(v1alpha1.FindingAccessDeniedSessionPolicy),
		"because no session policy allows the s3:ListAllMyBuckets action":                              string(v1alpha1.FindingAccessDeniedSessionPolicy),
		"because no VPC endpoint policy allows the s3:ListAllMyBuckets action":                         string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy),
		"with an explicit deny in a resource control policy":                                           string(v1alpha1.FindingAccessDeniedServiceControlPolicy),
		"": ReasonAccessDenied,
	} {
		d, ok := ParseAccessDenied(head + tail)
		if !ok || d.Reason != want || d.Resource != "arn:aws:s3:::*" {
			t.Errorf("%q: got %+v, want %s", tail, d, want)
		}
	}
	d, _ := ParseAccessDenied(head + "with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/deny-all")
	if d.PolicyArn != "arn:aws:iam::111122223333:policy/deny-all" {
		t.Errorf("policy ARN = %q", d.PolicyArn)
	}
}

func TestParseAccessDeniedIgnoresOtherErrors(t *testing.T) {
	for _, text := range []string{
		"An error occurred (NotFound) when calling the HeadObject operation: Not Found",
		"Could not connect to the endpoint URL: \"https://sns.ap-northeast-1.amazonaws.com/\"",
		"An error occurred (Throttling) when calling the ListTopics operation (reached max retries: 2): Rate exceeded",
	} {
		if d, ok := ParseAccessDenied(text); ok {
			t.Errorf("%q read as a denial: %+v", text, d)
		}
	}
}
