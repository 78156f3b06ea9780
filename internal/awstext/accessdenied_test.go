package awstext_test

import (
	"strings"
	"testing"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awstext"
)

// Seed 000's two messages, verbatim, once with the article's region
// placeholder and once with a region.
const (
	seed000EndpointDeny = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:<region-name>:123456789012:* with an explicit deny in a VPC endpoint policy"
	seed000NoIdentity   = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:<region-name>:123456789012:* because no identity-based policy allows the SNS:ListTopics action"

	seedVPCEndpointDeny  = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:us-east-1:123456789012:* with an explicit deny in a VPC endpoint policy"
	seedNoIdentityPolicy = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:us-east-1:123456789012:* because no identity-based policy allows the SNS:ListTopics action"
)

func TestParseAccessDeniedSeedMessages(t *testing.T) {
	for _, tc := range []struct {
		text, reason, clause string
		explicit             bool
	}{
		{seedVPCEndpointDeny, string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy), "with an explicit deny in a VPC endpoint policy", true},
		{seedNoIdentityPolicy, string(v1alpha1.FindingAccessDeniedNoIdentityPolicy), "because no identity-based policy allows the SNS:ListTopics action", false},
	} {
		d, ok := awstext.ParseAccessDenied("\n" + tc.text + "\n")
		if !ok {
			t.Fatalf("not a denial: %s", tc.text)
		}
		if d.Reason != tc.reason || d.Explicit != tc.explicit || d.Code != "AuthorizationError" ||
			d.Principal != "arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012" ||
			d.Action != "SNS:ListTopics" || d.Resource != "arn:aws:sns:us-east-1:123456789012:*" || d.Clause != tc.clause ||
			d.Finding() != v1alpha1.FindingCode(tc.reason) {
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
		"": v1alpha1.ReasonAccessDenied,
	} {
		d, ok := awstext.ParseAccessDenied(head + tail)
		if !ok || d.Reason != want || d.Resource != "arn:aws:s3:::*" {
			t.Errorf("%q: got %+v, want %s", tail, d, want)
		}
	}
	d, _ := awstext.ParseAccessDenied(head + "with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/deny-all")
	if d.PolicyArn != "arn:aws:iam::111122223333:policy/deny-all" || d.PolicyType != "identity-based policy" {
		t.Errorf("policy ARN = %q, type %q", d.PolicyArn, d.PolicyType)
	}
}

func TestParseAccessDeniedIgnoresOtherErrors(t *testing.T) {
	for _, text := range []string{
		"An error occurred (NotFound) when calling the HeadObject operation: Not Found",
		"Could not connect to the endpoint URL: \"https://sns.ap-northeast-1.amazonaws.com/\"",
		"An error occurred (Throttling) when calling the ListTopics operation (reached max retries: 2): Rate exceeded",
	} {
		if d, ok := awstext.ParseAccessDenied(text); ok {
			t.Errorf("%q read as a denial: %+v", text, d)
		}
	}
}

func TestClassifyAccessDenied(t *testing.T) {
	const head = "User: arn:aws:sts::123456789012:assumed-role/TaskRole/s is not authorized to perform: sqs:ListQueues on resource: arn:aws:sqs:ap-northeast-1:123456789012: "
	cases := []struct {
		text string
		want v1alpha1.FindingCode
	}{
		{seed000EndpointDeny, v1alpha1.FindingAccessDeniedVPCEndpointPolicy},
		{seed000NoIdentity, v1alpha1.FindingAccessDeniedNoIdentityPolicy},
		{head + "because no VPC endpoint policy allows the sqs:ListQueues action", v1alpha1.FindingAccessDeniedVPCEndpointPolicy},
		{head + "with an explicit deny in an identity-based policy", v1alpha1.FindingAccessDeniedExplicitIdentityPolicy},
		{head + "with an explicit deny in a service control policy", v1alpha1.FindingAccessDeniedServiceControlPolicy},
		{head + "because no service control policy allows the sqs:ListQueues action", v1alpha1.FindingAccessDeniedServiceControlPolicy},
		{head + "because no permissions boundary allows the sqs:ListQueues action", v1alpha1.FindingAccessDeniedPermissionsBoundary},
		{head + "because no resource-based policy allows the sqs:ListQueues action", v1alpha1.FindingAccessDeniedResourcePolicy},
		{head + "because no session policy allows the sqs:ListQueues action", v1alpha1.FindingAccessDeniedSessionPolicy},
		{head + "with an explicit deny in a resource control policy", v1alpha1.FindingAccessDeniedServiceControlPolicy},
		// A quoted denial inside a stop reason, as seed 001's ResourceInitializationError carries it.
		{"ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log group: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/abc is not authorized to perform: logs:CreateLogGroup on resource: arn:aws:logs:ap-northeast-1:123456789012:log-group:/ecs/app:log-stream: because no identity-based policy allows the logs:CreateLogGroup action\n\tstatus code: 400, request id: 1f2e : exit status 1", v1alpha1.FindingAccessDeniedNoIdentityPolicy},
	}
	for _, c := range cases {
		got, ok := awstext.ClassifyAccessDenied(c.text)
		if !ok || got != c.want {
			t.Errorf("ClassifyAccessDenied(%q) = %s, %v; want %s", c.text, got, ok, c.want)
		}
	}
	for _, text := range []string{
		"An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied",
		"User: arn:aws:sts::123456789012:assumed-role/TaskRole/s is not authorized to perform: sns:ListTopics",
		"Could not connect to the endpoint URL: \"https://sns.ap-northeast-1.amazonaws.com/\"",
	} {
		if got, ok := awstext.ClassifyAccessDenied(text); ok {
			t.Errorf("ClassifyAccessDenied(%q) = %s; want no policy type", text, got)
		}
	}
	if !awstext.IsAccessDenied("An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied") {
		t.Error("S3's bare Access Denied is an access denial")
	}
	if awstext.IsAccessDenied("Connect timeout on endpoint URL") {
		t.Error("a timeout is not an access denial")
	}
}

