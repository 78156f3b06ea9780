package awstext_test

import (
	"strings"
	"testing"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awstext"
)

// The texts come from outside: the aws CLI's stderr inside a probe image
// anyone may choose, and ECS's stoppedReason, which quotes container
// runtimes and registries. The parsers must not panic on any of it, and what
// they return must come from the text.
func FuzzParseAccessDenied(f *testing.F) {
	for _, s := range []string{seed000EndpointDeny, seed000NoIdentity, seedVPCEndpointDeny, seedNoIdentityPolicy,
		"An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
		"An error occurred (AccessDeniedException) when calling the ListSecrets operation: User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: secretsmanager:ListSecrets because no resource-based policy allows the secretsmanager:ListSecrets action",
		"User: x is not authorized to perform: a:B on resource: \"arn:aws:s3:::b\" with an explicit deny in a service control policy: arn:aws:organizations::1:policy/o-1/service_control_policy/p-1",
		"An error occurred (AuthorizationError) when calling the ListTopics operation: \u212a is not authorized to perform: SNS:ListTopics with an explicit deny in a VPC endpoint policy",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, ok := awstext.ParseAccessDenied(text)
		if !ok {
			if d != nil {
				t.Fatalf("no denial, yet %+v", d)
			}
			return
		}
		if !awstext.IsAccessDenied(text) {
			t.Fatal("ParseAccessDenied found a denial that IsAccessDenied does not")
		}
		if d.Reason == "" || (d.Finding() != "" && !strings.HasPrefix(string(d.Finding()), "AccessDenied")) {
			t.Fatalf("reason %q, finding %q", d.Reason, d.Finding())
		}
		for what, part := range map[string]string{"principal": d.Principal, "action": d.Action, "resource": d.Resource,
			"clause": d.Clause, "policy ARN": d.PolicyArn, "message": d.Message, "code": d.Code} {
			if !strings.Contains(text, part) {
				t.Fatalf("%s %q is not in the text", what, part)
			}
		}
		if !strings.Contains(d.Clause, d.PolicyType) {
			t.Fatalf("policy type %q is not in the clause %q", d.PolicyType, d.Clause)
		}
		if code, ok := awstext.ClassifyAccessDenied(text); ok != (d.Finding() != "") || code != d.Finding() {
			t.Fatalf("ClassifyAccessDenied = %q, %v; ParseAccessDenied found %q", code, ok, d.Finding())
		}
	})
}

func FuzzStopCode(f *testing.F) {
	f.Add("TaskFailedToStart", pullTimeout)
	f.Add("TaskFailedToStart", "ResourceInitializationError: unable to pull secrets or registry auth")
	f.Add("EssentialContainerExited", "Essential container in task exited")
	f.Add("ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group arn:aws:...)")
	f.Add("TaskFailedToStart", "Task failed to start: cannotpullcontainererror: pull access denied")
	f.Add("", "Error: nothing")
	f.Add("X", "Weird\nError: x")
	f.Fuzz(func(t *testing.T, stopCode, reason string) {
		code := awstext.StopCode(stopCode, reason)
		finding := awstext.FailureCode(stopCode, reason)
		name, _, _ := strings.Cut(reason, ":")
		switch {
		case finding != "":
			switch finding {
			case v1alpha1.FindingCannotPullContainer, v1alpha1.FindingResourceInitialization,
				v1alpha1.FindingELBHealthCheckFailed, v1alpha1.FindingEssentialContainerExited:
			default:
				t.Fatalf("FailureCode %q is not a task-start code", finding)
			}
			if code != string(finding) {
				t.Fatalf("StopCode %q, FailureCode %q", code, finding)
			}
		case code != stopCode && code+"Error" != name:
			t.Fatalf("StopCode %q is neither the stop code %q nor the error the reason names", code, stopCode)
		}
		_ = awstext.IsStartFailure(code)
	})
}
