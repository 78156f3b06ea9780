package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// oneOff is a check given by flags instead of a file.
type oneOff struct {
	cluster, service, region string
	targets                  []string
}

// loadChecks reads the ECSConnectivityCheck documents of the files (other
// kinds, such as a Namespace, are skipped), keeps the one named only when
// only is set, and admits each as the API server would. With no file it
// builds one check from the flags.
func loadChecks(ctx context.Context, files []string, only string, o oneOff, stdin io.Reader) ([]*v1alpha1.ECSConnectivityCheck, error) {
	var docs []map[string]any
	if len(files) == 0 {
		doc, err := o.document()
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	for _, f := range files {
		d, err := readDocuments(f, stdin)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
	}
	var checks []*v1alpha1.ECSConnectivityCheck
	for _, doc := range docs {
		// Numbers as the API server decodes them (int64 when integral).
		if err := normalize(&doc); err != nil {
			return nil, err
		}
		if doc["kind"] != "ECSConnectivityCheck" {
			continue
		}
		name := nameOf(doc)
		if only != "" && name != only {
			continue
		}
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			// The API server's check of metadata.name for custom resources.
			return nil, fmt.Errorf("check %q: metadata.name: %s", name, strings.Join(errs, "; "))
		}
		if msgs, err := admit(ctx, doc); err != nil {
			return nil, err
		} else if len(msgs) > 0 {
			return nil, fmt.Errorf("check %s is invalid: %s", name, strings.Join(msgs, "; "))
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		c := &v1alpha1.ECSConnectivityCheck{}
		if err := json.Unmarshal(raw, c); err != nil {
			return nil, fmt.Errorf("check %s: %w", name, err)
		}
		if msgs := wireErrors(c); len(msgs) > 0 {
			return nil, fmt.Errorf("check %s is invalid: %s", name, strings.Join(msgs, "; "))
		}
		checks = append(checks, c)
	}
	switch {
	case len(checks) == 0 && only != "":
		return nil, fmt.Errorf("no ECSConnectivityCheck named %q in %s", only, strings.Join(files, ", "))
	case len(checks) == 0:
		return nil, fmt.Errorf("no ECSConnectivityCheck in %s", strings.Join(files, ", "))
	}
	return checks, nil
}

// readDocuments decodes every YAML or JSON document of a file ("-" is stdin).
func readDocuments(file string, stdin io.Reader) ([]map[string]any, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var docs []map[string]any
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return docs, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// normalize re-decodes a document the way the API server's unstructured
// decoder does: integral numbers become int64.
func normalize(doc *map[string]any) error {
	raw, err := json.Marshal(*doc)
	if err != nil {
		return err
	}
	return utiljson.Unmarshal(raw, doc)
}

func nameOf(doc map[string]any) string {
	if m, ok := doc["metadata"].(map[string]any); ok {
		if n, ok := m["name"].(string); ok {
			return n
		}
	}
	return ""
}

// document is the one-off check of the flags, as the YAML a user would
// write, so that it is admitted like any other.
func (o oneOff) document() (map[string]any, error) {
	if o.cluster == "" || len(o.targets) == 0 {
		return nil, errors.New("give -f FILE, or --cluster and at least one --target (e.g. --target tcp:sns.ap-northeast-1.amazonaws.com:443)")
	}
	spec := map[string]any{"cluster": o.cluster}
	if o.service != "" {
		spec["service"] = o.service
	}
	if o.region != "" {
		spec["region"] = o.region
	}
	var targets []any
	for i, t := range o.targets {
		tgt, err := parseTarget(i+1, t)
		if err != nil {
			return nil, err
		}
		targets = append(targets, tgt)
	}
	spec["targets"] = targets
	return map[string]any{
		"apiVersion": v1alpha1.GroupVersion.String(), "kind": "ECSConnectivityCheck",
		"metadata": map[string]any{"name": "one-off", "namespace": "default"},
		"spec":     spec,
	}, nil
}

// parseTarget reads tcp:HOST:PORT, dns:NAME, http:URL or aws:SERVICE:Action,
// each optionally followed by =Unreachable (or =Denied, or the defaults).
func parseTarget(n int, s string) (map[string]any, error) {
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("--target %q: want tcp:HOST:PORT, dns:NAME, http:URL or aws:SERVICE:Action", s)
	}
	t := map[string]any{"name": fmt.Sprintf("%s-%d", kind, n)}
	if i := strings.LastIndex(rest, "="); i >= 0 {
		switch e := v1alpha1.Expectation(rest[i+1:]); e {
		case v1alpha1.ExpectReachable, v1alpha1.ExpectUnreachable, v1alpha1.ExpectAllowed, v1alpha1.ExpectDenied:
			t["expect"], rest = string(e), rest[:i]
		}
	}
	switch kind {
	case "tcp":
		i := strings.LastIndex(rest, ":")
		port, err := strconv.Atoi(rest[i+1:])
		if i < 0 || err != nil {
			return nil, fmt.Errorf("--target %q: want tcp:HOST:PORT", s)
		}
		t["tcp"] = map[string]any{"host": strings.Trim(rest[:i], "[]"), "port": port}
	case "dns":
		t["dns"] = map[string]any{"name": rest}
	case "http":
		t["http"] = map[string]any{"url": rest}
	case "aws":
		svc, action, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, fmt.Errorf("--target %q: want aws:SERVICE:Action, e.g. aws:sns:ListTopics", s)
		}
		t["awsAPI"] = map[string]any{"service": svc, "action": action}
	default:
		return nil, fmt.Errorf("--target %q: unknown kind %q (tcp, dns, http or aws)", s, kind)
	}
	return t, nil
}
