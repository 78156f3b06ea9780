package diagnose_test

import (
	"testing"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
)

// The AccessDenied messages of seed 000, verbatim, and AWS's other
// policy-type clauses.
const (
	seed000EndpointDeny = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:<region-name>:123456789012:* with an explicit deny in a VPC endpoint policy"
	seed000NoIdentity   = "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:<region-name>:123456789012:* because no identity-based policy allows the SNS:ListTopics action"
)

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
		got, ok := diagnose.ClassifyAccessDenied(c.text)
		if !ok || got != c.want {
			t.Errorf("ClassifyAccessDenied(%q) = %s, %v; want %s", c.text, got, ok, c.want)
		}
	}
	for _, text := range []string{
		"An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied",
		"User: arn:aws:sts::123456789012:assumed-role/TaskRole/s is not authorized to perform: sns:ListTopics",
		"Could not connect to the endpoint URL: \"https://sns.ap-northeast-1.amazonaws.com/\"",
	} {
		if got, ok := diagnose.ClassifyAccessDenied(text); ok {
			t.Errorf("ClassifyAccessDenied(%q) = %s; want no policy type", text, got)
		}
	}
	if !diagnose.IsAccessDenied("An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied") {
		t.Error("S3's bare Access Denied is an access denial")
	}
	if diagnose.IsAccessDenied("Connect timeout on endpoint URL") {
		t.Error("a timeout is not an access denial")
	}
}
