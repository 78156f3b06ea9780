package diagnose

import (
	"context"
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
}

// simulate asks IAM to evaluate the role's policies for actions on one
// resource; ok is false when it cannot.
func (d *Diagnoser) simulate(ctx context.Context, c *awsclient.Clients, roleArn string, actions []string, resource string) (map[string]simResult, bool) {
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
		s := simResult{decision: simDecision(r.EvalDecision)}
		if pb := r.PermissionsBoundaryDecisionDetail; pb != nil && !pb.AllowedByPermissionsBoundary {
			s.byBoundary = true
		}
		if od := r.OrganizationsDecisionDetail; od != nil && !od.AllowedByOrganizations {
			s.byOrganizations = true
		}
		for _, m := range r.MatchedStatements {
			s.sources = append(s.sources, aws.ToString(m.SourcePolicyId))
		}
		res[strings.ToLower(aws.ToString(r.EvalActionName))] = s
	}
	return res, true
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
