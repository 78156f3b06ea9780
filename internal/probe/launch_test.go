package probe

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// Issue 12 item 2: Fargate's failures[] reasons are free text. Capacity
// passes; a quota does not; anything else is still reported, quoted.
func TestRunTaskFindingsReadFargateFreeText(t *testing.T) {
	cases := []struct {
		launch    v1alpha1.LaunchType
		reason    string
		code      v1alpha1.FindingCode
		transient bool
	}{
		{v1alpha1.LaunchTypeFargate, "Capacity is unavailable at this time. Please try again later or in a different availability zone", v1alpha1.FindingRunTaskCapacityUnavailable, true},
		{v1alpha1.LaunchTypeFargate, "The requested CPU configuration is above your limit", v1alpha1.FindingRunTaskQuotaExceeded, false},
		{v1alpha1.LaunchTypeFargate, "You've reached the limit on the number of vCPUs you can run concurrently", v1alpha1.FindingRunTaskQuotaExceeded, false},
		{v1alpha1.LaunchTypeFargate, "Something ECS has not said before", v1alpha1.FindingRunTaskFailed, false},
		{v1alpha1.LaunchTypeEC2, "AGENT", v1alpha1.FindingRunTaskAgent, true},
		{v1alpha1.LaunchTypeEC2, "RESOURCE:MEMORY", v1alpha1.FindingRunTaskResource, true},
		{v1alpha1.LaunchTypeEC2, "ATTRIBUTE", v1alpha1.FindingRunTaskAttribute, false},
	}
	for _, c := range cases {
		fs, transient := runTaskFindings(c.launch, []ecstypes.Failure{{Reason: aws.String(c.reason)}})
		if len(fs) != 1 || fs[0].Code != c.code || transient != c.transient {
			t.Errorf("%s %q: findings %+v transient %v; want %s transient %v", c.launch, c.reason, fs, transient, c.code, c.transient)
		}
	}
	if _, transient := runTaskFindings(v1alpha1.LaunchTypeFargate, []ecstypes.Failure{
		{Reason: aws.String("Capacity is unavailable at this time. Please try again later or in a different availability zone")},
		{Reason: aws.String("The requested CPU configuration is above your limit")},
	}); transient {
		t.Error("a quota failure beside a capacity one was taken as transient")
	}
}
