package fakeaws

import (
	"net/url"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	motoTrust  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	motoInline = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssmmessages:CreateControlChannel","ssmmessages:OpenDataChannel"],"Resource":"*"}]}`
	motoGuard  = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ecs:ExecuteCommand","Resource":"*","Condition":{"StringNotEqualsIfExists":{"ecs:ResourceTag/Login":"true"}}}]}`
)

// decoded reads an IAM policy document: AWS URL-encodes them (RFC 3986);
// decoding also accepts a document sent plain. Spacing is normalised.
func decoded(s *string) string {
	d, err := url.QueryUnescape(aws.ToString(s))
	if err != nil {
		d = aws.ToString(s)
	}
	return compactJSON(d)
}

func TestMotoIAMAndSTS(t *testing.T) {
	mustT = t
	mc := motoClients(t, "us-east-1")
	ctx := ctxT(t)
	must(mc.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("DiffTaskRole"), Path: aws.String("/app/"),
		AssumeRolePolicyDocument: aws.String(motoTrust), Description: aws.String("diff")}))
	must(mc.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("DiffTaskRole"), PolicyName: aws.String("exec"), PolicyDocument: aws.String(motoInline)}))
	pol := must(mc.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("diff-exec-guard"), PolicyDocument: aws.String(motoGuard)}))
	must(mc.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("DiffTaskRole"), PolicyArn: pol.Policy.Arn}))

	srv := startServer(t, &Scenario{Region: "us-east-1", Accounts: []*Account{{
		ID: motoAccount,
		Roles: []*Role{{Name: "DiffTaskRole", Path: "/app/", Description: "diff", TrustPolicy: PolicyDocument(motoTrust),
			Inline: map[string]PolicyDocument{"exec": motoInline}, Attached: []string{aws.ToString(pol.Policy.Arn)}}},
		Policies: []*ManagedPolicy{{Name: "diff-exec-guard", Document: motoGuard}},
	}}})
	fc := clientsFor(srv, "AKIDANY")
	both := func(call func(c clients) any) (any, any) { return call(mc), call(fc) }

	m, f := both(func(c clients) any {
		r := must(c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("DiffTaskRole")})).Role
		return []string{str(r.Arn), str(r.RoleName), str(r.Path), str(r.Description), itoa32(r.MaxSessionDuration), decoded(r.AssumeRolePolicyDocument)}
	})
	same(t, "GetRole", m, f)

	m, f = both(func(c clients) any {
		var v []string
		for _, p := range must(c.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("DiffTaskRole")})).AttachedPolicies {
			v = append(v, str(p.PolicyName)+" "+str(p.PolicyArn))
		}
		names := must(c.iam.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("DiffTaskRole")})).PolicyNames
		sort.Strings(names)
		v = append(v, names...)
		rp := must(c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("DiffTaskRole"), PolicyName: aws.String("exec")}))
		return append(v, str(rp.RoleName), str(rp.PolicyName), decoded(rp.PolicyDocument))
	})
	same(t, "ListAttachedRolePolicies+ListRolePolicies+GetRolePolicy", m, f)

	m, f = both(func(c clients) any {
		p := must(c.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: pol.Policy.Arn})).Policy
		pv := must(c.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: p.DefaultVersionId})).PolicyVersion
		return []string{str(p.PolicyName), str(p.Arn), str(p.Path), str(p.DefaultVersionId), itoa32(p.AttachmentCount),
			bstr(p.IsAttachable), str(pv.VersionId), bstr(pv.IsDefaultVersion), decoded(pv.Document)}
	})
	same(t, "GetPolicy+GetPolicyVersion", m, f)

	m, f = both(func(c clients) any {
		_, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("NoSuchDiffRole")})
		return errorCode(err)
	})
	same(t, "GetRole error", m, f)

	// AssumeRole into the role, then who am I: both name the session.
	m, f = both(func(c clients) any {
		out := must(c.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/app/DiffTaskRole"), RoleSessionName: aws.String("diff")}))
		var url string
		if c.sts == mc.sts {
			url = motoURL(t)
		} else {
			url = srv.URL()
		}
		as := sdkClients(sdkConfig(url, str(out.Credentials.AccessKeyId), "us-east-1"))
		id := must(as.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
		return []string{str(out.AssumedRoleUser.Arn), str(id.Account), str(id.Arn)}
	})
	same(t, "AssumeRole+GetCallerIdentity", m, f)
	// SimulatePrincipalPolicy is not compared: moto does not implement it
	// (TestSimulatePrincipalPolicy checks the fake's evaluation instead).
}
