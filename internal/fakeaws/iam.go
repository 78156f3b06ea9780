package fakeaws

import (
	"net/url"
	"strings"
)

func init() {
	register("iam", map[string]handler{
		"GetRole":                  iamGetRole,
		"ListAttachedRolePolicies": iamListAttachedRolePolicies,
		"ListRolePolicies":         iamListRolePolicies,
		"GetRolePolicy":            iamGetRolePolicy,
		"GetPolicy":                iamGetPolicy,
		"GetPolicyVersion":         iamGetPolicyVersion,
		"SimulatePrincipalPolicy":  iamSimulatePrincipalPolicy,
	})
}

// defaultTrustPolicy lets ECS tasks assume a role that names no trust policy.
const defaultTrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// iamEncode is how IAM returns policy documents: URL-encoded (RFC 3986),
// which the SDK hands to callers as is.
func iamEncode(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

func roleARN(acct string, r *Role) string { return "arn:aws:iam::" + acct + ":role" + r.Path + r.Name }

func noSuchRole(name string) *apiError {
	return errf(404, "NoSuchEntity", "The role with name %s cannot be found.", name)
}

func (rq *request) role() (*Role, error) {
	name := rq.form.Get("RoleName")
	for _, r := range rq.acct.Roles {
		if r.Name == name {
			return r, nil
		}
	}
	return nil, noSuchRole(name)
}

func iamTags(t Tags) X {
	var items []X
	for _, k := range sortedKeys(t) {
		items = append(items, E("member", T("Key", k), T("Value", t[k])))
	}
	return List("Tags", "member", items)
}

func iamGetRole(s *Server, rq *request) (any, error) {
	r, err := rq.role()
	if err != nil {
		return nil, err
	}
	trust := string(r.TrustPolicy)
	if trust == "" {
		trust = defaultTrustPolicy
	}
	var pb X
	if r.PermissionsBoundary != "" {
		pb = E("PermissionsBoundary", T("PermissionsBoundaryType", "Policy"), T("PermissionsBoundaryArn", r.PermissionsBoundary))
	}
	return []X{E("Role", T("Path", r.Path), T("RoleName", r.Name), T("RoleId", r.ID), T("Arn", roleARN(rq.acct.ID, r)),
		TT("CreateDate", r.CreateDate), T("AssumeRolePolicyDocument", iamEncode(trust)), Opt("Description", r.Description),
		TI("MaxSessionDuration", r.MaxSessionDuration), pb, iamTags(r.Tags), E("RoleLastUsed"))}, nil
}

func iamListAttachedRolePolicies(s *Server, rq *request) (any, error) {
	r, err := rq.role()
	if err != nil {
		return nil, err
	}
	var items []X
	for _, arn := range r.Attached {
		name := arn[strings.LastIndex(arn, "/")+1:]
		if p := s.policy(arn); p != nil {
			name = p.Name
		}
		items = append(items, E("member", T("PolicyName", name), T("PolicyArn", arn)))
	}
	return []X{List("AttachedPolicies", "member", items), TB("IsTruncated", false)}, nil
}

func iamListRolePolicies(s *Server, rq *request) (any, error) {
	r, err := rq.role()
	if err != nil {
		return nil, err
	}
	return []X{Strings("PolicyNames", "member", sortedKeys(r.Inline)), TB("IsTruncated", false)}, nil
}

func iamGetRolePolicy(s *Server, rq *request) (any, error) {
	r, err := rq.role()
	if err != nil {
		return nil, err
	}
	name := rq.form.Get("PolicyName")
	doc, ok := r.Inline[name]
	if !ok {
		return nil, errf(404, "NoSuchEntity", "The role policy with name %s cannot be found.", name)
	}
	return []X{T("RoleName", r.Name), T("PolicyName", name), T("PolicyDocument", iamEncode(string(doc)))}, nil
}

// policy finds a managed policy by ARN in any account, including the
// AWS-managed policies the fake knows.
func (s *Server) policy(arn string) *ManagedPolicy {
	for _, a := range s.state.Accounts {
		for _, p := range a.Policies {
			if p.ARN == arn {
				return p
			}
		}
	}
	return awsManagedPolicies[arn]
}

// attachments counts the roles a managed policy is attached to.
func (s *Server) attachments(arn string) int {
	n := 0
	for _, a := range s.state.Accounts {
		for _, r := range a.Roles {
			if includes(r.Attached, arn) {
				n++
			}
		}
	}
	return n
}

func noSuchPolicy(arn string) *apiError {
	return errf(404, "NoSuchEntity", "Policy %s was not found.", arn)
}

func iamGetPolicy(s *Server, rq *request) (any, error) {
	arn := rq.form.Get("PolicyArn")
	p := s.policy(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	return []X{E("Policy", T("PolicyName", p.Name), T("PolicyId", p.ID), T("Arn", p.ARN), T("Path", p.Path),
		T("DefaultVersionId", p.VersionID), TI("AttachmentCount", s.attachments(arn)),
		TI("PermissionsBoundaryUsageCount", 0), TB("IsAttachable", true), Opt("Description", p.Description),
		TT("CreateDate", p.CreateDate), TT("UpdateDate", p.CreateDate))}, nil
}

func iamGetPolicyVersion(s *Server, rq *request) (any, error) {
	arn, v := rq.form.Get("PolicyArn"), rq.form.Get("VersionId")
	p := s.policy(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	if v != p.VersionID {
		return nil, errf(404, "NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", arn, v)
	}
	return []X{E("PolicyVersion", T("Document", iamEncode(string(p.Document))), T("VersionId", p.VersionID),
		TB("IsDefaultVersion", true), TT("CreateDate", p.CreateDate))}, nil
}
