package probe

import (
	"context"
	"errors"
	"time"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// Metrics receives what the probe manager counts. *metrics.Recorder is one;
// the interface keeps this package free of Prometheus. Options.Metrics nil
// counts nothing.
type Metrics interface {
	// ProbeTaskStarted counts a probe task RunTask started.
	ProbeTaskStarted()
	// ProbeTaskFailed counts a RunTask failures[] entry by its reason
	// (AGENT, RESOURCE:MEMORY, ...) or a probe task that stopped, by its
	// stop code (CannotPullContainer, ResourceInitialization, ...).
	ProbeTaskFailed(reason string)
	// ExecSessionError counts a failed ECS Exec session by one of the
	// ExecError* kinds.
	ExecSessionError(kind string)
	// ObserveRun records how long one exec session took, from
	// ExecuteCommand to its end.
	ObserveRun(d time.Duration)
}

// Kinds of ExecSessionError: a closed set, the label values internal/metrics
// exports as the exec_session_errors label.
const (
	ExecErrorExecuteCommandDenied = "ExecuteCommandDenied" // ecs:ExecuteCommand refused to the controller
	ExecErrorAgentNotRunning      = "AgentNotRunning"      // ECS cannot reach the task's ExecuteCommandAgent
	ExecErrorConnect              = "Connect"              // the websocket could not be opened
	ExecErrorHandshake            = "Handshake"
	ExecErrorSessionDropped       = "SessionDropped" // ended before channel_closed
	ExecErrorChannelClosed        = "ChannelClosed"  // channel_closed with an error
	ExecErrorTimeout              = "Timeout"
	ExecErrorOutputLimit          = "OutputLimit"
	ExecErrorProtocol             = "Protocol" // malformed frame, bad digest
	ExecErrorNoExitMarker         = "NoExitMarker"
	// ExecErrorOther: any other failure of a session or of the probe in it
	// (no session returned, the script exited non-zero or printed nothing).
	ExecErrorOther = "Other"
)

// ExecErrorKinds lists every kind Run reports.
var ExecErrorKinds = []string{
	ExecErrorExecuteCommandDenied, ExecErrorAgentNotRunning, ExecErrorConnect, ExecErrorHandshake,
	ExecErrorSessionDropped, ExecErrorChannelClosed, ExecErrorTimeout, ExecErrorOutputLimit,
	ExecErrorProtocol, ExecErrorNoExitMarker, ExecErrorOther,
}

// sessionErrorKind sorts an error of ecsexec (or of the session's context)
// into a kind. ok is false when the caller's context was canceled: the
// controller gave up, the session did not fail.
func sessionErrorKind(ctx context.Context, err error) (kind string, ok bool) {
	var closed *ecsexec.ChannelClosedError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(ctx.Err(), context.DeadlineExceeded):
		return ExecErrorTimeout, true
	case errors.Is(err, context.Canceled), errors.Is(ctx.Err(), context.Canceled):
		return "", false
	case errors.Is(err, ecsexec.ErrConnect):
		return ExecErrorConnect, true
	case errors.Is(err, ecsexec.ErrHandshake):
		return ExecErrorHandshake, true
	case errors.As(err, &closed), errors.Is(err, ecsexec.ErrChannelClosed):
		return ExecErrorChannelClosed, true
	case errors.Is(err, ecsexec.ErrSessionDropped):
		return ExecErrorSessionDropped, true
	case errors.Is(err, ecsexec.ErrOutputLimit):
		return ExecErrorOutputLimit, true
	case errors.Is(err, ecsexec.ErrDigestInvalid), errors.Is(err, ecsexec.ErrMalformedFrame):
		return ExecErrorProtocol, true
	case errors.Is(err, ecsexec.ErrNoExitMarker):
		return ExecErrorNoExitMarker, true
	}
	return ExecErrorOther, true
}

// noMetrics is the default: it counts nothing.
type noMetrics struct{}

func (noMetrics) ProbeTaskStarted()        {}
func (noMetrics) ProbeTaskFailed(string)   {}
func (noMetrics) ExecSessionError(string)  {}
func (noMetrics) ObserveRun(time.Duration) {}

// stopSeenFor is how long the manager remembers a stopped task it counted;
// ECS shows stopped tasks for about an hour.
const stopSeenFor = 3 * time.Hour

// countStop counts a probe task that stopped the first time the manager
// sees it stopped: the state of a task is computed again on every Acquire
// and by every check of its pool, and a status written before the stop can
// point a pool at it again.
func (m *Manager) countStop(taskArn, stopCode string) {
	now := m.opts.Clock.Now()
	m.mu.Lock()
	if _, seen := m.stopsSeen[taskArn]; seen {
		m.mu.Unlock()
		return
	}
	for arn, at := range m.stopsSeen {
		if now.Sub(at) > stopSeenFor {
			delete(m.stopsSeen, arn)
		}
	}
	m.stopsSeen[taskArn] = now
	m.mu.Unlock()
	m.opts.Metrics.ProbeTaskFailed(stopCode)
}
