package metrics_test

import (
	"runtime"
	"testing"
)

// Every Recorder exports ecscheck_build_info: one series, the running
// version, value 1 (the ECSCheckControllerAbsent alert needs it present
// whenever a controller is).
func TestBuildInfo(t *testing.T) {
	_, reg, _ := newRecorder(t)
	got := series(t, reg, "ecscheck_build_info")
	want := `ecscheck_build_info{goversion="` + runtime.Version() + `",version="dev"} 1`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("build info series %q, want [%s]", got, want)
	}
}
