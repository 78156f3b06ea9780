package probe

import (
	"regexp"
	"strings"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// ReasonAccessDenied is the reason of a denial whose message names no policy
// type (older services). api/v1alpha1 has no constant for it yet.
const ReasonAccessDenied = "AccessDenied"

// Denial is what an AccessDenied message says: which policy type denied
// which action on which resource to whom.
type Denial struct {
	// Reason is an AccessDenied* finding code of api/v1alpha1, or
	// ReasonAccessDenied when AWS names no policy type.
	Reason string
	// Code is the AWS error code, e.g. AuthorizationError.
	Code string
	// PolicyType as AWS words it, e.g. "VPC endpoint policy".
	PolicyType string
	// Explicit is true for "with an explicit deny", false for "because no ... allows".
	Explicit  bool
	Principal string
	Action    string
	Resource  string
	// PolicyArn is named by some explicit denials.
	PolicyArn string
	// Message is the AWS message.
	Message string
}

var (
	cliErrorRE   = regexp.MustCompile(`An error occurred \(([A-Za-z0-9._-]+)\)(?: when calling the ([A-Za-z0-9]+) operation)?(?: \(reached max retries: \d+\))?: ?(.*)`)
	policyTypeRE = regexp.MustCompile(`(?i)(with an explicit deny in an? |because no )(identity-based policy|VPC endpoint policy|service control policy|resource control policy|permissions boundary|resource-based policy|session policy)`)
	principalRE  = regexp.MustCompile(`User: (\S+) is not authorized`)
	actionRE     = regexp.MustCompile(`not authorized to perform: ([A-Za-z0-9-]+:[A-Za-z0-9*]+)`)
	resourceRE   = regexp.MustCompile(`on resource: "?([^"\s]+?)"?(?:\s|$)`)
	policyArnRE  = regexp.MustCompile(`policy: (arn:aws[a-z-]*:[a-z]+::\d*:policy/\S+)`)
)

var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "AuthorizationError": true,
	"AuthorizationErrorException": true, "UnauthorizedOperation": true, "Forbidden": true,
	"UnauthorizedException": true, "NotAuthorized": true, "AccessDeniedFault": true,
}

// policyReasons maps the policy type AWS names to a reason.
var policyReasons = map[string]v1alpha1.FindingCode{
	"identity-based policy":  v1alpha1.FindingAccessDeniedNoIdentityPolicy,
	"vpc endpoint policy":    v1alpha1.FindingAccessDeniedVPCEndpointPolicy,
	"service control policy": v1alpha1.FindingAccessDeniedServiceControlPolicy,
	// Resource control policies are Organizations policies like SCPs and
	// are fixed in the same place; api/v1alpha1 has no code of their own.
	"resource control policy": v1alpha1.FindingAccessDeniedServiceControlPolicy,
	"permissions boundary":    v1alpha1.FindingAccessDeniedPermissionsBoundary,
	"resource-based policy":   v1alpha1.FindingAccessDeniedResourcePolicy,
	"session policy":          v1alpha1.FindingAccessDeniedSessionPolicy,
}

// ParseAccessDenied reads an AWS error text (the aws CLI's stderr or an SDK
// message) and returns the denial it describes, if it is one. The policy
// type AWS names decides the reason (seed 000): "because no identity-based
// policy allows" → AccessDeniedNoIdentityPolicy, "with an explicit deny in a
// VPC endpoint policy" → AccessDeniedVPCEndpointPolicy, and so on.
func ParseAccessDenied(text string) (*Denial, bool) {
	text = strings.TrimSpace(text)
	d := &Denial{Message: text}
	if m := cliErrorRE.FindStringSubmatch(text); m != nil {
		d.Code, d.Message = m[1], strings.TrimSpace(m[3])
	}
	if !deniedCodes[d.Code] && !strings.Contains(text, "is not authorized to perform") {
		return nil, false
	}
	d.Reason = ReasonAccessDenied
	if m := policyTypeRE.FindStringSubmatch(text); m != nil {
		d.Explicit = strings.HasPrefix(strings.ToLower(m[1]), "with")
		d.PolicyType = m[2]
		code := policyReasons[strings.ToLower(m[2])]
		if code == v1alpha1.FindingAccessDeniedNoIdentityPolicy && d.Explicit {
			code = v1alpha1.FindingAccessDeniedExplicitIdentityPolicy
		}
		d.Reason = string(code)
	}
	if m := principalRE.FindStringSubmatch(text); m != nil {
		d.Principal = m[1]
	}
	if m := actionRE.FindStringSubmatch(text); m != nil {
		d.Action = m[1]
	}
	if m := resourceRE.FindStringSubmatch(text); m != nil {
		d.Resource = m[1]
	}
	if m := policyArnRE.FindStringSubmatch(text); m != nil {
		d.PolicyArn = m[1]
	}
	return d, true
}
