package diagnose_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// simulatingIAM stands in for IAM's SimulatePrincipalPolicy, which moto
// lacks: every action gets decision, denied by Organizations when scp.
type simulatingIAM struct {
	awsclient.IAMAPI
	decision iamtypes.PolicyEvaluationDecisionType
	scp      bool
	// missing are MissingContextValues: the condition keys the policies
	// asked for and the request did not give.
	missing []string

	mu      sync.Mutex
	sources []string
}

func (s *simulatingIAM) SimulatePrincipalPolicy(_ context.Context, in *iam.SimulatePrincipalPolicyInput, _ ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	s.mu.Lock()
	s.sources = append(s.sources, aws.ToString(in.PolicySourceArn))
	s.mu.Unlock()
	out := &iam.SimulatePrincipalPolicyOutput{}
	for _, a := range in.ActionNames {
		r := iamtypes.EvaluationResult{EvalActionName: aws.String(a), EvalDecision: s.decision, MissingContextValues: s.missing}
		if s.scp {
			r.OrganizationsDecisionDetail = &iamtypes.OrganizationsDecisionDetail{AllowedByOrganizations: false}
		}
		out.EvaluationResults = append(out.EvaluationResults, r)
	}
	return out, nil
}

func withSimulation(f *fixture, s *simulatingIAM) {
	s.IAMAPI = f.clients.IAM
	c := *f.clients
	c.IAM = s
	f.clients = &c
}

// The role's documents allow the call, and AWS's message names no policy
// type: IAM's simulation finds the SCP that the documents cannot show.
func TestSimulationFindsServiceControlPolicy(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "sns")
	sim := &simulatingIAM{decision: iamtypes.PolicyEvaluationDecisionTypeImplicitDeny, scp: true}
	withSimulation(f, sim)

	fs := f.target(f.listTopics(""))
	requireFinding(t, fs, v1alpha1.FindingAccessDeniedServiceControlPolicy, "123456789012", "A service control policy of AWS Organizations denies sns:ListTopics",
		"found by evaluating the policies")
	if len(sim.sources) == 0 || sim.sources[0] != f.TaskRoleArn {
		t.Fatalf("simulated %v, want the task role %s", sim.sources, f.TaskRoleArn)
	}
}

// Where documents and simulation disagree, IAM's own evaluation wins: it
// confirms a gap, or clears one the documents suggest.
func TestSimulationConfirmsOrClearsGaps(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ssmmessages")
	f.PutRolePolicy(f.TaskRole, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:ListTopics","Resource":"*"}]}`)
	e := healthyExec()
	e.AgentStatus = "STOPPED"

	withSimulation(f, &simulatingIAM{decision: iamtypes.PolicyEvaluationDecisionTypeImplicitDeny})
	requireFinding(t, f.exec(e), v1alpha1.FindingTaskRoleMissingSSMMessages, f.TaskRoleArn, "confirmed by iam:SimulatePrincipalPolicy")

	g := privateVPC(t, "ssmmessages")
	g.PutRolePolicy(g.TaskRole, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:ListTopics","Resource":"*"}]}`)
	withSimulation(g, &simulatingIAM{decision: iamtypes.PolicyEvaluationDecisionTypeAllowed})
	requireNoCode(t, g.exec(e), v1alpha1.FindingTaskRoleMissingSSMMessages)
}

// Issue 12 item 1: IAM's implicitDeny with MissingContextValues is the
// simulation lacking a key a condition tests (aws:SourceVpce), not a gap:
// the role works, and diagnosis must not say otherwise.
func TestSimulationMissingContextIsNoGap(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ssmmessages")
	f.PutRolePolicy(f.TaskRole, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:ListTopics","Resource":"*"}]}`)
	e := healthyExec()
	e.AgentStatus = "STOPPED"
	withSimulation(f, &simulatingIAM{decision: iamtypes.PolicyEvaluationDecisionTypeImplicitDeny, missing: []string{"aws:SourceVpce"}})
	requireNoCode(t, f.exec(e), v1alpha1.FindingTaskRoleMissingSSMMessages)
}
