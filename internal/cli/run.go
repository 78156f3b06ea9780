package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// Exit codes of ecscheck run.
const (
	exitOK          = 0
	exitNotExpected = 1
	exitBadInput    = 2
	exitInterrupted = 130
)

// stopTimeout bounds stopping the probe task after the run or on Ctrl-C,
// with a context of its own: the run's may be cancelled already.
const stopTimeout = 30 * time.Second

// runCheck runs one check once, with a PerRun probe task (or in a task of
// the service with execInto: ServiceTask), and fills check.Status as the
// controller would. It returns the exit code the check deserves.
func (e *engine) runCheck(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) int {
	if check.Spec.Probe.ExecInto != v1alpha1.ExecIntoServiceTask {
		check.Spec.Probe.Lifecycle = v1alpha1.LifecyclePerRun
	}
	if check.Namespace == "" {
		check.Namespace = "default"
	}
	clients, err := e.clients(ctx, check)
	if err != nil {
		e.fail(check, controllers.FailedOutcome(err))
		return exitBadInput
	}
	id, svc, err := e.probes.Resolve(ctx, clients, check)
	if err != nil {
		e.fail(check, controllers.FailedOutcome(err))
		return exitBadInput
	}
	out := &controllers.ProbeOutcome{}
	if svc != nil {
		out.Service = svc.Status()
		out.ServiceHealth, out.Findings = e.explain.ServiceHealth(ctx, clients, id, svc)
	}

	var task *probe.TaskState
	if id.ExecInto != v1alpha1.ExecIntoServiceTask {
		// Whatever happens next, Ctrl-C included, nothing of this run is
		// left running: the pool's tasks are found by their tags.
		defer func() {
			hint := ""
			if task != nil {
				hint = task.TaskArn
			}
			e.stop(clients, id, hint)
		}()
	}
	if id.ExecInto == v1alpha1.ExecIntoServiceTask {
		e.progress("%s: looking for a running task of service %s", check.Name, check.Spec.Service)
	} else {
		e.progress("%s: starting a probe task (%s, %s) in %s, subnets %s, security groups %s, task role %s",
			check.Name, id.LaunchType, id.Image, id.Cluster, strings.Join(id.Subnets, ","), strings.Join(id.SecurityGroups, ","), id.TaskRoleArn)
	}
	task, err = e.acquire(ctx, clients, id)
	if ctx.Err() != nil {
		return exitInterrupted
	}
	if err != nil || !task.Ready {
		pe := probe.AsError(err)
		if pe == nil {
			pe = &probe.Error{Reason: task.Reason, Message: task.Message}
		}
		o := controllers.FailedOutcome(pe)
		o.Phase = controllers.ProbeFailed
		o.Service, o.ServiceHealth = out.Service, out.ServiceHealth
		o.Findings = append(out.Findings, e.explain.Probe(ctx, clients, id, task, probe.AsError(err))...)
		if task != nil {
			o.Probe = task.Status()
		}
		e.fail(check, o)
		return exitBadInput
	}

	e.progress("%s: running %d targets in probe task %s", check.Name, len(check.Spec.Targets), task.TaskArn)
	name := types.NamespacedName{Namespace: check.Namespace, Name: check.Name}
	res, err := e.probes.Run(ctx, clients, task, []probe.Job{{Check: name, Targets: check.Spec.Targets, Timeout: check.Spec.TimeoutDuration()}})
	if ctx.Err() != nil {
		return exitInterrupted
	}
	out.Probe = task.Status()
	if err != nil {
		pe := probe.AsError(err)
		out.Phase, out.Reason, out.Message = controllers.ProbeFailed, pe.Reason, pe.Message
		out.Findings = append(out.Findings, e.explain.Probe(ctx, clients, id, task, pe)...)
		e.apply(check, out)
		return exitBadInput
	}
	outcomes := res.Outcomes[name]
	e.explain.Targets(ctx, clients, id, check.Spec.Targets, outcomes)
	out.Phase, out.Reason = controllers.ProbeAvailable, v1alpha1.ReasonProbeRunning
	out.Message = fmt.Sprintf("Probe task %s ran the check", task.TaskArn)
	out.Findings = append(out.Findings, e.explain.Probe(ctx, clients, id, task, nil)...)
	out.Ran, out.RanAt = true, res.Finished
	for _, o := range outcomes {
		if o.Probed {
			out.Results = append(out.Results, o)
		}
	}
	e.apply(check, out)
	for _, t := range check.Status.Targets {
		if !t.AsExpected {
			return exitNotExpected
		}
	}
	return exitOK
}

// acquire waits for the probe to be ready: Acquire never blocks, so this
// calls it again after each RetryAfter, printing what changed, until the
// task is ready, fails for a reason other than starting, or e.wait passes.
func (e *engine) acquire(ctx context.Context, clients *awsclient.Clients, id *probe.Identity) (*probe.TaskState, error) {
	deadline := time.Now().Add(e.wait)
	var last *probe.TaskState
	said := ""
	for {
		task, err := e.probes.Acquire(ctx, clients, id, "", 0)
		if err != nil {
			return last, err
		}
		last = task
		if task.Ready || task.Reason != v1alpha1.ReasonProbeStarting {
			return task, nil
		}
		if task.Message != said {
			e.progress("%s", task.Message)
			said = task.Message
		}
		if time.Now().After(deadline) {
			task.Reason = v1alpha1.ReasonProbeStarting
			task.Message = fmt.Sprintf("the probe task was not ready after %s: %s", e.wait, task.Message)
			return task, nil
		}
		select {
		case <-ctx.Done():
			return task, nil
		case <-time.After(max(task.RetryAfter, 250*time.Millisecond)):
		}
	}
}

// stop stops the run's probe task with a context of its own, so that
// Ctrl-C still cleans up.
func (e *engine) stop(clients *awsclient.Clients, id *probe.Identity, taskArn string) {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	stopped, err := e.probes.StopPool(ctx, clients, id.Cluster, id.PoolKey, taskArn, "ecscheck run finished")
	if err != nil {
		e.progress("could not stop the probe task of pool %s: %v (look for tasks started by ecscheck-%s in cluster %s)", id.PoolKey, err, id.PoolKey, id.Cluster)
		return
	}
	for _, arn := range stopped {
		e.progress("stopped probe task %s", arn)
	}
	if len(stopped) == 0 && taskArn != "" {
		// Run stops a PerRun task itself; none of the pool's is running.
		e.progress("probe task %s stopped", taskArn)
	}
}

// fail records a check whose probe could not run.
func (e *engine) fail(check *v1alpha1.ECSConnectivityCheck, o *controllers.ProbeOutcome) {
	if o.Phase != controllers.ProbeStalled {
		o.Phase = controllers.ProbeFailed
	}
	e.apply(check, o)
}

func (e *engine) apply(check *v1alpha1.ECSConnectivityCheck, o *controllers.ProbeOutcome) {
	now := metav1.NewTime(e.now().Truncate(time.Second))
	if o.Ran && !o.RanAt.IsZero() {
		now = metav1.NewTime(o.RanAt.Truncate(time.Second))
	}
	controllers.ApplyRun(check, o, now)
}
