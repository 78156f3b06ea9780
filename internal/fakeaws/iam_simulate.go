package fakeaws

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// awsManagedPolicies are AWS-managed policies the fake knows without a
// scenario declaring them; seed 001 hinges on what the execution role
// policy does not grant (logs:CreateLogGroup).
var awsManagedPolicies = map[string]*ManagedPolicy{
	"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy": {
		ARN: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", Name: "AmazonECSTaskExecutionRolePolicy",
		Path: "/service-role/", ID: "ANPAJG4T4G4PV56DE72PY", VersionID: "v1",
		Document:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
		CreateDate: time.Date(2017, 11, 16, 18, 48, 22, 0, time.UTC),
	},
	"arn:aws:iam::aws:policy/ReadOnlyAccess": {
		ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess", Name: "ReadOnlyAccess", Path: "/",
		ID: "ANPAILL3HVNFSB6DCOWYQ", VersionID: "v1",
		Document:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:Get*","*:List*"],"Resource":"*"}]}`,
		CreateDate: time.Date(2015, 2, 6, 18, 39, 48, 0, time.UTC),
	},
}

// rolePolicies are the identity policies of a role: inline ones and the
// default versions of attached managed ones.
func (s *Server) rolePolicies(acct string, r *Role) ([]sourcePolicy, error) {
	var out []sourcePolicy
	for _, name := range sortedKeys(r.Inline) {
		d, err := parsePolicy(r.Inline[name])
		if err != nil {
			return nil, err
		}
		out = append(out, sourcePolicy{ID: name, Type: "role", Doc: d})
	}
	for _, arn := range r.Attached {
		p := s.policy(arn)
		if p == nil {
			continue
		}
		d, err := parsePolicy(p.Document)
		if err != nil {
			return nil, err
		}
		typ := "user-managed"
		if strings.HasPrefix(arn, "arn:aws:iam::aws:") {
			typ = "aws-managed"
		}
		out = append(out, sourcePolicy{ID: p.Name, Type: typ, Doc: d})
	}
	return out, nil
}

// contextEntries reads ContextEntries.member.N.{ContextKeyName,ContextKeyValues.member.M}.
func (rq *request) contextEntries() map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		p := "ContextEntries.member." + strconv.Itoa(i)
		name := rq.form.Get(p + ".ContextKeyName")
		if name == "" {
			return out
		}
		out[strings.ToLower(name)] = rq.list(p + ".ContextKeyValues")
	}
}

func iamSimulatePrincipalPolicy(s *Server, rq *request) (any, error) {
	src := rq.form.Get("PolicySourceArn")
	acct := arnAccount(src)
	if !strings.Contains(src, ":role/") {
		return nil, errf(400, "InvalidInput", "The fake simulates roles only; got %s", src)
	}
	r := s.findRole(acct, roleName(src))
	if r == nil {
		return nil, noSuchRole(roleName(src))
	}
	pols, err := s.rolePolicies(acct, r)
	if err != nil {
		return nil, err
	}
	for i, doc := range rq.list("PolicyInputList") {
		d, err := parsePolicy(PolicyDocument(doc))
		if err != nil {
			return nil, err
		}
		pols = append(pols, sourcePolicy{ID: "PolicyInputList." + strconv.Itoa(i+1), Type: "none", Doc: d})
	}
	var boundary []sourcePolicy
	if r.PermissionsBoundary != "" {
		if p := s.policy(r.PermissionsBoundary); p != nil {
			d, err := parsePolicy(p.Document)
			if err != nil {
				return nil, err
			}
			boundary = []sourcePolicy{{ID: p.Name, Type: "user-managed", Doc: d}}
		}
	}
	actions := rq.list("ActionNames")
	if len(actions) == 0 {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	resources := rq.list("ResourceArns")
	perResource := len(resources) > 0
	if !perResource {
		resources = []string{"*"}
	}
	keys := rq.contextEntries()
	var results []X
	for _, action := range actions {
		for _, res := range resources {
			c := &evalContext{action: action, resource: res, keys: keys, missing: map[string]bool{}}
			d := evaluate(pols, c, nil)
			var pbDetail X
			if boundary != nil {
				bd := evaluate(boundary, c, nil)
				allowed := bd.Decision == "allowed"
				pbDetail = E("PermissionsBoundaryDecisionDetail", TB("AllowedByPermissionsBoundary", allowed))
				if !allowed && d.Decision == "allowed" {
					d = decision{Decision: "implicitDeny"}
				}
			}
			var matched []X
			for _, m := range d.Matched {
				matched = append(matched, E("member", T("SourcePolicyId", m.PolicyID), T("SourcePolicyType", m.PolicyType)))
			}
			var missing []string
			for k := range c.missing {
				missing = append(missing, k)
			}
			sort.Strings(missing)
			// MissingContextValues "is used when the resource in a simulation
			// is *"; with ResourceArns the keys are "instead included under
			// the ResourceSpecificResults" (botocore iam/2010-05-08
			// service-2.json, EvaluationResult and ResourceSpecificResult).
			if !perResource {
				results = append(results, E("member", T("EvalActionName", action), T("EvalResourceName", res),
					T("EvalDecision", d.Decision), List("MatchedStatements", "member", matched),
					Strings("MissingContextValues", "member", missing), pbDetail))
				continue
			}
			specific := E("member", T("EvalResourceName", res), T("EvalResourceDecision", d.Decision),
				List("MatchedStatements", "member", matched), Strings("MissingContextValues", "member", missing), pbDetail)
			results = append(results, E("member", T("EvalActionName", action), T("EvalResourceName", res),
				T("EvalDecision", d.Decision), List("MatchedStatements", "member", matched),
				Strings("MissingContextValues", "member", nil), pbDetail,
				List("ResourceSpecificResults", "member", []X{specific})))
		}
	}
	return []X{List("EvaluationResults", "member", results), TB("IsTruncated", false)}, nil
}
