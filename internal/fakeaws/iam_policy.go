package fakeaws

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// A small IAM policy evaluator: enough of the language for
// SimulatePrincipalPolicy and role trust to agree with AWS on the policies
// ecscheck meets (Allow/Deny, Action/NotAction, Resource/NotResource,
// Principal, and the string, ARN, bool and numeric condition operators with
// IfExists and ForAnyValue/ForAllValues).

type strList []string

func (l *strList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = strList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

type statement struct {
	Sid         string                        `json:"Sid"`
	Effect      string                        `json:"Effect"`
	Action      strList                       `json:"Action"`
	NotAction   strList                       `json:"NotAction"`
	Resource    strList                       `json:"Resource"`
	NotResource strList                       `json:"NotResource"`
	Principal   json.RawMessage               `json:"Principal"`
	Condition   map[string]map[string]strList `json:"Condition"`
}

type policyDoc struct {
	Statement []statement
}

func (d *policyDoc) UnmarshalJSON(b []byte) error {
	var raw struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var one statement
	if len(raw.Statement) > 0 && raw.Statement[0] == '{' {
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return err
		}
		d.Statement = []statement{one}
		return nil
	}
	return json.Unmarshal(raw.Statement, &d.Statement)
}

func parsePolicy(doc PolicyDocument) (*policyDoc, error) {
	var d policyDoc
	if doc == "" {
		return &d, nil
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, errf(400, "MalformedPolicyDocument", "Syntax errors in policy.")
	}
	return &d, nil
}

// evalContext is the request context a statement is evaluated in.
type evalContext struct {
	action, resource string
	keys             map[string][]string // condition keys, lower-cased names
	missing          map[string]bool     // keys a condition asked for and did not find
}

func (st *statement) matchesAction(action string) bool {
	if len(st.NotAction) > 0 {
		return !anyFold(st.NotAction, action)
	}
	return anyFold(st.Action, action)
}

func anyFold(patterns []string, v string) bool {
	for _, p := range patterns {
		if wildcardMatch(strings.ToLower(p), strings.ToLower(v)) {
			return true
		}
	}
	return false
}

func (st *statement) matchesResource(res string) bool {
	if len(st.NotResource) > 0 {
		return !anyMatch(st.NotResource, []string{res})
	}
	if len(st.Resource) == 0 {
		return true // trust policies carry no Resource
	}
	return anyMatch(st.Resource, []string{res})
}

// conditionsHold evaluates every operator block; all must hold.
func (st *statement) conditionsHold(c *evalContext) bool {
	for op, keys := range st.Condition {
		for key, want := range keys {
			if !evalCondition(op, key, want, c) {
				return false
			}
		}
	}
	return true
}

func evalCondition(op, key string, want []string, c *evalContext) bool {
	set := ""
	if i := strings.Index(op, ":"); i >= 0 {
		set, op = op[:i], op[i+1:]
	}
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")
	negated := strings.Contains(op, "Not")
	got, present := c.keys[strings.ToLower(key)]
	if op == "Null" {
		isNull := !present
		return anyMatch(want, []string{strconv.FormatBool(isNull)})
	}
	if !present {
		c.missing[key] = true
		switch {
		case ifExists, negated, set == "ForAllValues":
			return true
		}
		return false
	}
	match := func(v string) bool {
		for _, w := range want {
			if compare(op, v, w) {
				return true
			}
		}
		return false
	}
	switch set {
	case "ForAllValues":
		for _, v := range got {
			if !match(v) {
				return false
			}
		}
		return true
	default: // single-valued keys and ForAnyValue
		for _, v := range got {
			if match(v) {
				return true
			}
		}
		return false
	}
}

// compare applies one operator; negated operators are "not equal to any".
func compare(op, v, w string) bool {
	base := strings.Replace(op, "Not", "", 1)
	var eq bool
	switch base {
	case "StringEquals", "ArnEquals", "BinaryEquals":
		eq = v == w
	case "StringEqualsIgnoreCase":
		eq = strings.EqualFold(v, w)
	case "StringLike", "ArnLike":
		eq = wildcardMatch(w, v)
	case "Bool":
		eq = strings.EqualFold(v, w)
	case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
		a, e1 := strconv.ParseFloat(v, 64)
		b, e2 := strconv.ParseFloat(w, 64)
		if e1 != nil || e2 != nil {
			return false
		}
		eq = map[string]bool{"NumericEquals": a == b, "NumericLessThan": a < b, "NumericLessThanEquals": a <= b,
			"NumericGreaterThan": a > b, "NumericGreaterThanEquals": a >= b}[base]
	case "DateEquals", "DateLessThan", "DateGreaterThan":
		a, e1 := time.Parse(time.RFC3339, v)
		b, e2 := time.Parse(time.RFC3339, w)
		if e1 != nil || e2 != nil {
			return false
		}
		eq = map[string]bool{"DateEquals": a.Equal(b), "DateLessThan": a.Before(b), "DateGreaterThan": a.After(b)}[base]
	default:
		return false
	}
	if strings.Contains(op, "Not") {
		return !eq
	}
	return eq
}

// principalMatches checks a trust statement's Principal against a caller.
func principalMatches(raw json.RawMessage, who *principal) bool {
	if len(raw) == 0 {
		return false
	}
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*"
	}
	var m map[string]strList
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for _, p := range m["AWS"] {
		switch {
		case p == "*":
			return true
		case p == who.Account, p == "arn:aws:iam::"+who.Account+":root":
			return true
		case p == who.ARN, who.RoleARN != "" && p == who.RoleARN:
			return true
		}
	}
	return false
}

// decision is the outcome of evaluating a set of policies.
type decision struct {
	Decision string // allowed | explicitDeny | implicitDeny
	Matched  []matchedStatement
}

type matchedStatement struct {
	PolicyID, PolicyType string
}

type sourcePolicy struct {
	ID, Type string
	Doc      *policyDoc
}

// evaluate applies AWS's rule: an explicit deny wins, then any allow, else
// the implicit deny.
func evaluate(pols []sourcePolicy, c *evalContext, who *principal) decision {
	var allows, denies []matchedStatement
	for _, p := range pols {
		for i := range p.Doc.Statement {
			st := &p.Doc.Statement[i]
			if !st.matchesAction(c.action) || !st.matchesResource(c.resource) {
				continue
			}
			if len(st.Principal) > 0 && (who == nil || !principalMatches(st.Principal, who)) {
				continue
			}
			if !st.conditionsHold(c) {
				continue
			}
			m := matchedStatement{PolicyID: p.ID, PolicyType: p.Type}
			if strings.EqualFold(st.Effect, "Deny") {
				denies = append(denies, m)
			} else {
				allows = append(allows, m)
			}
		}
	}
	switch {
	case len(denies) > 0:
		return decision{"explicitDeny", denies}
	case len(allows) > 0:
		return decision{"allowed", allows}
	}
	return decision{Decision: "implicitDeny"}
}
