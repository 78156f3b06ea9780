package v1alpha1

import "time"

// Defaults that the API server applies; repeated here for objects that did
// not pass through it (unit tests, old objects).
const (
	DefaultInterval = 5 * time.Minute
	DefaultTimeout  = 5 * time.Second
)

// IntervalDuration is spec.interval, defaulted.
func (s *ECSConnectivityCheckSpec) IntervalDuration() time.Duration {
	if s.Interval == nil || s.Interval.Duration <= 0 {
		return DefaultInterval
	}
	return s.Interval.Duration
}

// TimeoutDuration is spec.timeout, defaulted.
func (s *ECSConnectivityCheckSpec) TimeoutDuration() time.Duration {
	if s.Timeout == nil || s.Timeout.Duration <= 0 {
		return DefaultTimeout
	}
	return s.Timeout.Duration
}
