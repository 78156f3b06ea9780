package diagnose

import (
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"strings"
)

// tri is a three-valued match: diagnosis cannot evaluate every condition
// or policy variable, and must not blame a statement it cannot prove.
type tri int8

const (
	no tri = iota
	maybe
	yes
)

func and(a, b tri) tri { return min(a, b) }

// evalReq is one request to evaluate against policies.
type evalReq struct {
	action   string // "sns:ListTopics"
	resource string // "" when unknown
	// principal is the caller's role ARN, for policies with a Principal
	// (VPC endpoint policies); "" when unknown.
	principal string
	// context holds the condition keys known for the request, lower-case;
	// a key mapped to nil is known to be absent.
	context map[string][]string
}

type decision int

const (
	decUnknown decision = iota
	decAllowed
	decExplicitDeny
	decImplicitDeny
)

func (d decision) String() string {
	return [...]string{"unknown", "allowed", "explicitly denied", "not allowed"}[d]
}

// stmtMatch is a statement that applies to a request, surely or maybe.
type stmtMatch struct {
	doc     *policyDoc
	st      *statement
	certain bool
}

func (m stmtMatch) String() string { return m.st.label() + " of " + m.doc.name }

type verdict struct {
	decision decision
	denies   []stmtMatch
	allows   []stmtMatch
}

// evaluate applies IAM's rule within one set of policies: an explicit deny
// wins, else an allow, else the implicit deny. Statements that may apply
// (conditions, variables) make the answer unknown rather than wrong.
func evaluate(docs []*policyDoc, req evalReq) verdict {
	var v verdict
	for _, d := range docs {
		for i := range d.statements {
			s := &d.statements[i]
			m := matchStatement(s, req)
			if m == no {
				continue
			}
			sm := stmtMatch{doc: d, st: s, certain: m == yes}
			if s.deny() {
				v.denies = append(v.denies, sm)
			} else {
				v.allows = append(v.allows, sm)
			}
		}
	}
	switch {
	case anyCertain(v.denies):
		v.decision = decExplicitDeny
	case anyCertain(v.allows):
		v.decision = decAllowed
	case len(v.allows) > 0:
		v.decision = decUnknown
	default:
		v.decision = decImplicitDeny
	}
	return v
}

func anyCertain(ms []stmtMatch) bool {
	for _, m := range ms {
		if m.certain {
			return true
		}
	}
	return false
}

func matchStatement(s *statement, req evalReq) tri {
	m := matchAction(s, req.action)
	if m == no {
		return no
	}
	m = and(m, matchResource(s, req.resource))
	if m == no {
		return no
	}
	if s.principal != nil || s.notPrincipal {
		m = and(m, matchPrincipal(s, req.principal))
	}
	if m == no {
		return no
	}
	return and(m, matchConditions(s.condition, req.context))
}

func matchAction(s *statement, action string) tri {
	if len(s.notAction) > 0 {
		if anyGlob(s.notAction, action, true) != no {
			return no
		}
		return yes
	}
	return anyGlob(s.action, action, true)
}

func matchResource(s *statement, res string) tri {
	if len(s.notResource) > 0 {
		if res == "" {
			return maybe
		}
		switch anyGlob(s.notResource, res, false) {
		case yes:
			return no
		case maybe:
			return maybe
		}
		return yes
	}
	if res == "" {
		for _, r := range s.resource {
			if r == "*" {
				return yes
			}
		}
		if len(s.resource) == 0 {
			return yes // endpoint policies may omit Resource
		}
		return maybe
	}
	if len(s.resource) == 0 {
		return yes
	}
	return anyGlob(s.resource, res, false)
}

func matchPrincipal(s *statement, who string) tri {
	if s.notPrincipal {
		return maybe
	}
	p := s.principal
	if p.any {
		return yes
	}
	if who == "" {
		return maybe
	}
	acct := accountOf(who)
	for _, a := range p.aws {
		if a == who || a == acct || a == "arn:"+awsclient.PartitionOf(who)+":iam::"+acct+":root" || sameRole(a, who) {
			return yes
		}
	}
	return no
}

// anyGlob matches value against IAM wildcard patterns. A pattern with a
// policy variable matches maybe.
func anyGlob(patterns []string, value string, fold bool) tri {
	best := no
	for _, p := range patterns {
		if fold {
			p, value = strings.ToLower(p), strings.ToLower(value)
		}
		if glob(p, value) {
			return yes
		}
		if strings.Contains(p, "${") {
			best = maybe
		}
	}
	return best
}

// glob matches * (any run) and ? (one character).
func glob(p, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(p) && (p[px] == '?' || p[px] == s[sx]):
			px++
			sx++
		case px < len(p) && p[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}
