package awsclient_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// The IAM policy shipped for the controller must allow every call the
// controller can make, and nothing is granted with a wildcard action.
func TestControllerPolicyCoversEveryInterfaceMethod(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "iam", "controller-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Effect string
			Action any
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("controller-policy.json is not valid JSON: %v", err)
	}
	allowed := map[string]bool{}
	for _, st := range doc.Statement {
		var actions []string
		switch a := st.Action.(type) {
		case string:
			actions = []string{a}
		case []any:
			for _, x := range a {
				actions = append(actions, x.(string))
			}
		}
		for _, a := range actions {
			if strings.Contains(a, "*") {
				t.Errorf("wildcard action %q: the policy must list actions", a)
			}
			allowed[a] = st.Effect == "Allow"
		}
	}
	for prefix, iface := range map[string]reflect.Type{
		"ecs": reflect.TypeFor[awsclient.ECSAPI](),
		"ec2": reflect.TypeFor[awsclient.EC2API](),
		"iam": reflect.TypeFor[awsclient.IAMAPI](),
		"sts": reflect.TypeFor[awsclient.STSAPI](),
		"kms": reflect.TypeFor[awsclient.KMSAPI](),
	} {
		for i := range iface.NumMethod() {
			action := prefix + ":" + iface.Method(i).Name
			if !allowed[action] {
				t.Errorf("the controller calls %s but config/iam/controller-policy.json does not allow it", action)
			}
		}
	}
}
