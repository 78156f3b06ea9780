package wire

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Request is what one exec session asks the probe script to check.
type Request struct {
	// Nonce ties output lines to this request; no whitespace.
	Nonce string
	// Timeout bounds every target; sent as whole seconds, rounded up.
	Timeout time.Duration
	// Region is passed to the aws CLI as --region.
	Region  string
	Targets []Target
}

// Target is one check. Fields depend on Kind: dns {name}, tcp {host, port},
// http {url}, aws {service, cli-command, base64(input JSON)}.
type Target struct {
	ID     string
	Kind   string
	Fields []string
}

// DNS returns a dns target.
func DNS(id, name string) Target { return Target{ID: id, Kind: KindDNS, Fields: []string{name}} }

// TCP returns a tcp target.
func TCP(id, host string, port int) Target {
	return Target{ID: id, Kind: KindTCP, Fields: []string{host, strconv.Itoa(port)}}
}

// HTTP returns an http target.
func HTTP(id, url string) Target { return Target{ID: id, Kind: KindHTTP, Fields: []string{url}} }

// AWS returns an aws target that calls the CLI command (the kebab-case
// action, e.g. list-topics) with no parameters.
func AWS(id, service, command string) Target {
	return AWSInput(id, service, command, []byte("{}"))
}

// AWSInput returns an aws target whose request parameters are the JSON
// object input; the script passes it as the value of --cli-input-json.
func AWSInput(id, service, command string, input []byte) Target {
	return Target{ID: id, Kind: KindAWS, Fields: []string{service, command, base64.StdEncoding.EncodeToString(input)}}
}

// AWSInput returns the JSON request parameters of an aws target.
func (t Target) AWSInput() ([]byte, error) {
	if t.Kind != KindAWS || len(t.Fields) != 3 {
		return nil, fmt.Errorf("not an aws target")
	}
	return awsInput(t.Fields[2])
}

// EncodeRequest validates r and returns the base64 argument of the exec command.
func EncodeRequest(r Request) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(strings.Join([]string{Magic, r.Nonce, strconv.Itoa(timeoutSeconds(r.Timeout)), r.Region}, "\t"))
	b.WriteByte('\n')
	for _, t := range r.Targets {
		b.WriteString(strings.Join(append([]string{t.ID, t.Kind}, t.Fields...), "\t"))
		b.WriteByte('\n')
	}
	return base64.StdEncoding.EncodeToString([]byte(b.String())), nil
}

// DecodeRequest parses the base64 argument of the exec command and validates it.
func DecodeRequest(b64 string) (Request, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return Request{}, fmt.Errorf("request is not base64: %w", err)
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return Request{}, errors.New("empty request")
	}
	head := strings.Split(lines[0], "\t")
	if len(head) != 4 || head[0] != Magic {
		return Request{}, fmt.Errorf("bad request header %q", lines[0])
	}
	secs, err := strconv.Atoi(head[2])
	if err != nil || secs <= 0 {
		return Request{}, fmt.Errorf("bad timeout %q", head[2])
	}
	r := Request{Nonce: head[1], Timeout: time.Duration(secs) * time.Second, Region: head[3]}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) < 2 {
			return Request{}, fmt.Errorf("bad target line %q", l)
		}
		r.Targets = append(r.Targets, Target{ID: f[0], Kind: f[1], Fields: f[2:]})
	}
	return r, r.Validate()
}

// Validate checks the shape of a request. It rejects tabs, newlines, carriage
// returns and NULs in every field: they would change the framing the script
// reads. Content is never interpreted by a shell, so nothing else is rejected.
func (r Request) Validate() error {
	if err := token("nonce", r.Nonce); err != nil {
		return err
	}
	if r.Timeout <= 0 {
		return errors.New("timeout must be positive")
	}
	if !regionRE.MatchString(r.Region) {
		return fmt.Errorf("region %q is not a region name", r.Region)
	}
	seen := map[string]bool{}
	for _, t := range r.Targets {
		if err := token("target id", t.ID); err != nil {
			return err
		}
		if seen[t.ID] {
			return fmt.Errorf("duplicate target id %q", t.ID)
		}
		seen[t.ID] = true
		if err := t.validate(); err != nil {
			return fmt.Errorf("target %s: %w", t.ID, err)
		}
	}
	return nil
}

