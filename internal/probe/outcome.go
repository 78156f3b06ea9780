package probe

import (
	"time"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Outcome is what one run showed for one target.
type Outcome struct {
	// Target is the spec target's name.
	Target string
	// Probed is false when the probe printed no result for the target: the
	// reconciler keeps the target's last result (a probe fault never marks
	// a target Unreachable).
	Probed bool

	Result         v1alpha1.TargetResult
	AsExpected     bool
	Reason         string
	Message        string
	Addresses      []string
	ViaVPCEndpoint bool
	Latency        time.Duration

	// Findings explain a target that is not as expected; diagnosis fills
	// them after the run.
	Findings []v1alpha1.Finding

	// HTTPStatus is the status an http target received.
	HTTPStatus int
	// Denial is set when an awsAPI call was denied.
	Denial *Denial
	// Line is the probe's raw result, for diagnosis.
	Line wire.Line
}

// TargetStatus fills the fields of a status entry this run decides; the
// reconciler owns counters, times and findings.
func (o Outcome) TargetStatus() v1alpha1.TargetStatus {
	return v1alpha1.TargetStatus{
		Name: o.Target, Result: o.Result, AsExpected: o.AsExpected, Reason: o.Reason, Message: o.Message,
		Addresses: o.Addresses, ViaVPCEndpoint: o.ViaVPCEndpoint, LatencyMilliseconds: o.Latency.Milliseconds(),
		Findings: o.Findings,
	}
}

// notProbed is the outcome of a target the probe gave no result for.
func notProbed(t v1alpha1.Target, why string) Outcome {
	return Outcome{Target: t.Name, Result: v1alpha1.ResultUnknown, Reason: v1alpha1.ReasonNotProbed, Message: why}
}

// refused is the outcome of a target the controller would not send.
func refused(t v1alpha1.Target, err error) Outcome {
	return Outcome{Target: t.Name, Probed: true, Result: v1alpha1.ResultUnknown,
		Reason: v1alpha1.ReasonInvalidConfiguration, Message: "not probed: " + err.Error()}
}
