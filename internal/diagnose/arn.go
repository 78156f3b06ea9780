package diagnose

import (
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"strings"
)

// accountOf is the account of the first ARN (or account ID) given.
func accountOf(arns ...string) string {
	for _, a := range arns {
		if parts := strings.SplitN(a, ":", 6); len(parts) == 6 && parts[4] != "" {
			return parts[4]
		}
		if len(a) == 12 && strings.Trim(a, "0123456789") == "" {
			return a
		}
	}
	return ""
}

// roleName is the name of a role given as an ARN (with or without path),
// an assumed-role session ARN, or a bare name.
func roleName(s string) string {
	if i := strings.Index(s, ":assumed-role/"); i >= 0 {
		rest := s[i+len(":assumed-role/"):]
		if j := strings.Index(rest, "/"); j >= 0 {
			return rest[:j]
		}
		return rest
	}
	if i := strings.Index(s, ":role/"); i >= 0 {
		s = s[i+len(":role/"):]
	}
	return s[strings.LastIndex(s, "/")+1:]
}

// roleArn turns a role name or a session ARN into a role ARN. A session
// ARN loses the role's path; IAM calls that take the name do not need it.
func roleArn(s, account string) string {
	if strings.Contains(s, ":role/") {
		return s
	}
	if acct := accountOf(s); acct != "" {
		account = acct
	}
	if account == "" {
		return s
	}
	return "arn:" + awsclient.PartitionOf(s) + ":iam::" + account + ":role/" + roleName(s)
}

// sameRole: a policy naming a role ARN also matches the role's sessions.
func sameRole(policyPrincipal, who string) bool {
	if !strings.Contains(policyPrincipal, ":role/") {
		return false
	}
	return accountOf(policyPrincipal) == accountOf(who) && roleName(policyPrincipal) == roleName(who)
}

// isAssumedRole: the caller is a role session (a task, the controller on IRSA).
func isAssumedRole(arn string) bool {
	return strings.Contains(arn, ":assumed-role/") || strings.Contains(arn, ":role/")
}