func (t Target) validate() error {
	for _, f := range t.Fields {
		if err := field("field", f); err != nil {
			return err
		}
	}
	n := len(t.Fields)
	switch t.Kind {
	case KindDNS, KindHTTP:
		if n != 1 || t.Fields[0] == "" {
			return fmt.Errorf("%s wants one non-empty field, got %d", t.Kind, n)
		}
	case KindTCP:
		if n != 2 || t.Fields[0] == "" {
			return fmt.Errorf("tcp wants host and port, got %d fields", n)
		}
		if p, err := strconv.Atoi(t.Fields[1]); err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("bad port %q", t.Fields[1])
		}
	case KindAWS:
		if n != 3 {
			return fmt.Errorf("aws wants service, command and input, got %d fields", n)
		}
		if !ServiceRE.MatchString(t.Fields[0]) {
			return fmt.Errorf("aws service %q is not an AWS CLI service name", t.Fields[0])
		}
		if !CommandRE.MatchString(t.Fields[1]) {
			return fmt.Errorf("aws command %q is not a read-only command (list-*, describe-*, get-*, head-*)", t.Fields[1])
		}
		if _, err := awsInput(t.Fields[2]); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown kind %q", t.Kind)
	}
	return nil
}

// The aws target's names, checked here, by the controller and by the
// script: whatever the request holds, the CLI sees a service and a command
// that cannot be options, and one JSON document as --cli-input-json.
var (
	// ServiceRE matches an AWS CLI service name (sns, s3api).
	ServiceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	// CommandRE matches the CLI command of a read-only action: the
	// kebab-case of List*, Describe*, Get* or Head*.
	CommandRE = regexp.MustCompile(`^(list|describe|get|head)(-[a-z0-9]+)+$`)
	regionRE  = regexp.MustCompile(`^([a-z0-9][a-z0-9-]*)?$`)
)

// MaxAWSInput bounds the JSON document of an aws target.
const MaxAWSInput = 16 << 10

// awsInput decodes an aws target's input field: base64 of a JSON object. The
// document must start with "{": the aws CLI reads a --cli-input-json value
// that starts with file:// or fileb:// from disk.
func awsInput(b64 string) ([]byte, error) {
	doc, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("aws input is not base64: %w", err)
	}
	if len(doc) > MaxAWSInput {
		return nil, fmt.Errorf("aws input is %d bytes, more than %d", len(doc), MaxAWSInput)
	}
	var obj map[string]json.RawMessage
	if len(doc) == 0 || doc[0] != '{' || !json.Valid(doc) || json.Unmarshal(doc, &obj) != nil {
		return nil, fmt.Errorf("aws input %q is not a JSON object", doc)
	}
	return doc, nil
}

// field rejects characters that break the tab/newline framing.
func field(what, s string) error {
	if strings.ContainsAny(s, "\t\n\r\x00") {
		return fmt.Errorf("%s %q contains a tab, newline or NUL", what, s)
	}
	return nil
}

// tokenRE is what the script accepts as a nonce: letters, digits, '.', '_'
// and '-'. Target IDs follow it too: both appear in output lines that
// ParseOutput splits on any white space, Unicode spaces included.
var tokenRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// token is a field that also appears in space-separated output lines.
func token(what, s string) error {
	if !tokenRE.MatchString(s) {
		return fmt.Errorf("%s %q must be non-empty letters, digits, '.', '_' or '-'", what, s)
	}
	return nil
}

func timeoutSeconds(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}
