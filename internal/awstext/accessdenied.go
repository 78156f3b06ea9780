// Package awstext reads what AWS writes for people and names it with the
// catalogue's codes (api/v1alpha1): AccessDenied messages by the policy type
// they blame (seed 000), and stopped tasks by their stop code and reason
// (seed 001). The probe (target reasons, probe task state, the service's
// recent stops) and diagnosis (findings, ServiceHealthy) both read them
// through this package, so they always agree.
package awstext

import (
	"regexp"
	"strings"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// Denial is what an AccessDenied message says: which policy type denied
// which action on which resource to whom.
type Denial struct {
	// Reason is an AccessDenied* finding code of api/v1alpha1, or
	// v1alpha1.ReasonAccessDenied when AWS names no policy type.
	Reason string
	// Code is the AWS error code, e.g. AuthorizationError, when the text is
	// the aws CLI's "An error occurred (Code) ...".
	Code string
	// PolicyType as AWS words it, e.g. "VPC endpoint policy".
	PolicyType string
	// Clause is the policy-type clause as AWS wrote it, e.g. "because no
	// identity-based policy allows the SNS:ListTopics action".
	Clause string
	// Explicit is true for "with an explicit deny", false for "because no ... allows".
	Explicit bool
	// Principal, Action and Resource as AWS wrote them (SNS:ListTopics;
	// NormalizeAction lower-cases the prefix).
	Principal string
	Action    string
	Resource  string
	// PolicyArn is named by some explicit denials.
	PolicyArn string
	// Message is the AWS message (without the CLI's "An error occurred" prefix).
	Message string
	// KeyPolicy: KMS's wording, which blames the key (its policy, its
	// Region or its existence) whatever the identity policies say.
	KeyPolicy bool
}

// Finding is the AccessDenied* code of the policy type AWS names, or ""
// when it names none.
func (d *Denial) Finding() v1alpha1.FindingCode {
	if d == nil || d.Reason == v1alpha1.ReasonAccessDenied {
		return ""
	}
	return v1alpha1.FindingCode(d.Reason)
}

var (
	cliErrorRE  = regexp.MustCompile(`An error occurred \(([A-Za-z0-9._-]+)\)(?: when calling the ([A-Za-z0-9]+) operation)?(?: \(reached max retries: \d+\))?: ?(.*)`)
	principalRE = regexp.MustCompile(`(?i)(?:User|Principal):\s*(\S+)\s+is not authorized to perform`)
	actionRE    = regexp.MustCompile(`(?i)is not authorized to perform:\s*([A-Za-z0-9-]+:[A-Za-z0-9*]+)`)
	resourceRE  = regexp.MustCompile(`(?i)\son resource:\s*"?([^"\s]+?)"?(?:[\s)]|$)`)
	policyArnRE = regexp.MustCompile(`policy: (arn:aws[a-z-]*:[a-z]+::\d*:policy/\S+)`)
	// clauseRE finds the clause that follows the action and resource.
	clauseRE = regexp.MustCompile(`(?i)is not authorized to perform:\s*\S+(?:\s+on resource:\s*\S+)?\s+(because|with)\b`)
	// policyTypeRE finds a policy type clause anywhere, for messages that
	// do not follow the "is not authorized to perform" form.
	policyTypeRE = regexp.MustCompile(`(?i)(?:with an explicit deny in (?:an? |the )?|because no )(?:identity-based policy|VPC endpoint policy|service control policy|resource control policy|permissions boundary|resource-based policy|session policy)`)
	// kmsClauseRE is KMS's current wording, which names no single policy
	// type and no resource ARN: "... is not authorized to perform:
	// kms:Decrypt on this resource because the resource does not exist in
	// this Region, no resource-based policies allow access, or a
	// resource-based policy explicitly denies access" ("on the resource
	// associated with this ciphertext" for Decrypt of a ciphertext; real
	// transcript in onnela-lab/beiwe-backend issue 363). The key policy is
	// a resource-based policy, and a KMS key is usable only if its key
	// policy allows it (AWS KMS Developer Guide, "Key policies").
	kmsClauseRE = regexp.MustCompile(`(?i)because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`)
	// clauseEndRE ends a clause: the end of its sentence, line or quote.
	clauseEndRE = regexp.MustCompile(`\s*(?:\.\s|\.$|\n|"|\))`)
)

var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "AuthorizationError": true,
	"AuthorizationErrorException": true, "UnauthorizedOperation": true, "Forbidden": true,
	"UnauthorizedException": true, "NotAuthorized": true, "AccessDeniedFault": true,
	// A HEAD request's error has no body, so botocore takes the HTTP status
	// as the code and its reason phrase as the message: S3's HeadObject and
	// HeadBucket denials print "An error occurred (403) when calling the
	// HeadObject operation: Forbidden" (S3 API reference, HeadObject: "A
	// HEAD request has the same options as a GET operation ... but the
	// response has no body").
	"403": true,
}

