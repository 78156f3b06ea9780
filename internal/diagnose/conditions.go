package diagnose

import "strings"

// matchConditions evaluates a statement's Condition block with the keys
// the request context knows. Unknown keys and operators make the match
// maybe: a condition diagnosis cannot see may hold or not.
func matchConditions(cond map[string]map[string][]string, ctx map[string][]string) tri {
	result := yes
	for op, kv := range cond {
		for key, want := range kv {
			got, known := ctx[strings.ToLower(key)]
			var m tri
			if !known {
				m = maybe
			} else {
				m = matchCondition(op, want, got)
			}
			result = and(result, m)
			if result == no {
				return no
			}
		}
	}
	return result
}

func matchCondition(op string, want, got []string) tri {
	set := ""
	if i := strings.Index(op, ":"); i > 0 {
		set, op = strings.ToLower(op[:i]), op[i+1:]
	}
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")
	negated := strings.Contains(op, "Not")
	if got == nil { // the key is known to be absent
		switch {
		case op == "Null":
			return boolTri(len(want) > 0 && strings.EqualFold(want[0], "true"))
		case ifExists, set == "forallvalues":
			return yes
		case set == "foranyvalue":
			return no
		}
		return boolTri(negated)
	}
	if op == "Null" {
		return boolTri(len(want) > 0 && strings.EqualFold(want[0], "false"))
	}
	cmp, ok := comparator(op)
	if !ok {
		return maybe
	}
	// one reports whether a single context value satisfies the operator.
	one := func(g string) bool {
		hit := false
		for _, w := range want {
			if cmp(w, g) {
				hit = true
				break
			}
		}
		return hit != negated
	}
	switch set {
	case "forallvalues":
		for _, g := range got {
			if !one(g) {
				return no
			}
		}
		return yes
	default: // single-valued keys behave like ForAnyValue
		for _, g := range got {
			if one(g) {
				return yes
			}
		}
		return no
	}
}

// comparator is the positive form of a condition operator.
func comparator(op string) (func(want, got string) bool, bool) {
	switch strings.Replace(op, "Not", "", 1) {
	case "StringEquals", "ArnEquals":
		return func(w, g string) bool { return w == g }, true
	case "StringEqualsIgnoreCase":
		return strings.EqualFold, true
	case "StringLike", "ArnLike":
		return func(w, g string) bool { return glob(w, g) }, true
	case "Bool":
		return strings.EqualFold, true
	}
	return nil, false
}

func boolTri(b bool) tri {
	if b {
		return yes
	}
	return no
}
