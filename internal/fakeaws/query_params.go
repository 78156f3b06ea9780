package fakeaws

import (
	"sort"
	"strconv"
	"strings"
)

// list reads a query-protocol list: "Name.1", "Name.2"... (EC2) or
// "Name.member.1"... (awsQuery), in index order.
func (rq *request) list(name string) []string {
	type iv struct {
		i int
		v string
	}
	var items []iv
	for k, vs := range rq.form {
		rest, ok := strings.CutPrefix(k, name+".")
		if !ok {
			continue
		}
		rest = strings.TrimPrefix(rest, "member.")
		n, err := strconv.Atoi(rest)
		if err != nil || len(vs) == 0 {
			continue
		}
		items = append(items, iv{n, vs[0]})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = x.v
	}
	return out
}

// filter is one EC2 Filter.N: a name and the values any of which may match.
type filter struct {
	Name   string
	Values []string
}

// filters reads Filter.N.Name / Filter.N.Value.M.
func (rq *request) filters() []filter {
	byIdx := map[int]*filter{}
	for k, vs := range rq.form {
		rest, ok := strings.CutPrefix(k, "Filter.")
		if !ok || len(vs) == 0 {
			continue
		}
		parts := strings.SplitN(rest, ".", 2)
		n, err := strconv.Atoi(parts[0])
		if err != nil || len(parts) < 2 {
			continue
		}
		f := byIdx[n]
		if f == nil {
			f = &filter{}
			byIdx[n] = f
		}
		if parts[1] == "Name" {
			f.Name = vs[0]
		} else if strings.HasPrefix(parts[1], "Value.") {
			f.Values = append(f.Values, vs[0])
		}
	}
	out := make([]filter, 0, len(byIdx))
	for _, n := range sortedIntKeys(byIdx) {
		out = append(out, *byIdx[n])
	}
	return out
}

func sortedIntKeys[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// attrs answers, for a filter name, the values of one resource; ok is false
// for filter names the resource type does not know.
type attrs func(name string) (values []string, ok bool)

// matchFilters applies every filter (all must match; within one filter any
// value). Tag filters (tag:Key, tag-key) are handled for every type. An
// unknown filter name is an error, as in EC2.
func matchFilters(fs []filter, tags Tags, a attrs) (bool, *apiError) {
	for _, f := range fs {
		var vals []string
		switch {
		case strings.HasPrefix(f.Name, "tag:"):
			if v, ok := tags[strings.TrimPrefix(f.Name, "tag:")]; ok {
				vals = []string{v}
			}
		case f.Name == "tag-key":
			vals = sortedKeys(tags)
		case f.Name == "tag-value":
			for _, k := range sortedKeys(tags) {
				vals = append(vals, tags[k])
			}
		default:
			v, ok := a(f.Name)
			if !ok {
				return false, errf(400, "InvalidParameterValue", "The filter '%s' is invalid", f.Name)
			}
			vals = v
		}
		if !anyMatch(f.Values, vals) {
			return false, nil
		}
	}
	return true, nil
}

func anyMatch(patterns, vals []string) bool {
	for _, p := range patterns {
		for _, v := range vals {
			if wildcardMatch(p, v) {
				return true
			}
		}
	}
	return false
}

func bstr(b bool) string { return strconv.FormatBool(b) }

// ec2Page applies MaxResults/NextToken to a describe call's items.
func (rq *request) ec2Page(items []X) ([]X, string, error) {
	max, _ := strconv.Atoi(rq.form.Get("MaxResults"))
	return paginate(items, max, rq.form.Get("NextToken"), 1000)
}
