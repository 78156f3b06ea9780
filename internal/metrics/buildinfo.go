package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecscheck/ecscheck/internal/version"
)

// newBuildInfo is ecscheck_build_info, always 1: it tells which version runs,
// and its absence is what the ECSCheckControllerAbsent alert fires on (a
// controller that is gone exports nothing else either).
func newBuildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ecscheck_build_info",
		Help: "The controller's version and Go version; always 1.",
	}, []string{"version", "goversion"})
	g.WithLabelValues(version.Version, version.GoVersion()).Set(1)
	return g
}
