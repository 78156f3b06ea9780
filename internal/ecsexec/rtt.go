package ecsexec

import "time"

// Retransmission timing, as in the plugin and the agent (RFC 6298 smoothing with
// their constants): the first timeout is 200 ms and it never exceeds one second, so a
// lost message costs at most a second.
const (
	initialRTO       = 200 * time.Millisecond
	initialRTT       = 100 * time.Millisecond
	clockGranularity = 10 * time.Millisecond
	maxRTO           = time.Second
	rttAlpha         = 1.0 / 8.0
	rttBeta          = 1.0 / 4.0
)

// rttEstimator derives the retransmission timeout from acknowledged round trips.
type rttEstimator struct {
	srtt   float64 // smoothed round trip, nanoseconds
	rttvar float64 // round trip variation, nanoseconds
	rto    time.Duration
}

func newRTTEstimator() rttEstimator {
	return rttEstimator{srtt: float64(initialRTT), rto: initialRTO}
}

// sample folds in one measured round trip. Callers pass only samples of messages
// that were not retransmitted (Karn), since an ack of a resent message is ambiguous.
func (e *rttEstimator) sample(rtt time.Duration) {
	r := float64(rtt)
	diff := e.srtt - r
	if diff < 0 {
		diff = -diff
	}
	e.rttvar = (1-rttBeta)*e.rttvar + rttBeta*diff
	e.srtt = (1-rttAlpha)*e.srtt + rttAlpha*r
	e.rto = time.Duration(e.srtt + max(float64(clockGranularity), 4*e.rttvar))
	e.rto = min(e.rto, maxRTO)
}

// timeout is the wait before the first retransmission of a message.
func (e *rttEstimator) timeout() time.Duration { return e.rto }

// backoff is the wait before the next retransmission of a message already resent
// `attempts` times: doubled each time, capped at maxRTO.
func (e *rttEstimator) backoff(attempts int) time.Duration {
	d := e.rto
	for i := 0; i < attempts && d < maxRTO; i++ {
		d *= 2
	}
	return min(d, maxRTO)
}
