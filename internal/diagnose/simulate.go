package diagnose

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// simOffFor is how long diagnosis stops asking SimulatePrincipalPolicy
// after it failed (not allowed to the controller, or not implemented by an
// emulator): the policies are then evaluated from their documents alone.
const simOffFor = 10 * time.Minute

// simResult is IAM's own evaluation of one action.
type simResult struct {
	decision decision
	// byBoundary / byOrganizations: the denial comes from the permissions
	// boundary or an SCP rather than the role's policies.
	byBoundary, byOrganizations bool
	// sources are the policies whose statements matched.
	sources []string
	// missing are the condition keys a policy asked for that the
	// simulation was not given (MissingContextValues): an implicitDeny with
	// missing keys is not IAM's verdict on the real request, which carries
	// them.
	missing []string
}

// unsure: IAM could not evaluate a condition, so its "not allowed" says
// nothing about the request the task makes.
func (s simResult) unsure() bool { return s.decision != decAllowed && len(s.missing) > 0 }

// simulate asks IAM to evaluate the role's policies for actions on one
// resource, with the condition keys the task's request would carry (see
// requestContext); ok is false when it cannot.
func (d *Diagnoser) simulate(ctx context.Context, c *awsclient.Clients, roleArn string, actions []string, resource string, keys map[string]string) (map[string]simResult, bool) {
	key := accountOf(roleArn) + "/" + c.Region
	d.simMu.Lock()
	off := d.now().Before(d.simOff[key])
	d.simMu.Unlock()
	if off || len(actions) == 0 {
		return nil, false
	}
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(roleArn), ActionNames: actions}
	if resource != "" {
		in.ResourceArns = []string{resource}
	}
	for _, k := range sortedKeys(keys) {
		in.ContextEntries = append(in.ContextEntries, iamtypes.ContextEntry{
			ContextKeyName: aws.String(k), ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{keys[k]},
		})
	}
	// One attempt: a refusal or an emulator's 500 will not change on retry.
	out, err := c.IAM.SimulatePrincipalPolicy(ctx, in, func(o *iam.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		d.simMu.Lock()
		d.simOff[key] = d.now().Add(simOffFor)
		d.simMu.Unlock()
		return nil, false
	}
	res := map[string]simResult{}
	for _, r := range out.EvaluationResults {
		s := simResult{decision: simDecision(r.EvalDecision), missing: r.MissingContextValues}
		if pb := r.PermissionsBoundaryDecisionDetail; pb != nil && !pb.AllowedByPermissionsBoundary {
			s.byBoundary = true
		}
		if od := r.OrganizationsDecisionDetail; od != nil && !od.AllowedByOrganizations {
			s.byOrganizations = true
		}
		for _, m := range r.MatchedStatements {
			s.sources = append(s.sources, aws.ToString(m.SourcePolicyId))
		}
		// With ResourceArns, IAM reports the keys it missed per resource
		// (EvaluationResult.MissingContextValues is "used when the resource
		// in a simulation is *"; botocore iam/2010-05-08 service-2.json).
		for _, rs := range r.ResourceSpecificResults {
			s.missing = append(s.missing, rs.MissingContextValues...)
		}
		res[strings.ToLower(aws.ToString(r.EvalActionName))] = s
	}
	return res, true
}

// requestContext are the global condition keys of a request the task
// makes for action, as far as diagnosis knows them: the region, the
// principal, and, when the call goes through an interface endpoint with
// private DNS (or an S3 gateway endpoint), aws:SourceVpce and aws:SourceVpc
// (IAM User Guide, "AWS global condition context keys": both are present
// only "if the request is made through a VPC endpoint").
func (d *Diagnoser) requestContext(ctx context.Context, c *awsclient.Clients, n Network, roleArn, action string) map[string]string {
	keys := map[string]string{}
	if n.Region != "" {
		keys["aws:RequestedRegion"] = n.Region
	}
	if roleArn != "" {
		keys["aws:PrincipalArn"] = roleArn
		if a := accountOf(roleArn); a != "" {
			keys["aws:PrincipalAccount"] = a
		}
	}
	prefix, _, _ := strings.Cut(action, ":")
	if prefix == "" || len(n.Subnets) == 0 && n.VPCID == "" || c == nil || c.EC2 == nil {
		return keys
	}
	eps, _, err := d.serviceEndpointsOf(ctx, c, n, strings.ToLower(prefix))
	if err != nil || len(eps) == 0 {
		return keys
	}
	keys["aws:SourceVpce"] = aws.ToString(eps[0].VpcEndpointId)
	if v := aws.ToString(eps[0].VpcId); v != "" {
		keys["aws:SourceVpc"] = v
	}
	return keys
}

// missingKeys lists the keys of unsure results, for messages.
func missingKeys(rs ...simResult) string {
	seen := map[string]bool{}
	for _, r := range rs {
		for _, k := range r.missing {
			seen[k] = true
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return joinList(out)
}

func simDecision(d iamtypes.PolicyEvaluationDecisionType) decision {
	switch d {
	case iamtypes.PolicyEvaluationDecisionTypeAllowed:
		return decAllowed
	case iamtypes.PolicyEvaluationDecisionTypeExplicitDeny:
		return decExplicitDeny
	case iamtypes.PolicyEvaluationDecisionTypeImplicitDeny:
		return decImplicitDeny
	}
	return decUnknown
}
