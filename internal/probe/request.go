package probe

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Admission already checks these; the controller checks again because a
// spec may bypass admission (an older CRD, a direct etcd write), and the
// wire package and the probe script check service and command a third and
// fourth time.
var (
	readOnlyRE = regexp.MustCompile(`^(List|Describe|Get|Head)[A-Z][A-Za-z0-9]*$`)
	// awsParamRE is a request member name of an AWS API (botocore's input
	// shapes): TopicArn, MaxResults, and for ECS, ECR or CloudWatch Logs
	// cluster, logGroupNamePrefix.
	awsParamRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,127}$`)
)

// maxArgValue is the longest string value admission accepts.
const maxArgValue = 1024

// The CEL rules of the CRD for hosts, names and URLs (spec_types.go), in Go:
// the same RE2 expressions, and what the Kubernetes CEL library's isIP
// (netip.ParseAddr, no zone, no IPv4-mapped IPv6) and isURL
// (url.ParseRequestURI) accept. Lengths count characters, as OpenAPI does.
var (
	hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)
	urlRE  = regexp.MustCompile(`^https?://[^\s\x27"` + "`" + `$;&|<>(){}\\^!*]+$`)
)

func validHost(s string) bool {
	return hostRE.MatchString(s) && utf8.RuneCountInString(s) <= 253
}

func validIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == "" && !a.Is4In6() && utf8.RuneCountInString(s) <= 253
}

func validURL(s string) bool {
	_, err := url.ParseRequestURI(s)
	return err == nil && urlRE.MatchString(s) && utf8.RuneCountInString(s) <= 2048
}

// WireTarget turns a spec target into a protocol target with the given ID,
// or explains why it may not be sent.
func WireTarget(id string, t v1alpha1.Target) (wire.Target, error) {
	switch {
	case t.TCP != nil:
		if !validHost(t.TCP.Host) && !validIP(t.TCP.Host) {
			return wire.Target{}, fmt.Errorf("tcp host %q is not a DNS name or an IP address", t.TCP.Host)
		}
		return wire.TCP(id, t.TCP.Host, int(t.TCP.Port)), nil
	case t.DNS != nil:
		if !validHost(t.DNS.Name) {
			return wire.Target{}, fmt.Errorf("dns name %q is not a DNS name", t.DNS.Name)
		}
		return wire.DNS(id, t.DNS.Name), nil
	case t.HTTP != nil:
		if !validURL(t.HTTP.URL) {
			return wire.Target{}, fmt.Errorf("url %q is not an http(s) URL without white space, quotes or shell metacharacters", t.HTTP.URL)
		}
		return wire.HTTP(id, t.HTTP.URL), nil
	case t.AWSAPI != nil:
		return awsTarget(id, t.AWSAPI)
	}
	return wire.Target{}, fmt.Errorf("target %s has none of tcp, dns, http or awsAPI", t.Name)
}

func awsTarget(id string, a *v1alpha1.AWSAPITarget) (wire.Target, error) {
	input, err := AWSInput(a)
	if err != nil {
		return wire.Target{}, err
	}
	return wire.AWSInput(id, a.Service, KebabCase(a.Action), input), nil
}

// AWSInput validates an awsAPI target as admission does and returns its
// request parameters as the JSON document the probe passes to the aws CLI
// with --cli-input-json. Keys and values are data in that document: the
// CLI never parses them as options, nor reads file:// or http:// values.
func AWSInput(a *v1alpha1.AWSAPITarget) ([]byte, error) {
	if !wire.ServiceRE.MatchString(a.Service) || len(a.Service) > 64 {
		return nil, fmt.Errorf("awsAPI.service %q is not an AWS CLI service name", a.Service)
	}
	if !readOnlyRE.MatchString(a.Action) || len(a.Action) > 128 {
		return nil, fmt.Errorf("awsAPI.action %q is not a read-only action (List*, Describe*, Get*, Head*)", a.Action)
	}
	if len(a.Args) > 10 {
		return nil, fmt.Errorf("awsAPI.args has %d parameters, more than 10", len(a.Args))
	}
	params := make(map[string]any, len(a.Args))
	for k, v := range a.Args {
		if !awsParamRE.MatchString(k) {
			return nil, fmt.Errorf("awsAPI.args key %q is not an API parameter name", k)
		}
		switch v.Type {
		case intstr.Int:
			params[k] = v.IntVal
		case intstr.String:
			if utf8.RuneCountInString(v.StrVal) > maxArgValue {
				return nil, fmt.Errorf("awsAPI.args value of %s is longer than %d characters", k, maxArgValue)
			}
			params[k] = v.StrVal
		default:
			return nil, fmt.Errorf("awsAPI.args value of %s is neither a string nor an integer", k)
		}
	}
	// encoding/json sorts the keys, so equal args give equal requests.
	return json.Marshal(params)
}

// The aws CLI's command names come from botocore's xform_name.
var (
	pluralAcronymRE = regexp.MustCompile(`[A-Z]{2,}s$`)
	firstCapRE      = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	endCapRE        = regexp.MustCompile(`([a-z0-9])([A-Z])`)
)

// specialCommands are the read-only actions botocore does not name by its
// rules but by a table (the _xform_cache that botocore/__init__.py seeds,
// botocore 1.43.11); TestEveryBotocoreReadOnlyActionPasses finds new ones.
var specialCommands = map[string]string{
	"DescribeCachediSCSIVolumes":                  "describe-cached-iscsi-volumes",
	"DescribeStorediSCSIVolumes":                  "describe-stored-iscsi-volumes",
	"GetLinkedWhatsAppBusinessAccount":            "get-linked-whatsapp-business-account",
	"GetLinkedWhatsAppBusinessAccountPhoneNumber": "get-linked-whatsapp-business-account-phone-number",
	"GetOTelEnrichment":                           "get-otel-enrichment",
	"GetWhatsAppMessageMedia":                     "get-whatsapp-message-media",
	"GetWhatsAppMessageTemplate":                  "get-whatsapp-message-template",
	"ListHITsForQualificationType":                "list-hits-for-qualification-type",
	"ListLinkedWhatsAppBusinessAccounts":          "list-linked-whatsapp-business-accounts",
	"ListWhatsAppMessageTemplates":                "list-whatsapp-message-templates",
	"ListWhatsAppTemplateLibrary":                 "list-whatsapp-template-library",
}

// KebabCase turns an API action into its aws CLI command, as botocore's
// xform_name does: ListTopics → list-topics, DescribeDBInstances →
// describe-db-instances, ListARNs → list-arns.
func KebabCase(action string) string {
	if c, ok := specialCommands[action]; ok {
		return c
	}
	if m := pluralAcronymRE.FindString(action); m != "" {
		action = action[:len(action)-len(m)] + "-" + strings.ToLower(m)
	}
	s := firstCapRE.ReplaceAllString(action, "${1}-${2}")
	return strings.ToLower(endCapRE.ReplaceAllString(s, "${1}-${2}"))
}
