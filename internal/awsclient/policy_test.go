package awsclient_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ecscheck/ecscheck/internal/awsclient"
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
