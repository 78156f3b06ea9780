package diagnose

import (
	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awstext"
)

// denial is what an AccessDenied message says, as the diagnosis uses it;
// awstext.ParseAccessDenied reads the text (the probe reads target
// denials with it too).
type denial struct {
	principal string // arn:aws:sts::123456789012:assumed-role/TaskRole/session
	action    string // sns:ListTopics, the prefix lower-cased
	resource  string
	code      v1alpha1.FindingCode // "" when the message names no policy type
	clause    string               // the policy-type clause as AWS wrote it
	// keyPolicy: KMS's wording, which blames the key (its key policy, its
	// Region, its existence), not the caller's identity policies.
	keyPolicy bool
}

// parseDenial reads an AccessDenied message; ok is false when the text is
// not one that names the action denied (what it says is still returned).
func parseDenial(text string) (denial, bool) {
	d, found := awstext.ParseAccessDenied(text)
	if !found {
		return denial{}, false
	}
	return denial{principal: d.Principal, action: awstext.NormalizeAction(d.Action), resource: d.Resource,
		code: d.Finding(), clause: d.Clause, keyPolicy: d.KeyPolicy}, d.Action != ""
}

// why is the evidence of a denial for messages: AWS's own clause, or the
// evaluation that found the policy type when AWS named none.
func (d denial) why() string {
	if d.clause != "" {
		return "AWS: " + d.clause
	}
	return "found by evaluating the policies, as AWS's message names no policy type"
}
