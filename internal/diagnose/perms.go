package diagnose

import (
	"context"
	"strings"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// permNeed is one permission a role must have.
type permNeed struct {
	action   string // "logs:CreateLogGroup"
	resource string // "" when any resource will do
	why      string // what needs it, for messages
}

// permGap is a need the role does not meet.
type permGap struct {
	need     permNeed
	decision decision // decExplicitDeny or decImplicitDeny
	// byBoundary: the role's policies allow it, its permissions boundary not.
	byBoundary, byOrganizations bool
	// denies are Deny statements of the role's policies that match.
	denies []stmtMatch
	// confirmed: iam:SimulatePrincipalPolicy agrees.
	confirmed bool
	// sim is the simulation's answer, when there was one.
	sim simResult
}

// roleGaps evaluates needs against a role's policies, and asks
// SimulatePrincipalPolicy about those that look unmet, with the condition
// keys the task's requests carry. A gap is reported only when proven: by
// the simulation, or by documents that were all readable and have no
// conditions in the way. unsure are the needs the simulation could not
// decide because a condition asked for a key diagnosis does not know
// (MissingContextValues): "cannot confirm", never a finding.
func (d *Diagnoser) roleGaps(ctx context.Context, c *awsclient.Clients, n Network, rp *rolePolicies, needs []permNeed) (gaps, unsure []permGap) {
	var candidates []permGap
	for _, nd := range needs {
		req := evalReq{action: nd.action, resource: nd.resource}
		v := evaluate(rp.docs, req)
		g := permGap{need: nd, decision: v.decision, denies: v.denies}
		if v.decision == decAllowed && rp.boundary != nil {
			if bv := evaluate([]*policyDoc{rp.boundary}, req); bv.decision != decAllowed && bv.decision != decUnknown {
				g.decision, g.byBoundary = decImplicitDeny, true
			}
		}
		if g.decision != decAllowed {
			candidates = append(candidates, g)
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}

	// One simulation per resource and service: the endpoint, and so the
	// context keys, depend on the service.
	type simKey struct{ resource, prefix string }
	groups := map[simKey][]string{}
	var order []simKey
	for _, g := range candidates {
		prefix, _, _ := strings.Cut(g.need.action, ":")
		k := simKey{g.need.resource, strings.ToLower(prefix)}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], g.need.action)
	}
	sims := map[string]simResult{}
	simulated := true
	for _, k := range order {
		keys := d.requestContext(ctx, c, n, rp.arn, groups[k][0])
		r, ok := d.simulate(ctx, c, rp.arn, groups[k], k.resource, keys)
		if !ok {
			simulated = false
			break
		}
		for a, s := range r {
			sims[k.resource+"|"+a] = s
		}
	}

	for _, g := range candidates {
		if simulated {
			s, ok := sims[g.need.resource+"|"+strings.ToLower(g.need.action)]
			if !ok || s.decision == decAllowed || s.decision == decUnknown {
				continue
			}
			g.sim = s
			if s.decision == decImplicitDeny && s.unsure() {
				unsure = append(unsure, g)
				continue
			}
			g.decision, g.confirmed = s.decision, true
			g.byBoundary = g.byBoundary || s.byBoundary
			g.byOrganizations = s.byOrganizations
			gaps = append(gaps, g)
			continue
		}
		if g.decision == decUnknown || g.decision == decImplicitDeny && len(rp.unreadable) > 0 {
			continue
		}
		gaps = append(gaps, g)
	}
	return gaps, unsure
}

// evidence says how a gap was established, for messages.
func (g permGap) evidence(rp *rolePolicies) string {
	if g.confirmed {
		return "confirmed by iam:SimulatePrincipalPolicy"
	}
	if len(rp.docs) == 1 {
		return "read from the role's only policy"
	}
	return "read from the role's " + itoa(int32(len(rp.docs))) + " policies"
}

// denyText names the Deny statements of a gap, or "".
func (g permGap) denyText() string {
	var out []string
	for _, m := range g.denies {
		s := m.String()
		if !m.certain {
			s += " (under a condition)"
		}
		out = append(out, s)
	}
	return joinList(out)
}

// roleAllows: the role's current policies, all readable, allow the action
// (a denial quoted from an earlier stop may have been fixed since).
func (d *Diagnoser) roleAllows(ctx context.Context, c *awsclient.Clients, role, action, resource string) bool {
	rp, err := d.role(ctx, c, role)
	if err != nil || rp.missing || len(rp.unreadable) > 0 {
		return false
	}
	req := evalReq{action: action, resource: resource}
	if evaluate(rp.docs, req).decision != decAllowed {
		return false
	}
	return rp.boundary == nil || evaluate([]*policyDoc{rp.boundary}, req).decision == decAllowed
}
