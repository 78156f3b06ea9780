package diagnose

import (
	"fmt"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
)

// collector gathers findings in the order they are found and drops
// repeats: the same rule seen from two subnets or for two addresses of one
// name is one finding.
type collector struct {
	seen map[string]bool
	list []v1alpha1.Finding
}

func newCollector() *collector { return &collector{seen: map[string]bool{}} }

// add records a finding once per key; an empty key means code and resource.
func (c *collector) add(key string, code v1alpha1.FindingCode, resource, format string, args ...any) {
	if key == "" {
		key = string(code) + "|" + resource
	} else {
		key = string(code) + "|" + resource + "|" + key
	}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.list = append(c.list, v1alpha1.Finding{Code: code, Resource: resource, Message: fmt.Sprintf(format, args...)})
}

func (c *collector) merge(fs []v1alpha1.Finding) {
	for _, f := range fs {
		c.add(f.Message, f.Code, f.Resource, "%s", f.Message)
	}
}

func (c *collector) result() []v1alpha1.Finding { return c.list }
