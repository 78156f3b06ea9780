package diagnose_test

import (
	"testing"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
)

// Issue 12 item 10: Fargate Windows has platform 1.0.0 only, and ECS Exec
// works on it; 1.4.0 is the Linux floor.
func TestWindowsFargatePlatformIsNotTooOld(t *testing.T) {
	e := healthyExec()
	e.PlatformVersion, e.OSFamily = "1.0.0", "WINDOWS_SERVER_2022_CORE"
	if fs := diagnose.ExecPrerequisites(diagnose.Network{}, e); len(fs) != 0 {
		t.Fatalf("Windows on 1.0.0: %+v", fs)
	}
	e.OSFamily = ""
	fs := diagnose.ExecPrerequisites(diagnose.Network{}, e)
	if len(fs) != 1 || fs[0].Code != v1alpha1.FindingPlatformVersionTooOld {
		t.Fatalf("Linux on 1.0.0: %+v", fs)
	}
	if !diagnose.Advisory(v1alpha1.FindingInitProcessDisabled) || diagnose.Advisory(v1alpha1.FindingReadonlyRootFilesystem) {
		t.Error("only initProcessEnabled off is advisory")
	}
}
