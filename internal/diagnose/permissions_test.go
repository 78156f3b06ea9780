package diagnose_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/diagnose/motoenv"
)

// listTopics is the denial of `aws sns list-topics` by the fixture's task
// role, with the policy-type clause AWS appends ("" for none).
func (f *fixture) listTopics(clause string) diagnose.APIDenial {
	msg := "An error occurred (AuthorizationError) when calling the ListTopics operation: User: arn:aws:sts::" + motoenv.Account +
		":assumed-role/" + f.TaskRole + "/" + motoenv.Account + " is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:" +
		region + ":" + motoenv.Account + ":*"
	if clause != "" {
		msg += " " + clause
	}
	return diagnose.APIDenial{Target: "sns-list-topics", Service: "sns", Action: "ListTopics", Message: msg}
}

const allowAllEndpointPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// Seed 000's first message: an explicit deny in the endpoint's policy.
func TestAccessDeniedVPCEndpointPolicyExplicit(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	ep := f.Endpoints["sns"]
	f.ModifyEndpoint(&ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(ep), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
		{"Sid":"NoListing","Effect":"Deny","Principal":"*","Action":"sns:List*","Resource":"*"}]}`)})

	fs := f.target(f.listTopics("with an explicit deny in a VPC endpoint policy"))
	requireFinding(t, fs, v1alpha1.FindingAccessDeniedVPCEndpointPolicy, ep,
		"The policy of VPC endpoint "+ep+" (com.amazonaws."+region+".sns) denies sns:ListTopics", "statement NoListing",
		"aws ec2 modify-vpc-endpoint --vpc-endpoint-id "+ep+" --policy-document")

	f.ModifyEndpoint(&ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(ep), PolicyDocument: aws.String(allowAllEndpointPolicy)})
	f.fresh()
	requireNone(t, f.target(f.listTopics(""))) // a denial naming no policy type blames nothing that now allows
}

func TestAccessDeniedVPCEndpointPolicyNoAllow(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	ep := f.Endpoints["sns"]
	f.ModifyEndpoint(&ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(ep), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"*"}]}`)})

	fs := f.target(f.listTopics("because no VPC endpoint policy allows the SNS:ListTopics action"))
	requireFinding(t, fs, v1alpha1.FindingAccessDeniedVPCEndpointPolicy, ep,
		"has no statement allowing sns:ListTopics", `"Action":"sns:ListTopics"`)
	// The message alone, without the clause, leads to the same endpoint.
	requireFinding(t, f.target(f.listTopics("")), v1alpha1.FindingAccessDeniedVPCEndpointPolicy, ep)

	f.ModifyEndpoint(&ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(ep), PolicyDocument: aws.String(allowAllEndpointPolicy)})
	f.fresh()
	requireNone(t, f.target(f.listTopics("")))
}

// Seed 000's second message: the task role lacks the permission.
func TestAccessDeniedNoIdentityPolicy(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	f.PutRolePolicy(f.TaskRole, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`)

	fs := f.target(f.listTopics("because no identity-based policy allows the SNS:ListTopics action"))
	requireFinding(t, fs, v1alpha1.FindingAccessDeniedNoIdentityPolicy, f.TaskRoleArn,
		"No policy of task role "+f.TaskRole+" allows sns:ListTopics", "read from the role's only policy",
		"Add an Allow statement for sns:ListTopics", `"Action":"sns:ListTopics"`)
	requireFinding(t, f.target(f.listTopics("")), v1alpha1.FindingAccessDeniedNoIdentityPolicy, f.TaskRoleArn)

	f.PutRolePolicy(f.TaskRole, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}`)
	f.fresh()
	requireNone(t, f.target(f.listTopics("")))
}

func TestAccessDeniedExplicitIdentityPolicy(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	f.PutRolePolicy(f.TaskRole, "guardrail", `{"Version":"2012-10-17","Statement":[{"Sid":"NoSNSListing","Effect":"Deny","Action":"sns:ListTopics","Resource":"*"}]}`)

	fs := f.target(f.listTopics("with an explicit deny in an identity-based policy"))
	requireFinding(t, fs, v1alpha1.FindingAccessDeniedExplicitIdentityPolicy, f.TaskRoleArn,
		`Statement NoSNSListing of inline policy "guardrail" of role `+f.TaskRole+" denies sns:ListTopics",
		"Remove sns:ListTopics from that statement's Action")
	requireFinding(t, f.target(f.listTopics("")), v1alpha1.FindingAccessDeniedExplicitIdentityPolicy, f.TaskRoleArn)

	f.DeleteRolePolicy(f.TaskRole, "guardrail")
	f.fresh()
	requireNone(t, f.target(f.listTopics("")))
}

func TestAccessDeniedPermissionsBoundary(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	boundary := f.Policy(unique("boundary"), `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","ssmmessages:*"],"Resource":"*"}]}`)
	role := unique("BoundedRole")
	f.TaskRoleArn = f.Role(role, boundary)
	f.TaskRole = role
	f.PutRolePolicy(role, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}`)

	fs := f.target(f.listTopics("because no permissions boundary allows the SNS:ListTopics action"))
	requireFinding(t, fs, v1alpha1.FindingAccessDeniedPermissionsBoundary, boundary,
		"Permissions boundary "+boundary+" of role "+role+" does not allow sns:ListTopics", "add sns:ListTopics to the boundary policy")
	// Without the clause the boundary is found from the role's documents.
	requireFinding(t, f.target(f.listTopics("")), v1alpha1.FindingAccessDeniedPermissionsBoundary, boundary)
}

// The policy types diagnosis cannot read (SCPs, resource and session
// policies) are named from AWS's message, with who must change what.
func TestAccessDeniedFromMessageAlone(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	fs := f.target(f.listTopics("with an explicit deny in a service control policy"))
	requireFinding(t, fs, v1alpha1.FindingAccessDeniedServiceControlPolicy, motoenv.Account,
		"A service control policy of AWS Organizations denies sns:ListTopics", "ask the organization's administrators")

	fs = f.target(f.listTopics("because no session policy allows the SNS:ListTopics action"))
	requireFinding(t, fs, v1alpha1.FindingAccessDeniedSessionPolicy, "arn:aws:iam::"+motoenv.Account+":role/"+f.TaskRole, "session policy")

	kms := diagnose.APIDenial{Service: "kms", Action: "DescribeKey", Message: "User: arn:aws:sts::" + motoenv.Account + ":assumed-role/" + f.TaskRole +
		"/x is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:" + region + ":" + motoenv.Account + ":key/1234 because no resource-based policy allows the kms:DescribeKey action"}
	fs = f.target(kms)
	got := requireFinding(t, fs, v1alpha1.FindingAccessDeniedResourcePolicy, "arn:aws:kms:"+region+":"+motoenv.Account+":key/1234",
		"Add a statement to that resource's policy allowing kms:DescribeKey")
	if !strings.Contains(got.Message, f.TaskRole) {
		t.Fatalf("the message should name the role: %s", got.Message)
	}
}
