package diagnose

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// diagnoseDenial explains an AWS API call the task role was refused: the
// policy type AWS names in the message picks the policy to read, and the
// finding names it and the statement or permission to change.
func (d *Diagnoser) diagnoseDenial(ctx context.Context, c *awsclient.Clients, n Network, f APIDenial) ([]v1alpha1.Finding, error) {
	den, _ := parseDenial(f.Message)
	if den.action == "" && f.Action != "" {
		den.action = iamAction(f.Service, f.Action)
	}
	if f.Service == "" {
		f.Service, _, _ = strings.Cut(den.action, ":")
	}
	role := n.TaskRoleArn
	if role == "" && isAssumedRole(den.principal) {
		role = den.principal
	}
	role = roleArn(role, n.Account)
	out := newCollector()
	code := den.code
	if code == "" {
		var err error
		if code, err = d.inferDenial(ctx, c, n, f, den, role); err != nil || code == "" {
			return nil, err
		}
	}
	switch code {
	case v1alpha1.FindingAccessDeniedVPCEndpointPolicy:
		return d.endpointPolicyDenial(ctx, c, n, f, den, role)
	case v1alpha1.FindingAccessDeniedNoIdentityPolicy, v1alpha1.FindingAccessDeniedExplicitIdentityPolicy:
		if err := d.identityDenial(ctx, c, n, out, code, den, role); err != nil {
			return nil, err
		}
	case v1alpha1.FindingAccessDeniedPermissionsBoundary:
		rp, err := d.role(ctx, c, role)
		if err != nil {
			return nil, err
		}
		res := role
		name := "The permissions boundary of role " + roleName(role)
		if rp.boundary != nil {
			res = strings.TrimPrefix(rp.boundary.name, "managed policy ")
			name = "Permissions boundary " + res + " of role " + roleName(role)
		}
		out.add("", code, res, "%s does not allow %s on %s (%s). The boundary caps what the role's own policies grant: add %s to the boundary policy, or remove the boundary from the role.",
			name, den.action, orAny(den.resource), den.why(), den.action)
	case v1alpha1.FindingAccessDeniedServiceControlPolicy:
		acct := firstNonEmpty(accountOf(role), n.Account)
		kind := "A service control policy"
		if strings.Contains(strings.ToLower(den.clause), "resource control policy") {
			kind = "A resource control policy"
		}
		out.add("", code, acct, "%s of AWS Organizations denies %s on %s for account %s (%s). No change to the role helps: ask the organization's administrators to allow %s in the policies attached to the account or its OU.",
			kind, den.action, orAny(den.resource), acct, den.why(), den.action)
	case v1alpha1.FindingAccessDeniedResourcePolicy:
		if den.keyPolicy {
			out.add("", code, firstNonEmpty(den.resource, role), "%s", keyPolicyMessage("Role "+roleName(role)+" was refused "+den.action, den, role))
			break
		}
		if err := d.resourcePolicyDenial(ctx, c, n, out, den, role); err != nil {
			return nil, err
		}
	case v1alpha1.FindingAccessDeniedSessionPolicy:
		out.add("", code, role, "A session policy passed when role %s was assumed does not allow %s on %s (%s). Allow %s in the session policy given to AssumeRole, or assume the role without one.",
			roleName(role), den.action, orAny(den.resource), den.why(), den.action)
	}
	return out.result(), nil
}

func orAny(res string) string {
	if res == "" {
		return "*"
	}
	return res
}

// identityDenial names the role and, for an explicit deny, the statement;
// for a missing allow it confirms the gap when it can.
func (d *Diagnoser) identityDenial(ctx context.Context, c *awsclient.Clients, n Network, out *collector, code v1alpha1.FindingCode, den denial, role string) error {
	rp, err := d.role(ctx, c, role)
	if err != nil {
		return err
	}
	if rp.missing {
		out.add("", code, role, "Role %s does not exist, so the task has no permissions: create the role with a policy allowing %s, or set the task definition's taskRoleArn to an existing role.", role, den.action)
		return nil
	}
	gaps, unsure := d.roleGaps(ctx, c, n, rp, []permNeed{{action: den.action, resource: den.resource}})
	if code == v1alpha1.FindingAccessDeniedExplicitIdentityPolicy {
		where := "A Deny statement in a policy of role " + rp.name
		if len(gaps) > 0 && gaps[0].denyText() != "" {
			where = strings.ToUpper(gaps[0].denyText()[:1]) + gaps[0].denyText()[1:]
		}
		out.add("", code, rp.arn, "%s denies %s on %s to role %s, and an explicit deny overrides every Allow. Remove %s from that statement's Action, or narrow its Resource or Condition so it does not match.",
			where, den.action, orAny(den.resource), rp.name, den.action)
		return nil
	}
	how := "AWS says no identity-based policy allows it"
	switch {
	case len(gaps) > 0:
		how += ", " + gaps[0].evidence(rp)
	case len(unsure) > 0:
		how += "; iam:SimulatePrincipalPolicy cannot confirm it without " + missingKeys(unsure[0].sim) + ", which a condition of the role's policies tests: check that condition against the request"
	}
	out.add("", code, rp.arn, "No policy of task role %s allows %s on %s (%s). Add an Allow statement for %s on %s to the role, e.g. {\"Effect\":\"Allow\",\"Action\":\"%s\",\"Resource\":\"%s\"}.",
		rp.name, den.action, orAny(den.resource), how, den.action, orAny(den.resource), den.action, orAny(den.resource))
	return nil
}