// What the probe's and diagnosis' readers each did better, together: the
// quoted denial's clause and resource, the Principal form, a clause that
// ends a sentence, and denial codes without the usual words.
func TestParseAccessDeniedDetails(t *testing.T) {
	d, ok := awstext.ParseAccessDenied("ResourceInitializationError: unable to pull secrets: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/Exec/0123 is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:ap-northeast-1:123456789012:key/1234 because no identity-based policy allows the kms:Decrypt action")
	if !ok || d.Action != "kms:Decrypt" || d.Resource != "arn:aws:kms:ap-northeast-1:123456789012:key/1234" ||
		d.Principal != "arn:aws:sts::123456789012:assumed-role/Exec/0123" || d.Clause != "because no identity-based policy allows the kms:Decrypt action" {
		t.Errorf("quoted denial: %+v", d)
	}
	d, ok = awstext.ParseAccessDenied("Principal: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: ecs:ExecuteCommand on resource: arn:aws:ecs:ap-northeast-1:123456789012:task/prod/abc with an explicit deny. Contact your administrator.")
	if !ok || d.Principal != "arn:aws:sts::123456789012:assumed-role/R/s" || d.Clause != "with an explicit deny" || !d.Explicit ||
		d.Reason != v1alpha1.ReasonAccessDenied || d.Finding() != "" {
		t.Errorf("explicit deny naming no policy type: %+v", d)
	}
	d, _ = awstext.ParseAccessDenied("User: arn:aws:iam::123456789012:user/u is not authorized to perform: sns:Publish on resource: arn:aws:sns:ap-northeast-1:123456789012:orders.")
	if d == nil || d.Resource != "arn:aws:sns:ap-northeast-1:123456789012:orders" {
		t.Errorf("resource at the end of a sentence: %+v", d)
	}
	for _, text := range []string{
		"An error occurred (Forbidden) when calling the GetObject operation: Forbidden",
		"An error occurred (UnauthorizedOperation) when calling the DescribeVpcs operation: You are not authorized to perform this operation.",
	} {
		if !awstext.IsAccessDenied(text) {
			t.Errorf("%q is an access denial", text)
		}
	}
	if got := awstext.NormalizeAction("SNS:ListTopics"); got != "sns:ListTopics" {
		t.Errorf("NormalizeAction = %q", got)
	}
}

// Issue 12 item 5: KMS's current wording names no resource and three
// causes, all about the key; and S3's bodiless HEAD denial (item 3).
func TestParseAccessDeniedKMSAndHead(t *testing.T) {
	for _, text := range []string{
		"AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/Exec/0123 is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access",
		"User: arn:aws:sts::123456789012:assumed-role/Exec/0123 is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access",
	} {
		d, ok := awstext.ParseAccessDenied(text)
		if !ok || !d.KeyPolicy || d.Action != "kms:Decrypt" || d.Resource != "" || d.Finding() != v1alpha1.FindingAccessDeniedResourcePolicy ||
			!strings.HasPrefix(d.Clause, "because the resource does not exist in this Region") {
			t.Errorf("KMS denial %q: %+v", text, d)
		}
	}
	d, ok := awstext.ParseAccessDenied("\nAn error occurred (403) when calling the HeadObject operation: Forbidden\n")
	if !ok || d.Code != "403" || d.Reason != v1alpha1.ReasonAccessDenied {
		t.Errorf("S3 HEAD denial: %+v %v", d, ok)
	}
}

// Found by FuzzParseAccessDenied: lower-casing U+023A grows the text, and
// the policy type was cut from the original at the lower-cased index.
func TestAccessDeniedWithCharactersThatGrowWhenLowerCased(t *testing.T) {
	d, ok := awstext.ParseAccessDenied("User: x is not authorized to perform: sns:ListTopics with an explicit deny in a \u023a VPC endpoint policy")
	if !ok || d.Reason != string(v1alpha1.FindingAccessDeniedVPCEndpointPolicy) || !d.Explicit {
		t.Fatalf("%+v", d)
	}
}
