package fakeaws

import (
	"bytes"
	"encoding/json"
	"time"
)

// Role is an IAM role. Inline policies are keyed by name; Attached lists
// managed policy ARNs (of this or another account, or arn:aws:iam::aws:...).
type Role struct {
	Name                string                    `json:"name"`
	Path                string                    `json:"path,omitempty"` // default "/"
	ID                  string                    `json:"id,omitempty"`
	Description         string                    `json:"description,omitempty"`
	TrustPolicy         PolicyDocument            `json:"trustPolicy,omitempty"`
	Inline              map[string]PolicyDocument `json:"inline,omitempty"`
	Attached            []string                  `json:"attached,omitempty"`
	PermissionsBoundary string                    `json:"permissionsBoundary,omitempty"`
	MaxSessionDuration  int                       `json:"maxSessionDuration,omitempty"`
	Tags                Tags                      `json:"tags,omitempty"`
	CreateDate          time.Time                 `json:"createDate,omitempty"`
}

// ManagedPolicy is a customer- or AWS-managed policy with one (default)
// version, v1 unless VersionID says otherwise.
type ManagedPolicy struct {
	ARN         string         `json:"arn,omitempty"` // default arn:aws:iam::<account>:policy<path><name>
	Name        string         `json:"name"`
	Path        string         `json:"path,omitempty"`
	ID          string         `json:"id,omitempty"`
	Description string         `json:"description,omitempty"`
	VersionID   string         `json:"versionId,omitempty"`
	Document    PolicyDocument `json:"document"`
	CreateDate  time.Time      `json:"createDate,omitempty"`
}

// KMSKey is a symmetric key usable by GenerateDataKey and Decrypt.
type KMSKey struct {
	ID      string   `json:"id"`
	Region  string   `json:"region,omitempty"`
	Aliases []string `json:"aliases,omitempty"` // "alias/name"
}

// PolicyDocument is a JSON policy. In YAML it may be written as an object or
// as a string holding JSON; it is kept as compact JSON text.
type PolicyDocument string

func (p *PolicyDocument) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = PolicyDocument(s)
		return nil
	}
	if string(b) == "null" {
		*p = ""
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	*p = PolicyDocument(buf.String())
	return nil
}

func (p PolicyDocument) MarshalJSON() ([]byte, error) {
	if p == "" {
		return []byte("null"), nil
	}
	if json.Valid([]byte(p)) {
		return []byte(p), nil
	}
	return json.Marshal(string(p))
}

// Duration reads "150ms", "2s" or a number of milliseconds.
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case float64:
		d.Duration = time.Duration(x * float64(time.Millisecond))
	case string:
		p, err := time.ParseDuration(x)
		if err != nil {
			return err
		}
		d.Duration = p
	case nil:
		d.Duration = 0
	}
	return nil
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// IsZero lets omitempty-aware encoders skip unset durations.
func (d Duration) IsZero() bool { return d.Duration == 0 }
