package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/ecscheck/ecscheck/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	// A fuzz worker is a child of the process that started the control
	// plane (see sharedServerEnv): it reuses that control plane instead of
	// starting one it would not get to stop.
	if shared, ok := os.LookupEnv(sharedServerEnv); ok {
		var err error
		if env, err = joinSharedServer(shared); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(m.Run())
	}
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "payments"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := shareServer(env.Config); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// valid is a check that passes admission; each case below breaks one thing.
const valid = `
apiVersion: connectivity.ecscheck.dev/v1alpha1
kind: ECSConnectivityCheck
metadata: {namespace: payments}
spec:
  cluster: prod
  service: orders-api
  targets:
  - name: sns-https
    tcp: {host: sns.ap-northeast-1.amazonaws.com, port: 443}
`

// check builds an object from valid with spec fields replaced by the YAML in
// specPatch (merged at the top level of spec).
func check(t *testing.T, name, specPatch string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(valid), &obj.Object); err != nil {
		t.Fatal(err)
	}
	obj.SetName(name)
	if specPatch != "" {
		patch := map[string]any{}
		if err := yaml.Unmarshal([]byte(specPatch), &patch); err != nil {
			t.Fatalf("bad test patch: %v", err)
		}
		spec := obj.Object["spec"].(map[string]any)
		for k, v := range patch {
			if v == nil {
				delete(spec, k)
				continue
			}
			spec[k] = v
		}
	}
	return obj
}

func create(t *testing.T, obj *unstructured.Unstructured) error {
	t.Helper()
	err := env.Client.Create(context.Background(), obj, client.DryRunAll)
	return err
}

func TestValidSpecsAreAccepted(t *testing.T) {
	cases := map[string]string{
		"minimal":            ``,
		"ip host":            `{targets: [{name: a, tcp: {host: 10.0.1.169, port: 443}}]}`,
		"ipv6 host":          `{targets: [{name: a, tcp: {host: "fd00::1", port: 443}}]}`,
		"network only":       `{service: null, network: {subnets: [subnet-0a1b2c3d], securityGroups: [sg-0a1b2c3d4e5f60718], assignPublicIp: DISABLED}}`,
		"cluster arn":        `{cluster: "arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod"}`,
		"service arn":        `{service: "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/orders-api"}`,
		"expect unreachable": `{targets: [{name: a, tcp: {host: example.com, port: 443}, expect: Unreachable}]}`,
		"aws denied":         `{targets: [{name: a, awsAPI: {service: s3api, action: ListBuckets}, expect: Denied}]}`,
		"aws args":           `{targets: [{name: a, awsAPI: {service: s3api, action: HeadBucket, args: {Bucket: orders-archive}}}]}`,
		"aws typed args":     `{targets: [{name: a, awsAPI: {service: logs, action: DescribeLogGroups, args: {logGroupNamePrefix: "/ecs/orders", limit: 5}}}]}`,
		"aws data values":    `{targets: [{name: a, awsAPI: {service: sns, action: ListTopics, args: {NextToken: "--endpoint-url=http://127.0.0.1:1 file:///etc/passwd $(id)"}}}]}`,
		"http with query":    `{targets: [{name: a, http: {url: "https://api.partner.example/health?full=1#top", expectStatus: [200, 204]}}]}`,
		"service task":       `{probe: {execInto: ServiceTask, container: app}}`,
		"per run":            `{probe: {lifecycle: PerRun, launchType: FARGATE, platformVersion: 1.4.0}}`,
		"roles":              `{taskRoleArn: "arn:aws:iam::123456789012:role/app", executionRoleArn: "arn:aws:iam::123456789012:role/exec", roleArn: "arn:aws:iam::123456789012:role/path/ecscheck"}`,
		"interval bounds":    `{interval: 30s, timeout: 1s}`,
		"interval max":       `{interval: 24h, timeout: 60s}`,
	}
	for name, patch := range cases {
		t.Run(name, func(t *testing.T) {
			if err := create(t, check(t, "ok", patch)); err != nil {
				t.Fatalf("rejected a valid spec: %v", err)
			}
		})
	}
}