// inferDenial finds the policy type when the message names none: the
// role's policies first, then the VPC endpoints' policies.
func (d *Diagnoser) inferDenial(ctx context.Context, c *awsclient.Clients, n Network, f APIDenial, den denial, role string) (v1alpha1.FindingCode, error) {
	if den.action == "" {
		return "", nil
	}
	if role != "" {
		rp, err := d.role(ctx, c, role)
		if err != nil {
			return "", err
		}
		// IAM's own evaluation sees SCPs and boundaries as well; ask it
		// first, and fall back to the documents when it cannot answer.
		// A "not allowed" that rests on condition keys the simulation
		// lacked is no verdict: look at the endpoints instead.
		keys := d.requestContext(ctx, c, n, rp.arn, den.action)
		if sim, ok := d.simulate(ctx, c, rp.arn, []string{den.action}, den.resource, keys); ok {
			if s, found := sim[strings.ToLower(den.action)]; found && s.decision != decAllowed && s.decision != decUnknown && !s.unsure() {
				return gapCode(permGap{decision: s.decision, byBoundary: s.byBoundary, byOrganizations: s.byOrganizations}), nil
			}
		} else if gaps, _ := d.roleGaps(ctx, c, n, rp, []permNeed{{action: den.action, resource: den.resource}}); len(gaps) > 0 {
			return gapCode(gaps[0]), nil
		}
	}
	if len(n.Subnets) == 0 {
		return "", nil
	}
	eps, _, err := d.serviceEndpointsOf(ctx, c, n, f.Service)
	if err != nil {
		return "", err
	}
	for _, ep := range eps {
		if v := endpointVerdict(ep, den, role); v.decision == decExplicitDeny || v.decision == decImplicitDeny {
			return v1alpha1.FindingAccessDeniedVPCEndpointPolicy, nil
		}
	}
	return "", nil
}

// serviceEndpointsOf are the endpoints a call to a service goes through
// from the task's subnets: the interface endpoint when its private DNS
// works, and gateway endpoints on the subnets' route tables.
func (d *Diagnoser) serviceEndpointsOf(ctx context.Context, c *awsclient.Clients, n Network, cliService string) ([]*ec2types.VpcEndpoint, *vpcState, error) {
	st, err := d.vpc(ctx, c, n)
	if err != nil {
		return nil, nil, err
	}
	p := &pathEval{ctx: ctx, n: n, st: st}
	svc := EndpointService(cliService)
	var out []*ec2types.VpcEndpoint
	for _, ep := range p.endpointsFor(svc, ec2types.VpcEndpointTypeInterface) {
		if p.privateDNSWorks(ep) {
			out = append(out, ep)
		}
	}
	if gatewayService(svc) {
		for _, subnet := range n.evalSubnets() {
			if assoc, _ := p.associatedGateway(subnet, svc); assoc != nil {
				out = append(out, assoc)
			}
		}
	}
	return out, st, nil
}

// endpointVerdict evaluates an endpoint's policy for the denied request.
func endpointVerdict(ep *ec2types.VpcEndpoint, den denial, role string) verdict {
	id := aws.ToString(ep.VpcEndpointId)
	doc, err := parsePolicy("the policy of endpoint "+id, aws.ToString(ep.PolicyDocument))
	if err != nil || aws.ToString(ep.PolicyDocument) == "" {
		return verdict{decision: decUnknown}
	}
	return evaluate([]*policyDoc{doc}, evalReq{action: den.action, resource: den.resource, principal: role, context: endpointContext(ep, role)})
}

