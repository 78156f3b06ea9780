package helmchart_test

import (
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// `helm lint` with the default and the non-default values: no error and no
// warning (an INFO, such as a missing icon, is allowed).
func TestLint(t *testing.T) {
	for name, values := range map[string]map[string]any{"default": nil, "non-default": nonDefault()} {
		t.Run(name, func(t *testing.T) {
			kube := &chartutil.KubeVersion{Version: "v1.37.0", Major: "1", Minor: "37"}
			result := lint.AllWithKubeVersion(chartDir(), values, "ecscheck-system", kube)
			for _, m := range result.Messages {
				t.Log(m)
				if m.Severity > support.InfoSev {
					t.Errorf("helm lint: %s", m)
				}
			}
		})
	}
}
