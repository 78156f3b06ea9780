package diagnose

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// rolePolicies are the policies that decide what a role may do.
type rolePolicies struct {
	arn, name string
	// missing: the role does not exist.
	missing bool
	docs    []*policyDoc
	// boundary is the permissions boundary, nil without one.
	boundary *policyDoc
	// unreadable names policies diagnosis could not read; "no policy
	// allows" is then not proven.
	unreadable []string
}

// role reads (or returns the cached) policies of a role. Read errors other
// than the role missing are recorded in unreadable, not returned: the
// controller may lack iam:Get* and diagnosis then leans on what it has.
func (d *Diagnoser) role(ctx context.Context, c *awsclient.Clients, arn string) (*rolePolicies, error) {
	return d.roles.GetOrLoad(ctx, c.Scope()+"|"+arn, d.ttl, func(ctx context.Context) (*rolePolicies, error) {
		return readRole(ctx, c.IAM, arn)
	})
}

func readRole(ctx context.Context, api awsclient.IAMAPI, arn string) (*rolePolicies, error) {
	rp := &rolePolicies{arn: arn, name: roleName(arn)}
	got, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(rp.name)})
	switch {
	case awsclient.Classify(err) == awsclient.ClassNotFound:
		rp.missing = true
		return rp, nil
	case awsclient.Classify(err) == awsclient.ClassCanceled:
		return nil, err
	case err != nil:
		rp.unreadable = append(rp.unreadable, "role "+rp.name+" ("+awsclient.Code(err)+")")
	default:
		rp.arn = aws.ToString(got.Role.Arn)
		if b := got.Role.PermissionsBoundary; b != nil && aws.ToString(b.PermissionsBoundaryArn) != "" {
			doc, err := readManaged(ctx, api, aws.ToString(b.PermissionsBoundaryArn))
			if err != nil {
				rp.unreadable = append(rp.unreadable, aws.ToString(b.PermissionsBoundaryArn))
			}
			rp.boundary = doc
		}
	}

	inline := iam.NewListRolePoliciesPaginator(api, &iam.ListRolePoliciesInput{RoleName: aws.String(rp.name)})
	for inline.HasMorePages() {
		page, err := inline.NextPage(ctx)
		if err != nil {
			rp.unreadable = append(rp.unreadable, "the inline policies of "+rp.name)
			break
		}
		for _, name := range page.PolicyNames {
			out, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(rp.name), PolicyName: aws.String(name)})
			if err != nil {
				rp.unreadable = append(rp.unreadable, "inline policy "+name)
				continue
			}
			doc, err := parsePolicy(fmt.Sprintf("inline policy %q of role %s", name, rp.name), aws.ToString(out.PolicyDocument))
			if err != nil {
				rp.unreadable = append(rp.unreadable, "inline policy "+name)
				continue
			}
			rp.docs = append(rp.docs, doc)
		}
	}

	attached := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(rp.name)})
	for attached.HasMorePages() {
		page, err := attached.NextPage(ctx)
		if err != nil {
			rp.unreadable = append(rp.unreadable, "the attached policies of "+rp.name)
			break
		}
		for _, p := range page.AttachedPolicies {
			doc, err := readManaged(ctx, api, aws.ToString(p.PolicyArn))
			if err != nil {
				rp.unreadable = append(rp.unreadable, aws.ToString(p.PolicyArn))
				continue
			}
			rp.docs = append(rp.docs, doc)
		}
	}
	return rp, nil
}

// readManaged reads the default version of a managed policy.
func readManaged(ctx context.Context, api awsclient.IAMAPI, arn string) (*policyDoc, error) {
	p, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	v, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		return nil, err
	}
	return parsePolicy("managed policy "+arn, aws.ToString(v.PolicyVersion.Document))
}
