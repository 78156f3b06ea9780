package fakeaws

import (
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func loadIAM(t *testing.T) *Server {
	t.Helper()
	b, err := os.ReadFile("testdata/iam.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return startScenario(t, string(b))
}

// assumeTarget assumes the target account's role as the controller does for
// a check with spec.roleArn, and returns clients with those credentials.
func assumeTarget(t *testing.T, srv *Server, externalID string) (clients, error) {
	c := clientsFor(srv, "AKIDCONTROLLER")
	out, err := c.sts.AssumeRole(ctxT(t), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/ecscheck-target"), RoleSessionName: aws.String("ecscheck"),
		ExternalId: aws.String(externalID),
	})
	if err != nil {
		return clients{}, err
	}
	return clientsFor(srv, aws.ToString(out.Credentials.AccessKeyId)), nil
}

func TestAssumeRoleCrossAccount(t *testing.T) {
	srv := loadIAM(t)
	ctx := ctxT(t)
	c := clientsFor(srv, "AKIDCONTROLLER")
	id, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:sts::111111111111:assumed-role/ecscheck-controller/ecscheck" {
		t.Fatalf("controller identity %v %+v", err, id)
	}
	if _, err := assumeTarget(t, srv, "other-namespace"); err == nil {
		t.Fatal("AssumeRole with the wrong ExternalId succeeded")
	} else {
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" ||
			ae.ErrorMessage() != "User: arn:aws:sts::111111111111:assumed-role/ecscheck-controller/ecscheck is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/ecscheck-target" {
			t.Errorf("wrong ExternalId: %v", err)
		}
	}
	target, err := assumeTarget(t, srv, "payments")
	if err != nil {
		t.Fatal(err)
	}
	id, err = target.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "222222222222" || aws.ToString(id.Arn) != "arn:aws:sts::222222222222:assumed-role/ecscheck-target/ecscheck" {
		t.Fatalf("assumed identity %v %+v", err, id)
	}
	// The session sees the other account's resources, not the caller's.
	v, err := target.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(v.Vpcs) != 1 || aws.ToString(v.Vpcs[0].VpcId) != "vpc-other" {
		t.Errorf("vpcs seen through the assumed role: %v %+v", err, v)
	}
}

func TestIAMReads(t *testing.T) {
	srv := loadIAM(t)
	target, err := assumeTarget(t, srv, "payments")
	if err != nil {
		t.Fatal(err)
	}
	c, ctx := target.iam, ctxT(t)
	r, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("TaskRole")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(r.Role.Arn) != "arn:aws:iam::222222222222:role/app/TaskRole" || aws.ToString(r.Role.PermissionsBoundary.PermissionsBoundaryArn) == "" {
		t.Errorf("role %+v", r.Role)
	}
	// IAM returns documents URL-encoded; the caller decodes them.
	doc, err := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument))
	if err != nil || !strings.Contains(doc, `"Service":"ecs-tasks.amazonaws.com"`) || strings.Contains(aws.ToString(r.Role.AssumeRolePolicyDocument), `"`) {
		t.Errorf("trust policy %q (decoded %q)", aws.ToString(r.Role.AssumeRolePolicyDocument), doc)
	}
	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("TaskRole")})
	if err != nil || len(att.AttachedPolicies) != 2 || aws.ToString(att.AttachedPolicies[1].PolicyName) != "ReadOnlyAccess" {
		t.Errorf("attached %v %+v", err, att)
	}
	inl, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("TaskRole")})
	if err != nil || strings.Join(inl.PolicyNames, ",") != "sns-read" {
		t.Errorf("inline %v %+v", err, inl)
	}
	rp, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("TaskRole"), PolicyName: aws.String("sns-read")})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := url.QueryUnescape(aws.ToString(rp.PolicyDocument)); !strings.Contains(d, "sns:List*") {
		t.Errorf("inline document %q", d)
	}
	p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::222222222222:policy/exec-guard")})
	if err != nil || aws.ToString(p.Policy.DefaultVersionId) != "v1" || aws.ToInt32(p.Policy.AttachmentCount) != 1 {
		t.Fatalf("policy %v %+v", err, p)
	}
	pv, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := url.QueryUnescape(aws.ToString(pv.PolicyVersion.Document)); !strings.Contains(d, "ecs:ResourceTag/Login") {
		t.Errorf("version document %q", d)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Nope")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) || nse.ErrorMessage() != "The role with name Nope cannot be found." {
		t.Errorf("missing role: %v", err)
	}
}

// TestSimulatePrincipalPolicy evaluates seed 002's conditional denies and a
// permissions boundary the way IAM's simulator does.
func TestSimulatePrincipalPolicy(t *testing.T) {
	srv := loadIAM(t)
	target, err := assumeTarget(t, srv, "payments")
	if err != nil {
		t.Fatal(err)
	}
	sim := func(action, resource string, ctxEntries ...iamtypes.ContextEntry) iamtypes.EvaluationResult {
		t.Helper()
		out, err := target.iam.SimulatePrincipalPolicy(ctxT(t), &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::222222222222:role/app/TaskRole"),
			ActionNames:     []string{action}, ResourceArns: []string{resource}, ContextEntries: ctxEntries,
		})
		if err != nil || len(out.EvaluationResults) != 1 {
			t.Fatalf("simulate %s: %v %+v", action, err, out)
		}
		return out.EvaluationResults[0]
	}
	r := sim("sns:ListTopics", "*")
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != "sns-read" {
		t.Errorf("sns:ListTopics %+v", r)
	}
	r = sim("sqs:SendMessage", "*")
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("sqs:SendMessage %s", r.EvalDecision)
	}
	// ReadOnlyAccess allows iam:Get*, the boundary does not.
	r = sim("iam:GetRole", "*")
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny || r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Errorf("iam:GetRole through the boundary %+v", r)
	}
	cluster := "arn:aws:ecs:ap-northeast-1:222222222222:cluster/prod"
	// Without context the IfExists conditions hold: the deny applies.
	r = sim("ecs:ExecuteCommand", cluster)
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny {
		t.Errorf("ExecuteCommand without context %s", r.EvalDecision)
	}
	// With ResourceArns, IAM lists the keys it lacked per resource, not at
	// the top level (botocore: EvaluationResult.MissingContextValues).
	if len(r.MissingContextValues) != 0 || len(r.ResourceSpecificResults) != 1 ||
		strings.Join(r.ResourceSpecificResults[0].MissingContextValues, ",") != "aws:SourceVpc,ecs:ResourceTag/Login" {
		t.Errorf("missing context of ExecuteCommand: top %v, per resource %+v", r.MissingContextValues, r.ResourceSpecificResults)
	}
	entry := func(k, v string) iamtypes.ContextEntry {
		return iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyValues: []string{v}, ContextKeyType: iamtypes.ContextKeyTypeEnumString}
	}
	// Tag Login=true and the bastion VPC: neither deny applies, and nothing
	// allows ecs:ExecuteCommand.
	r = sim("ecs:ExecuteCommand", cluster, entry("ecs:ResourceTag/Login", "true"), entry("aws:SourceVpc", "vpc-bastion"))
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("ExecuteCommand from the bastion %s %+v", r.EvalDecision, r.MatchedStatements)
	}
	r = sim("ecs:ExecuteCommand", cluster, entry("ecs:ResourceTag/Login", "true"), entry("aws:SourceVpc", "vpc-elsewhere"))
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != "exec-guard" {
		t.Errorf("ExecuteCommand from elsewhere %+v", r)
	}
}
