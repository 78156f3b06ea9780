package diagnose

import (
	"regexp"
	"strings"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
)

// denial is what an AccessDenied message says.
type denial struct {
	principal string // arn:aws:sts::123456789012:assumed-role/TaskRole/session
	action    string // sns:ListTopics, the prefix lower-cased
	resource  string
	code      v1alpha1.FindingCode // "" when the message names no policy type
	explicit  bool
	clause    string // the policy-type clause as AWS wrote it
}

var denialRe = regexp.MustCompile(`(?is)(?:User|Principal):\s*(\S+)\s+is not authorized to perform:\s*([A-Za-z0-9-]+:[A-Za-z0-9*]+)(?:\s+on resource:\s*(\S+?))?(?:\s+((?:because|with)\b[^\n]*?))?\s*(?:\.\s|\.$|$|\n|"|\))`)

// clauses map the policy type AWS names at the end of the message to a
// finding code. Order matters: "resource control policy" before
// "resource-based policy".
var clauses = []struct {
	text string
	code v1alpha1.FindingCode
}{
	{"vpc endpoint policy", v1alpha1.FindingAccessDeniedVPCEndpointPolicy},
	{"service control policy", v1alpha1.FindingAccessDeniedServiceControlPolicy},
	{"resource control policy", v1alpha1.FindingAccessDeniedServiceControlPolicy},
	{"permissions boundary", v1alpha1.FindingAccessDeniedPermissionsBoundary},
	{"session policy", v1alpha1.FindingAccessDeniedSessionPolicy},
	{"resource-based policy", v1alpha1.FindingAccessDeniedResourcePolicy},
	{"identity-based policy", v1alpha1.FindingAccessDeniedNoIdentityPolicy},
}

// parseDenial reads an AccessDenied message; ok is false when the text is
// not one.
func parseDenial(text string) (denial, bool) {
	m := denialRe.FindStringSubmatch(text)
	if m == nil {
		return denial{}, false
	}
	d := denial{principal: m[1], action: normalizeAction(m[2]), resource: strings.TrimSuffix(m[3], "."), clause: strings.TrimSpace(m[4])}
	lc := strings.ToLower(d.clause)
	d.explicit = strings.Contains(lc, "explicit deny")
	for _, c := range clauses {
		if strings.Contains(lc, c.text) {
			d.code = c.code
			break
		}
	}
	if d.code == v1alpha1.FindingAccessDeniedNoIdentityPolicy && d.explicit {
		d.code = v1alpha1.FindingAccessDeniedExplicitIdentityPolicy
	}
	return d, true
}

// normalizeAction lower-cases the service prefix (AWS writes SNS:ListTopics).
func normalizeAction(a string) string {
	if i := strings.Index(a, ":"); i > 0 {
		return strings.ToLower(a[:i]) + a[i:]
	}
	return a
}

// ClassifyAccessDenied names the policy type an AccessDenied message blames,
// as the AccessDenied* finding code that is also the target's reason. ok is
// false when the message names none (older services, S3's "Access Denied").
func ClassifyAccessDenied(text string) (code v1alpha1.FindingCode, ok bool) {
	d, found := parseDenial(text)
	if !found || d.code == "" {
		return "", false
	}
	return d.code, true
}

// IsAccessDenied reports whether an error text is an authorization failure.
func IsAccessDenied(text string) bool {
	if _, ok := parseDenial(text); ok {
		return true
	}
	lc := strings.ToLower(text)
	for _, s := range []string{"accessdenied", "access denied", "authorizationerror", "unauthorizedoperation", "not authorized"} {
		if strings.Contains(lc, s) {
			return true
		}
	}
	return false
}

// why is the evidence of a denial for messages: AWS's own clause, or the
// evaluation that found the policy type when AWS named none.
func (d denial) why() string {
	if d.clause != "" {
		return "AWS: " + d.clause
	}
	return "found by evaluating the policies, as AWS's message names no policy type"
}
