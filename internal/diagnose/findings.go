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
	// endpoints are, per root-cause finding (code|resource), the VPC
	// endpoints that would serve its traffic without the internet: one
	// cause (no way out of the subnet) is one finding naming every
	// alternative fix, not one finding per service that needs it.
	endpoints map[string][]string
}

func newCollector() *collector {
	return &collector{seen: map[string]bool{}, endpoints: map[string][]string{}}
}

// rootCause identifies a finding that other needs are folded into.
type rootCause struct {
	code     v1alpha1.FindingCode
	resource string
}

// alsoEndpoint notes that an endpoint for a service would serve traffic
// the root cause blocks; result names them all in that finding.
func (c *collector) alsoEndpoint(rc rootCause, endpoint string) {
	k := string(rc.code) + "|" + rc.resource
	for _, e := range c.endpoints[k] {
		if e == endpoint {
			return
		}
	}
	c.endpoints[k] = append(c.endpoints[k], endpoint)
}

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

// drop removes the findings with this code on this resource: a cause
// already named by a finding that says more.
func (c *collector) drop(code v1alpha1.FindingCode, resource string) {
	kept := c.list[:0]
	for _, f := range c.list {
		if f.Code != code || f.Resource != resource {
			kept = append(kept, f)
		}
	}
	c.list = kept
}

// has reports whether a finding with this code (on resource, when given)
// was added.
func (c *collector) has(code v1alpha1.FindingCode, resource string) bool {
	for _, f := range c.list {
		if f.Code == code && (resource == "" || f.Resource == resource) {
			return true
		}
	}
	return false
}

func (c *collector) merge(fs []v1alpha1.Finding) {
	for _, f := range fs {
		c.add(f.Message, f.Code, f.Resource, "%s", f.Message)
	}
}

func (c *collector) result() []v1alpha1.Finding {
	out := make([]v1alpha1.Finding, len(c.list))
	copy(out, c.list)
	for i, f := range out {
		if eps := c.endpoints[string(f.Code)+"|"+f.Resource]; len(eps) > 0 {
			out[i].Message += " To stay off the internet instead, add VPC endpoints: " + joinList(eps) + "."
		}
	}
	return out
}
