package diagnose

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// endpointPolicyDenial finds the endpoint whose policy refused the call
// and the statement (or the missing Allow) responsible.
func (d *Diagnoser) endpointPolicyDenial(ctx context.Context, c *awsclient.Clients, n Network, f APIDenial, den denial, role string) ([]v1alpha1.Finding, error) {
	out := newCollector()
	code := v1alpha1.FindingAccessDeniedVPCEndpointPolicy
	eps, st, err := d.serviceEndpointsOf(ctx, c, n, f.Service)
	if err != nil {
		return nil, err
	}
	for _, ep := range eps {
		id := aws.ToString(ep.VpcEndpointId)
		v := endpointVerdict(ep, den, role)
		switch v.decision {
		case decExplicitDeny:
			out.add("", code, id, "The policy of VPC endpoint %s (%s) denies %s on %s to %s: %s. Remove %s from that Deny statement or narrow its Principal, Resource or Condition: aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --policy-document file://policy.json.",
				id, aws.ToString(ep.ServiceName), den.action, orAny(den.resource), roleName(role), denyList(v.denies), den.action, id)
		case decImplicitDeny:
			out.add("", code, id, "The policy of VPC endpoint %s (%s) has no statement allowing %s on %s for %s. Add one, e.g. {\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"%s\"},\"Action\":\"%s\",\"Resource\":\"%s\"}, with aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --policy-document file://policy.json.",
				id, aws.ToString(ep.ServiceName), den.action, orAny(den.resource), roleName(role), role, den.action, orAny(den.resource), id)
		}
	}
	if len(out.result()) == 0 && len(eps) > 0 {
		// AWS blames an endpoint policy whose statements diagnosis cannot
		// settle (conditions): name the endpoint anyway.
		ep := eps[0]
		id := aws.ToString(ep.VpcEndpointId)
		out.add("", code, id, "AWS denied %s on %s %s; the call goes through VPC endpoint %s (%s), whose policy statements depend on conditions diagnosis cannot evaluate. Review the endpoint's policy so that it allows %s for %s.",
			den.action, orAny(den.resource), den.clause, id, aws.ToString(ep.ServiceName), den.action, role)
	}
	if len(eps) == 0 {
		out.add("", code, st.id, "AWS denied %s on %s %s, but VPC %s has no endpoint for %s that the task's subnets use: the endpoint policy is on the path elsewhere (a shared or centralized endpoint). Allow %s for %s in that endpoint's policy.",
			den.action, orAny(den.resource), den.clause, st.id, EndpointService(f.Service), den.action, role)
	}
	return out.result(), nil
}

func denyList(ms []stmtMatch) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.st.label())
	}
	return joinList(out)
}