func TestInvalidSpecsAreRejectedWithAClearMessage(t *testing.T) {
	fifty := make([]string, 51)
	for i := range fifty {
		fifty[i] = fmt.Sprintf("{name: t%d, tcp: {host: example.com, port: 443}}", i)
	}
	cases := []struct{ name, patch, want string }{
		{"no target type", `{targets: [{name: a}]}`, "a target needs exactly one of tcp, dns, http or awsAPI"},
		{"two target types", `{targets: [{name: a, tcp: {host: example.com, port: 443}, dns: {name: example.com}}]}`, "a target needs exactly one of tcp, dns, http or awsAPI"},
		{"denied on tcp", `{targets: [{name: a, tcp: {host: example.com, port: 443}, expect: Denied}]}`, "expect must be Reachable or Unreachable for tcp, dns and http targets"},
		{"unreachable on aws", `{targets: [{name: a, awsAPI: {service: sns, action: ListTopics}, expect: Unreachable}]}`, "Allowed or Denied for awsAPI targets"},
		{"duplicate names", `{targets: [{name: a, tcp: {host: example.com, port: 443}}, {name: a, dns: {name: example.com}}]}`, "Duplicate value"},
		{"too many targets", "{targets: [" + strings.Join(fifty, ",") + "]}", "must have at most 50 items"},
		{"no targets", `{targets: []}`, "should have at least 1 items"},
		{"bad target name", `{targets: [{name: "Bad Name", tcp: {host: example.com, port: 443}}]}`, "target name must be lower-case letters"},
		{"host with command substitution", `{targets: [{name: a, tcp: {host: "$(reboot)", port: 443}}]}`, "host must be a DNS name (RFC 1123"},
		{"host with semicolon", `{targets: [{name: a, tcp: {host: "example.com;rm -rf /", port: 443}}]}`, "host must be a DNS name (RFC 1123"},
		{"host with quote", `{targets: [{name: a, tcp: {host: "exa'mple.com", port: 443}}]}`, "host must be a DNS name (RFC 1123"},
		{"host with space", `{targets: [{name: a, tcp: {host: "example .com", port: 443}}]}`, "host must be a DNS name (RFC 1123"},
		{"host with backtick", "{targets: [{name: a, tcp: {host: \"`id`.example.com\", port: 443}}]}", "host must be a DNS name (RFC 1123"},
		{"port 0", `{targets: [{name: a, tcp: {host: example.com, port: 0}}]}`, "should be greater than or equal to 1"},
		{"port 65536", `{targets: [{name: a, tcp: {host: example.com, port: 65536}}]}`, "should be less than or equal to 65535"},
		{"dns name with pipe", `{targets: [{name: a, dns: {name: "example.com|id"}}]}`, "name must be a DNS name (RFC 1123"},
		{"ftp url", `{targets: [{name: a, http: {url: "ftp://example.com/"}}]}`, "url must be an http:// or https:// URL"},
		{"url with space", `{targets: [{name: a, http: {url: "https://example.com/a b"}}]}`, "url must be an http:// or https:// URL with no spaces, quotes or shell metacharacters"},
		{"url with quote", `{targets: [{name: a, http: {url: "https://example.com/'a"}}]}`, "url must be an http:// or https:// URL with no spaces, quotes or shell metacharacters"},
		{"url with dollar", `{targets: [{name: a, http: {url: "https://example.com/$(id)"}}]}`, "url must be an http:// or https:// URL with no spaces, quotes or shell metacharacters"},
		{"url with semicolon", `{targets: [{name: a, http: {url: "https://example.com/;id"}}]}`, "url must be an http:// or https:// URL with no spaces, quotes or shell metacharacters"},
		{"bad status", `{targets: [{name: a, http: {url: "https://example.com/", expectStatus: [99]}}]}`, "should be greater than or equal to 100"},
		{"write action", `{targets: [{name: a, awsAPI: {service: sns, action: DeleteTopic}}]}`, "awsAPI.action must be a read-only action named List*, Describe*, Get* or Head*"},
		{"publish action", `{targets: [{name: a, awsAPI: {service: sns, action: Publish}}]}`, "awsAPI.action must be a read-only action"},
		{"action with shell", `{targets: [{name: a, awsAPI: {service: sns, action: "ListTopics;id"}}]}`, "awsAPI.action must be a read-only action"},
		{"bad service", `{targets: [{name: a, awsAPI: {service: "SNS x", action: ListTopics}}]}`, "awsAPI.service must be an AWS CLI service name"},
		{"action without a word after the verb", `{targets: [{name: a, awsAPI: {service: sns, action: Listtopics}}]}`, "awsAPI.action must be a read-only action named List*, Describe*, Get* or Head* as in the API reference"},
		{"service option", `{targets: [{name: a, awsAPI: {service: "--debug", action: ListTopics}}]}`, "awsAPI.service must be an AWS CLI service name"},
		{"service leading dash", `{targets: [{name: a, awsAPI: {service: "-sns", action: ListTopics}}]}`, "awsAPI.service must be an AWS CLI service name"},
		{"cli option as arg key", `{targets: [{name: a, awsAPI: {service: s3api, action: HeadBucket, args: {"--bucket": "x"}}}]}`, "awsAPI.args keys must be the action's request parameter names as in the API reference"},
		{"kebab arg key", `{targets: [{name: a, awsAPI: {service: s3api, action: HeadBucket, args: {"expected-bucket-owner": "x"}}}]}`, "awsAPI.args keys must be the action's request parameter names"},
		{"endpoint override arg", `{targets: [{name: a, awsAPI: {service: sns, action: ListTopics, args: {"--endpoint-url": "evil.example"}}}]}`, "CLI options such as --bucket or --endpoint-url are not accepted"},
		{"boolean arg", `{targets: [{name: a, awsAPI: {service: ssm, action: GetParameter, args: {Name: x, WithDecryption: true}}}]}`, "spec.targets[0].awsAPI.args.WithDecryption"},
		{"long arg value", `{targets: [{name: a, awsAPI: {service: sns, action: ListTopics, args: {NextToken: "` + strings.Repeat("x", 1025) + `"}}}]}`, "awsAPI.args values may be at most 1024 characters long"},
		{"too many args", `{targets: [{name: a, awsAPI: {service: sns, action: ListTopics, args: {A: x, B: x, C: x, D: x, E: x, F: x, G: x, H: x, I: x, J: x, K: x}}}]}`, "must have at most 10 items"},
		{"no service and no subnets", `{service: null}`, "set spec.service, or spec.network.subnets"},
		{"no service and empty subnets", `{service: null, network: {subnets: []}}`, "set spec.service, or spec.network.subnets"},
		{"service task without service", `{service: null, network: {subnets: [subnet-0a1b2c3d]}, probe: {execInto: ServiceTask}}`, "probe.execInto: ServiceTask needs spec.service"},
		{"lifecycle with service task", `{probe: {execInto: ServiceTask, lifecycle: PerRun}}`, "probe.lifecycle applies only to execInto: ProbeTask"},
		{"container with probe task", `{probe: {container: app}}`, "probe.container applies only to execInto: ServiceTask"},
		{"malformed subnet", `{network: {subnets: [subnet-xyz]}}`, `should match '^subnet-[0-9a-f]{8,17}$'`},
		{"malformed security group", `{network: {securityGroups: ["sg 123"]}}`, `should match '^sg-[0-9a-f]{8,17}$'`},
		{"bad public ip", `{network: {assignPublicIp: "yes"}}`, `supported values: "ENABLED", "DISABLED"`},
		{"malformed task role", `{taskRoleArn: "arn:aws:iam::1234:role/app"}`, "spec.taskRoleArn in body should match"},
		{"malformed execution role", `{executionRoleArn: "role/app"}`, "spec.executionRoleArn in body should match"},
		{"malformed role", `{roleArn: "arn:aws:iam::123456789012:user/bob"}`, "spec.roleArn in body should match"},
		{"interval too short", `{interval: 10s}`, "interval must be between 30s and 24h"},
		{"interval too long", `{interval: 25h}`, "interval must be between 30s and 24h"},
		{"interval not a duration", `{interval: soon}`, "spec.interval in body should match"},
		{"timeout too short", `{timeout: 500ms}`, "timeout must be between 1s and 60s"},
		{"timeout too long", `{timeout: 61s}`, "timeout must be between 1s and 60s"},
		{"timeout not below interval", `{interval: 30s, timeout: 45s}`, "timeout must be shorter than interval"},
		{"failure threshold", `{failureThreshold: 11}`, "should be less than or equal to 10"},
		{"bad cluster", `{cluster: "prod cluster"}`, "cluster must be a cluster name"},
		{"bad region", `{region: "tokyo"}`, "spec.region in body should match"},
		{"bad image", `{probe: {image: "aws-cli; id"}}`, "spec.probe.image in body should match"},
		{"bad exec into", `{probe: {execInto: Pod}}`, `supported values: "ProbeTask", "ServiceTask"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := create(t, check(t, "bad", tc.patch))
			if err == nil {
				t.Fatalf("accepted an invalid spec %s", tc.patch)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("rejected, but the message does not say %q:\n%v", tc.want, err)
			}
		})
	}
}

func TestDefaultsAreApplied(t *testing.T) {
	obj := check(t, "defaults", "")
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	spec := obj.Object["spec"].(map[string]any)
	probe := spec["probe"].(map[string]any)
	got := fmt.Sprint(spec["interval"], " ", spec["timeout"], " ", spec["failureThreshold"], " ", probe["execInto"], " ", probe["cpu"], " ", probe["memory"])
	if want := "5m 5s 1 ProbeTask 256 512"; got != want {
		t.Fatalf("defaults = %q, want %q", got, want)
	}
	if _, ok := probe["lifecycle"]; ok {
		t.Fatalf("lifecycle must not be defaulted in the schema (it is invalid with ServiceTask): %v", probe)
	}
}

func TestSamplesAreAccepted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "samples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(data, &obj.Object); err != nil {
				t.Fatal(err)
			}
			if err := create(t, obj); err != nil {
				t.Fatalf("sample rejected: %v", err)
			}
		})
	}
	if n < 4 {
		t.Fatalf("expected a sample per seed scenario, found %d", n)
	}
}
