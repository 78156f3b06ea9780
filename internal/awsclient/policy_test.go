package awsclient_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

// policyStatement is one statement of an IAM policy document; Action and
// the condition values may be a string or a list of strings.
type policyStatement struct {
	Sid       string
	Effect    string
	Action    any
	NotAction any
	Resource  any
	Condition map[string]map[string]any
}

func readControllerPolicy(t *testing.T) []policyStatement {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "iam", "controller-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []policyStatement }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("controller-policy.json is not valid JSON: %v", err)
	}
	return doc.Statement
}

func strs(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, 0, len(a))
		for _, x := range a {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// callableOperations are the IAM actions of the SDK operations the code can
// call: one per method of the internal/awsclient interfaces, the action
// named service prefix:operation as in the Service Authorization Reference.
func callableOperations() []string {
	var ops []string
	for prefix, iface := range map[string]reflect.Type{
		"ecs": reflect.TypeFor[awsclient.ECSAPI](),
		"ec2": reflect.TypeFor[awsclient.EC2API](),
		"iam": reflect.TypeFor[awsclient.IAMAPI](),
		"sts": reflect.TypeFor[awsclient.STSAPI](),
		"kms": reflect.TypeFor[awsclient.KMSAPI](),
	} {
		for i := range iface.NumMethod() {
			ops = append(ops, prefix+":"+iface.Method(i).Name)
		}
	}
	return ops
}

var (
	// needNoPermission are operations AWS authorizes without a policy, so
	// granting them would only widen the policy. STS API Reference,
	// GetCallerIdentity: "No permissions are required to perform this
	// operation."
	needNoPermission = []string{"sts:GetCallerIdentity"}

	// authorizedAlongside are actions no SDK operation is named after, that
	// AWS authorizes as part of an operation the code calls:
	//   - iam:PassRole when RunTask passes the probe's task and execution
	//     roles (ECS Developer Guide, "Task IAM role": the user who starts
	//     the task needs iam:PassRole for the role);
	//   - ecs:TagResource when RunTask and RegisterTaskDefinition carry tags
	//     (ECS Developer Guide, "Grant permission to tag resources on
	//     creation": ecs:TagResource is evaluated for tag-on-create).
	authorizedAlongside = []string{"iam:PassRole", "ecs:TagResource"}
)

// The IAM policy shipped for the controller allows exactly what the code
// can call: every interface operation, plus what AWS authorizes alongside
// them, and nothing else; no wildcard, no NotAction, no Deny to reason about.
func TestControllerPolicyGrantsExactlyWhatTheCodeCalls(t *testing.T) {
	want := map[string]bool{}
	for _, op := range callableOperations() {
		want[op] = !slices.Contains(needNoPermission, op)
	}
	for _, a := range authorizedAlongside {
		want[a] = true
	}
	granted := map[string]bool{}
	for _, st := range readControllerPolicy(t) {
		if st.Effect != "Allow" || st.NotAction != nil {
			t.Errorf("statement %s: only Allow statements with Action, got Effect %q NotAction %v", st.Sid, st.Effect, st.NotAction)
		}
		for _, a := range strs(st.Action) {
			if strings.ContainsAny(a, "*?") {
				t.Errorf("statement %s: wildcard action %q: the policy must list actions", st.Sid, a)
			}
			granted[a] = true
		}
	}
	for _, a := range sortedKeys(want) {
		switch {
		case want[a] && !granted[a]:
			t.Errorf("the controller calls %s but config/iam/controller-policy.json does not allow it", a)
		case !want[a] && granted[a]:
			t.Errorf("config/iam/controller-policy.json grants %s, which needs no permission", a)
		}
	}
	for _, a := range sortedKeys(granted) {
		if _, ok := want[a]; !ok {
			t.Errorf("config/iam/controller-policy.json grants %s, which the code never calls", a)
		}
	}
}

// The actions that could hand the controller's power to someone else carry
// the conditions DESIGN §6 asks for, in every statement that grants them.
func TestControllerPolicyConditions(t *testing.T) {
	type cond struct{ op, key string }
	required := map[string][]struct {
		cond
		values []string
	}{
		// Roles go to ECS tasks only, never to Lambda, EC2 or anything else.
		"iam:PassRole": {{cond{"StringEquals", "iam:PassedToService"}, []string{"ecs-tasks.amazonaws.com"}}},
		// Tags only at creation: never on an existing task, which would make
		// it "managed" and so stoppable and exec-able.
		"ecs:TagResource": {
			{cond{"StringEquals", "ecs:CreateAction"}, []string{"RunTask", "RegisterTaskDefinition"}},
			{cond{"StringEquals", "aws:RequestTag/ecscheck.dev/managed-by"}, []string{"ecscheck"}},
		},
		"ecs:RegisterTaskDefinition": {{cond{"StringEquals", "aws:RequestTag/ecscheck.dev/managed-by"}, []string{"ecscheck"}}},
		"ecs:RunTask":                {{cond{"StringEquals", "aws:RequestTag/ecscheck.dev/managed-by"}, []string{"ecscheck"}}},
		"ecs:StopTask":               {{cond{"StringEquals", "aws:ResourceTag/ecscheck.dev/managed-by"}, []string{"ecscheck"}}},
		// Data keys only for ECS Exec sessions (the Session Manager
		// handshake's encryption context; an ECS Exec target is
		// "ecs:<cluster>_<task>_<runtime id>", see awscli
		// customizations/ecs/executecommand.py).
		"kms:GenerateDataKey": {
			{cond{"StringLike", "kms:EncryptionContext:aws:ssm:TargetId"}, []string{"ecs:*"}},
			{cond{"StringLike", "kms:EncryptionContext:aws:ssm:SessionId"}, []string{"?*"}},
			{cond{"ForAllValues:StringEquals", "kms:EncryptionContextKeys"}, []string{"aws:ssm:SessionId", "aws:ssm:TargetId"}},
		},
	}
	seen := map[string]bool{}
	for _, st := range readControllerPolicy(t) {
		for _, a := range strs(st.Action) {
			for _, r := range required[a] {
				seen[a] = true
				got := strs(st.Condition[r.op][r.key])
				if !slices.Equal(got, r.values) {
					t.Errorf("statement %s grants %s with %s %s = %q, want %q", st.Sid, a, r.op, r.key, got, r.values)
				}
			}
		}
		if slices.Contains(strs(st.Action), "ecs:ExecuteCommand") && len(st.Condition["StringEquals"]) == 0 {
			t.Errorf("statement %s grants ecs:ExecuteCommand on any task: it must require a tag", st.Sid)
		}
	}
	for a := range required {
		if !seen[a] {
			t.Errorf("no statement grants %s", a)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The conditions do what the README says they do, evaluated by the fake's
// IAM policy simulator (internal/fakeaws, iam_policy.go) through the real
// SDK's SimulatePrincipalPolicy, with the context keys AWS supplies for each
// request (ECS Developer Guide, "Grant permission to tag resources on
// creation"; IAM User Guide, iam:PassedToService; KMS Developer Guide,
// kms:EncryptionContext:context-key and kms:EncryptionContextKeys).
func TestControllerPolicyConditionsDecide(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "iam", "controller-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	const account, controller = "123456789012", "arn:aws:iam::123456789012:role/ecscheck-controller"
	srv, err := fakeaws.New(&fakeaws.Scenario{Region: "ap-northeast-1", Accounts: []*fakeaws.Account{{
		ID:          account,
		Credentials: []*fakeaws.Credential{{AccessKeyID: "AKIDCONTROLLER", SecretAccessKey: "secret", ARN: controller}},
		Roles:       []*fakeaws.Role{{Name: "ecscheck-controller", Inline: map[string]fakeaws.PolicyDocument{"controller": fakeaws.PolicyDocument(data)}}},
	}}}, fakeaws.WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	api := iam.NewFromConfig(aws.Config{
		Region: "ap-northeast-1", BaseEndpoint: aws.String(srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDCONTROLLER", "secret", ""),
	})

	ctxKey := func(k string, v ...string) iamtypes.ContextEntry {
		typ := iamtypes.ContextKeyTypeEnumString
		if len(v) > 1 {
			typ = iamtypes.ContextKeyTypeEnumStringList
		}
		return iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyValues: v, ContextKeyType: typ}
	}
	const (
		task     = "arn:aws:ecs:ap-northeast-1:123456789012:task/prod/0123456789abcdef0123456789abcdef"
		key      = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		session  = "ecs-execute-command-0acebb01a1ed41142"
		target   = "ecs:prod_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef-3811061257"
		probeTag = "aws:RequestTag/ecscheck.dev/managed-by"
	)
	sessionKeys := ctxKey("kms:EncryptionContextKeys", "aws:ssm:SessionId", "aws:ssm:TargetId")
	cases := []struct {
		name, action, resource string
		context                []iamtypes.ContextEntry
		allowed                bool
	}{
		{"pass a role to ECS tasks", "iam:PassRole", "arn:aws:iam::123456789012:role/ecs-probes/ProbeRole",
			[]iamtypes.ContextEntry{ctxKey("iam:PassedToService", "ecs-tasks.amazonaws.com")}, true},
		{"pass a role to Lambda", "iam:PassRole", "arn:aws:iam::123456789012:role/ecs-probes/ProbeRole",
			[]iamtypes.ContextEntry{ctxKey("iam:PassedToService", "lambda.amazonaws.com")}, false},
		{"tag a probe task at RunTask", "ecs:TagResource", task,
			[]iamtypes.ContextEntry{ctxKey("ecs:CreateAction", "RunTask"), ctxKey(probeTag, "ecscheck")}, true},
		{"tag a probe task definition at registration", "ecs:TagResource", "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/ecscheck-probe-3f9a1c2e7b40:1",
			[]iamtypes.ContextEntry{ctxKey("ecs:CreateAction", "RegisterTaskDefinition"), ctxKey(probeTag, "ecscheck")}, true},
		{"tag an existing task as managed", "ecs:TagResource", task,
			[]iamtypes.ContextEntry{ctxKey(probeTag, "ecscheck")}, false},
		{"tag a service at creation", "ecs:TagResource", "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/x",
			[]iamtypes.ContextEntry{ctxKey("ecs:CreateAction", "CreateService"), ctxKey(probeTag, "ecscheck")}, false},
		{"run the probe task definition", "ecs:RunTask", "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/ecscheck-probe-3f9a1c2e7b40:1",
			[]iamtypes.ContextEntry{ctxKey(probeTag, "ecscheck")}, true},
		{"run another task definition", "ecs:RunTask", "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/orders-api:7",
			[]iamtypes.ContextEntry{ctxKey(probeTag, "ecscheck")}, false},
		{"stop a probe task", "ecs:StopTask", task,
			[]iamtypes.ContextEntry{ctxKey("aws:ResourceTag/ecscheck.dev/managed-by", "ecscheck")}, true},
		{"stop a service's task", "ecs:StopTask", task, nil, false},
		{"deregister a task definition", "ecs:DeregisterTaskDefinition", "*", nil, false},
		{"data key for an ECS Exec session", "kms:GenerateDataKey", key,
			[]iamtypes.ContextEntry{ctxKey("kms:EncryptionContext:aws:ssm:SessionId", session), ctxKey("kms:EncryptionContext:aws:ssm:TargetId", target), sessionKeys}, true},
		{"data key for a session to an EC2 instance", "kms:GenerateDataKey", key,
			[]iamtypes.ContextEntry{ctxKey("kms:EncryptionContext:aws:ssm:SessionId", session), ctxKey("kms:EncryptionContext:aws:ssm:TargetId", "i-0123456789abcdef0"), sessionKeys}, false},
		{"data key with another encryption context key", "kms:GenerateDataKey", key,
			[]iamtypes.ContextEntry{ctxKey("kms:EncryptionContext:aws:ssm:SessionId", session), ctxKey("kms:EncryptionContext:aws:ssm:TargetId", target),
				ctxKey("kms:EncryptionContextKeys", "aws:ssm:SessionId", "aws:ssm:TargetId", "aws:s3:arn")}, false},
		{"data key without encryption context", "kms:GenerateDataKey", key, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := api.SimulatePrincipalPolicy(context.Background(), &iam.SimulatePrincipalPolicyInput{
				PolicySourceArn: aws.String(controller), ActionNames: []string{tc.action},
				ResourceArns: []string{tc.resource}, ContextEntries: tc.context,
			})
			if err != nil || len(out.EvaluationResults) != 1 {
				t.Fatalf("simulate: %v %+v", err, out)
			}
			got := out.EvaluationResults[0].EvalDecision == iamtypes.PolicyEvaluationDecisionTypeAllowed
			if got != tc.allowed {
				t.Fatalf("%s on %s: %s, want allowed=%v", tc.action, tc.resource, out.EvaluationResults[0].EvalDecision, tc.allowed)
			}
		})
	}
}
