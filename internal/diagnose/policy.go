package diagnose

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// policyDoc is a parsed IAM policy document (identity, boundary or VPC
// endpoint policy).
type policyDoc struct {
	// name is how messages refer to it: "inline policy p of role r",
	// a managed policy ARN, "the policy of endpoint vpce-1".
	name       string
	statements []statement
}

type statement struct {
	sid, effect                              string
	action, notAction, resource, notResource []string
	// principal is nil in identity policies.
	principal    *principal
	notPrincipal bool
	// condition is operator -> key -> values.
	condition map[string]map[string][]string
}

type principal struct {
	any bool
	aws []string // ARNs, account IDs or "*"
}

func (s statement) deny() bool { return strings.EqualFold(s.effect, "Deny") }

// label names a statement for messages.
func (s statement) label() string {
	if s.sid != "" {
		return "statement " + s.sid
	}
	return "a " + strings.ToLower(s.effect) + " statement"
}

// decodePolicyText undoes the URL encoding IAM applies to policy documents
// in GetRolePolicy and GetPolicyVersion answers.
func decodePolicyText(s string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "%7B") || strings.HasPrefix(t, "%7b") {
		if u, err := url.QueryUnescape(t); err == nil {
			return u
		}
	}
	return t
}

func parsePolicy(name, text string) (*policyDoc, error) {
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(decodePolicyText(text)), &raw); err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	var stmts []rawStatement
	if b := strings.TrimSpace(string(raw.Statement)); strings.HasPrefix(b, "{") {
		var one rawStatement
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, fmt.Errorf("policy %s: %w", name, err)
		}
		stmts = []rawStatement{one}
	} else if b != "" {
		if err := json.Unmarshal(raw.Statement, &stmts); err != nil {
			return nil, fmt.Errorf("policy %s: %w", name, err)
		}
	}
	doc := &policyDoc{name: name}
	for _, r := range stmts {
		s := statement{
			sid: r.Sid, effect: r.Effect, action: r.Action, notAction: r.NotAction,
			resource: r.Resource, notResource: r.NotResource, notPrincipal: len(r.NotPrincipal) > 0,
			condition: map[string]map[string][]string{},
		}
		if len(r.Principal) > 0 {
			s.principal = parsePrincipal(r.Principal)
		}
		for op, kv := range r.Condition {
			s.condition[op] = map[string][]string{}
			for k, v := range kv {
				s.condition[op][k] = v
			}
		}
		doc.statements = append(doc.statements, s)
	}
	return doc, nil
}

type rawStatement struct {
	Sid          string
	Effect       string
	Action       stringList
	NotAction    stringList
	Resource     stringList
	NotResource  stringList
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
	Condition    map[string]map[string]stringList
}

// stringList reads a JSON string, array, number or boolean as strings:
// policies write single values without brackets.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			*l = append(*l, fmt.Sprint(e))
		}
	case nil:
	default:
		*l = stringList{fmt.Sprint(x)}
	}
	return nil
}

func parsePrincipal(b json.RawMessage) *principal {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return &principal{any: s == "*"}
	}
	var m map[string]stringList
	if json.Unmarshal(b, &m) != nil {
		return &principal{}
	}
	p := &principal{}
	for _, a := range m["AWS"] {
		if a == "*" {
			p.any = true
		}
		p.aws = append(p.aws, a)
	}
	return p
}
