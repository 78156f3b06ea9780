package fakeaws

import (
	"strings"
)

// principal is who signed a request.
type principal struct {
	Account     string
	ARN         string // as GetCallerIdentity prints it
	UserID      string
	RoleARN     string // for role sessions: the role
	SessionName string
}

// matches reports whether pattern (with * wildcards) names this principal,
// by its own ARN or, for role sessions, by its role's ARN.
func (p *principal) matches(pattern string) bool {
	if pattern == "" {
		return true
	}
	return wildcardMatch(pattern, p.ARN) || (p.RoleARN != "" && wildcardMatch(pattern, p.RoleARN))
}

// principalFor builds the principal of a credential's ARN.
func principalFor(arn, sessionName string, roles func(acct, name string) *Role) *principal {
	acct := arnAccount(arn)
	switch {
	case strings.HasSuffix(arn, ":root"):
		return &principal{Account: acct, ARN: arn, UserID: acct}
	case strings.Contains(arn, ":role/"):
		return roleSession(arn, sessionName, roles)
	default:
		return &principal{Account: acct, ARN: arn, UserID: "AIDA" + idFrom(arn, 17)}
	}
}

// roleSession is the principal of an assumed-role session.
func roleSession(roleARN, session string, roles func(acct, name string) *Role) *principal {
	acct := arnAccount(roleARN)
	name := roleName(roleARN)
	id := "AROA" + idFrom(acct+name, 17)
	if r := roles(acct, name); r != nil {
		id = r.ID
	}
	if session == "" {
		session = "session"
	}
	return &principal{
		Account:     acct,
		ARN:         "arn:aws:sts::" + acct + ":assumed-role/" + name + "/" + session,
		UserID:      id + ":" + session,
		RoleARN:     roleARN,
		SessionName: session,
	}
}

// arnAccount is the account field of an ARN.
func arnAccount(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) < 5 {
		return ""
	}
	return p[4]
}

// roleName is the last path element of a role ARN.
func roleName(arn string) string {
	i := strings.LastIndex(arn, "/")
	return arn[i+1:]
}

// wildcardMatch matches s against a pattern with * (any run) and ? (one
// character), the way IAM matches ARNs and actions.
func wildcardMatch(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	p, q := 0, 0
	star, mark := -1, 0
	for q < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[q]):
			p++
			q++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, q
			p++
		case star >= 0:
			p = star + 1
			mark++
			q = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
