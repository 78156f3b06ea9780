package probe

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Admission already checks these; the controller checks again because a
// spec may bypass admission (an older CRD, a direct etcd write), and the
// probe script checks a third time.
var (
	awsServiceRE  = regexp.MustCompile(`^[a-z0-9-]+$`)
	readOnlyRE    = regexp.MustCompile(`^(List|Describe|Get|Head)[A-Za-z0-9]+$`)
	awsArgNameRE  = regexp.MustCompile(`^--[a-z0-9-]+$`)
	awsArgValueRE = regexp.MustCompile(`^[A-Za-z0-9._:/=+,@-]*$`)
)

// RefusedAWSOptions are aws CLI options a target may not pass: they would
// send the call elsewhere, print credentials, read local files or change
// what comes back. The probe script refuses the same list.
var RefusedAWSOptions = []string{
	"--endpoint-url", "--debug", "--profile", "--region", "--output", "--query",
	"--cli-input-json", "--cli-input-yaml", "--generate-cli-skeleton",
	"--no-verify-ssl", "--ca-bundle", "--no-sign-request", "--cli-read-timeout",
	"--cli-connect-timeout", "--cli-binary-format", "--cli-auto-prompt",
	"--no-cli-auto-prompt", "--color", "--no-paginate", "--no-cli-pager", "--version",
}

// WireTarget turns a spec target into a protocol target with the given ID,
// or explains why it may not be sent.
func WireTarget(id string, t v1alpha1.Target) (wire.Target, error) {
	switch {
	case t.TCP != nil:
		return wire.TCP(id, t.TCP.Host, int(t.TCP.Port)), nil
	case t.DNS != nil:
		return wire.DNS(id, t.DNS.Name), nil
	case t.HTTP != nil:
		u := t.HTTP.URL
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return wire.Target{}, fmt.Errorf("url %q is not http(s)", u)
		}
		return wire.HTTP(id, u), nil
	case t.AWSAPI != nil:
		return awsTarget(id, t.AWSAPI)
	}
	return wire.Target{}, fmt.Errorf("target %s has none of tcp, dns, http or awsAPI", t.Name)
}

func awsTarget(id string, a *v1alpha1.AWSAPITarget) (wire.Target, error) {
	if !awsServiceRE.MatchString(a.Service) {
		return wire.Target{}, fmt.Errorf("awsAPI.service %q is not an AWS CLI service name", a.Service)
	}
	if !readOnlyRE.MatchString(a.Action) {
		return wire.Target{}, fmt.Errorf("awsAPI.action %q is not a read-only action (List*, Describe*, Get*, Head*)", a.Action)
	}
	keys := make([]string, 0, len(a.Args))
	for k := range a.Args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var args []string
	for _, k := range keys {
		v := string(a.Args[k])
		switch {
		case !awsArgNameRE.MatchString(k):
			return wire.Target{}, fmt.Errorf("awsAPI.args key %q is not a CLI option", k)
		case slices.Contains(RefusedAWSOptions, k):
			return wire.Target{}, fmt.Errorf("awsAPI.args may not set %s", k)
		case !awsArgValueRE.MatchString(v), refusedValue(v):
			return wire.Target{}, fmt.Errorf("awsAPI.args value of %s is not allowed", k)
		}
		args = append(args, k, v)
	}
	return wire.AWS(id, a.Service, KebabCase(a.Action), args...), nil
}

// refusedValue: the CLI reads file:// and fileb:// values from disk.
func refusedValue(v string) bool {
	lv := strings.ToLower(v)
	return strings.HasPrefix(lv, "file://") || strings.HasPrefix(lv, "fileb://") ||
		strings.HasPrefix(lv, "http://") || strings.HasPrefix(lv, "https://")
}

// The aws CLI's command names come from botocore's xform_name.
var (
	pluralAcronymRE = regexp.MustCompile(`[A-Z]{2,}s$`)
	firstCapRE      = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	endCapRE        = regexp.MustCompile(`([a-z0-9])([A-Z])`)
)

// KebabCase turns an API action into its aws CLI command, as botocore does:
// ListTopics → list-topics, DescribeDBInstances → describe-db-instances,
// ListARNs → list-arns.
func KebabCase(action string) string {
	if m := pluralAcronymRE.FindString(action); m != "" {
		action = action[:len(action)-len(m)] + "-" + strings.ToLower(m)
	}
	s := firstCapRE.ReplaceAllString(action, "${1}-${2}")
	return strings.ToLower(endCapRE.ReplaceAllString(s, "${1}-${2}"))
}