// policyTypes map the policy type AWS names to a reason. Order matters:
// "resource control policy" before "resource-based policy".
var policyTypes = []struct {
	text string
	code v1alpha1.FindingCode
}{
	{"vpc endpoint policy", v1alpha1.FindingAccessDeniedVPCEndpointPolicy},
	{"service control policy", v1alpha1.FindingAccessDeniedServiceControlPolicy},
	// Resource control policies are Organizations policies like SCPs and
	// are fixed in the same place; api/v1alpha1 has no code of their own.
	{"resource control policy", v1alpha1.FindingAccessDeniedServiceControlPolicy},
	{"permissions boundary", v1alpha1.FindingAccessDeniedPermissionsBoundary},
	{"session policy", v1alpha1.FindingAccessDeniedSessionPolicy},
	{"resource-based policy", v1alpha1.FindingAccessDeniedResourcePolicy},
	{"identity-based policy", v1alpha1.FindingAccessDeniedNoIdentityPolicy},
}

// ParseAccessDenied reads an AWS error text (the aws CLI's stderr, an SDK
// message, or a denial quoted in a task's stop reason) and returns the
// denial it describes, if it is one. The policy type AWS names decides the
// reason (seed 000): "because no identity-based policy allows" →
// AccessDeniedNoIdentityPolicy, "with an explicit deny in a VPC endpoint
// policy" → AccessDeniedVPCEndpointPolicy, and so on.
func ParseAccessDenied(text string) (*Denial, bool) {
	text = strings.TrimSpace(text)
	d := &Denial{Message: text}
	if m := cliErrorRE.FindStringSubmatch(text); m != nil {
		d.Code, d.Message = m[1], strings.TrimSpace(m[3])
	}
	if !deniedCodes[d.Code] && !strings.Contains(strings.ToLower(text), "is not authorized to perform") {
		return nil, false
	}
	if m := principalRE.FindStringSubmatch(text); m != nil {
		d.Principal = m[1]
	}
	if m := actionRE.FindStringSubmatch(text); m != nil {
		d.Action = m[1]
	}
	if m := resourceRE.FindStringSubmatch(text); m != nil {
		d.Resource = strings.TrimSuffix(m[1], ".")
	}
	if m := policyArnRE.FindStringSubmatch(text); m != nil {
		d.PolicyArn = m[1]
	}
	if m := kmsClauseRE.FindStringIndex(text); m != nil {
		d.Clause, d.KeyPolicy = text[m[0]:m[1]], true
		d.PolicyType = "resource-based policy"
		d.Reason = string(v1alpha1.FindingAccessDeniedResourcePolicy)
		return d, true
	}
	if m := clauseRE.FindStringSubmatchIndex(text); m != nil {
		d.Clause = clauseAt(text, m[2])
	} else if m := policyTypeRE.FindStringIndex(text); m != nil {
		d.Clause = clauseAt(text, m[0])
	}
	lc := strings.ToLower(d.Clause)
	d.Explicit = strings.Contains(lc, "explicit deny")
	d.Reason = v1alpha1.ReasonAccessDenied
	for _, p := range policyTypes {
		if i := indexASCIIFold(d.Clause, p.text); i >= 0 {
			d.PolicyType = d.Clause[i : i+len(p.text)]
			code := p.code
			if code == v1alpha1.FindingAccessDeniedNoIdentityPolicy && d.Explicit {
				code = v1alpha1.FindingAccessDeniedExplicitIdentityPolicy
			}
			d.Reason = string(code)
			break
		}
	}
	return d, true
}

// indexASCIIFold is strings.Index ignoring ASCII case, on the original
// bytes: an index into strings.ToLower(s) is not one into s, since
// lower-casing changes the length of some characters and of invalid UTF-8.
func indexASCIIFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// clauseAt is the clause that starts at i, up to the end of its sentence.
func clauseAt(text string, i int) string {
	rest := text[i:]
	if m := clauseEndRE.FindStringIndex(rest); m != nil {
		rest = rest[:m[0]]
	}
	return strings.TrimSpace(rest)
}

// ClassifyAccessDenied names the policy type an AccessDenied message blames,
// as the AccessDenied* finding code that is also the target's reason. ok is
// false when the text is no denial or names no policy type (older
// services, S3's "Access Denied").
func ClassifyAccessDenied(text string) (code v1alpha1.FindingCode, ok bool) {
	d, found := ParseAccessDenied(text)
	if !found || d.Finding() == "" {
		return "", false
	}
	return d.Finding(), true
}

// IsAccessDenied reports whether an error text is an authorization failure,
// including the bare ones ParseAccessDenied cannot read more from (S3's
// "Access Denied", "UnauthorizedOperation" without a message).
func IsAccessDenied(text string) bool {
	if _, ok := ParseAccessDenied(text); ok {
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

// NormalizeAction lower-cases an action's service prefix, as IAM policies
// write it (AWS's messages say SNS:ListTopics).
func NormalizeAction(a string) string {
	if i := strings.Index(a, ":"); i > 0 {
		return strings.ToLower(a[:i]) + a[i:]
	}
	return a
}