// endpointContext are the condition keys of a request through ep that
// diagnosis knows: the endpoint itself (aws:SourceVpce, aws:SourceVpc) and,
// when the caller is known, aws:PrincipalArn and aws:PrincipalAccount (IAM
// User Guide, "AWS global condition context keys"). Other keys stay
// unknown, so conditions on them remain "maybe".
func endpointContext(ep *ec2types.VpcEndpoint, role string) map[string][]string {
	ctx := map[string][]string{"aws:sourcevpce": {aws.ToString(ep.VpcEndpointId)}}
	if v := aws.ToString(ep.VpcId); v != "" {
		ctx["aws:sourcevpc"] = []string{v}
	}
	if role != "" && strings.Contains(role, ":role/") {
		ctx["aws:principalarn"] = []string{role}
		if a := accountOf(role); a != "" {
			ctx["aws:principalaccount"] = []string{a}
		}
	}
	return ctx
}

// gapCode is the AccessDenied code a proven gap of the task role means.
func gapCode(g permGap) v1alpha1.FindingCode {
	switch {
	case g.byOrganizations:
		return v1alpha1.FindingAccessDeniedServiceControlPolicy
	case g.byBoundary:
		return v1alpha1.FindingAccessDeniedPermissionsBoundary
	case g.decision == decExplicitDeny:
		return v1alpha1.FindingAccessDeniedExplicitIdentityPolicy
	}
	return v1alpha1.FindingAccessDeniedNoIdentityPolicy
}

// keyPolicyMessage explains KMS's denial, which does not say which of its
// three causes it is (AWS KMS Developer Guide, "Troubleshooting key
// access": a key policy must allow the principal, directly or by allowing
// the account so that IAM policies apply).
func keyPolicyMessage(what string, den denial, role string) string {
	return what + " (AWS: " + den.clause + "). The KMS key is the cause whatever the role's own policies allow: check that the key exists in this Region (a key ID or alias from another Region does not resolve), and that its key policy allows " + role +
		" " + den.action + ", either by name or by allowing the account (\"Principal\": {\"AWS\": \"arn:" + awsclient.PartitionOf(role) + ":iam::" + accountOf(role) + ":root\"}) so that the role's IAM policy applies."
}

// resourcePolicyDenial explains "because no resource-based policy allows".
// AWS words a cross-account denial so even when the caller's own identity
// policy is what is missing: across accounts both the identity policy and
// the resource's policy must allow the call (IAM User Guide, "Cross-account
// policy evaluation logic"). The role's side is checked first, so the user
// is not sent to the resource's owner for a change of their own.
func (d *Diagnoser) resourcePolicyDenial(ctx context.Context, c *awsclient.Clients, n Network, out *collector, den denial, role string) error {
	res := firstNonEmpty(den.resource, role)
	resAcct, roleAcct := accountOf(den.resource), accountOf(role)
	sameAccount := resAcct != "" && resAcct == roleAcct
	both := ""
	if !sameAccount {
		both = " Across accounts the role's own policies must allow it too"
		if resAcct != "" {
			both += " (the resource is in account " + resAcct + ", the role in " + roleAcct + ")"
		}
		both += "."
		if rp, err := d.role(ctx, c, role); err != nil {
			return err
		} else if !rp.missing && role != "" {
			gaps, _ := d.roleGaps(ctx, c, n, rp, []permNeed{{action: den.action, resource: den.resource}})
			if len(gaps) > 0 {
				out.add("", v1alpha1.FindingAccessDeniedNoIdentityPolicy, rp.arn,
					"No policy of role %s allows %s on %s (%s), and a call to another account's resource needs the caller's own Allow as well as the resource policy's; AWS names only the resource-based policy (%s). Add {\"Effect\":\"Allow\",\"Action\":\"%s\",\"Resource\":\"%s\"} to the role, then check the resource's policy.",
					rp.name, den.action, orAny(den.resource), gaps[0].evidence(rp), den.why(), den.action, orAny(den.resource))
				both = " The role's own policies do not allow it either (see the finding before)."
			} else if d.roleAllows(ctx, c, role, den.action, den.resource) {
				both = " The role's own policies allow it, so the resource's policy is what is missing."
			}
		}
	}
	out.add("", v1alpha1.FindingAccessDeniedResourcePolicy, res, "The resource-based policy of %s does not let role %s perform %s (%s).%s Add a statement to that resource's policy allowing %s for principal %s.",
		res, roleName(role), den.action, den.why(), both, den.action, role)
	return nil
}
