// Package probe runs an ECSConnectivityCheck's targets from inside an ECS
// task that has the service's network and task role, and turns what it saw
// into target results.
//
// A Manager is built once (New) and shared by every reconcile:
//
//	m := probe.New(probe.Options{DefaultImage: flagImage, MaxAge: flagMaxAge, Log: log, InUse: poolInUseFromCache})
//
// A reconcile then calls, with the check's AWS clients:
//
//	id, svc, err := m.Resolve(ctx, clients, check)   // where the probe runs; svc: the service's health
//	task, err := m.Acquire(ctx, clients, check, id)  // never waits: !task.Ready → requeue after task.RetryAfter
//	res, err := m.Run(ctx, clients, task, jobs)      // one ECS Exec session for every job of the pool
//	err = m.Release(ctx, clients, check)             // on deletion, before the finalizer goes
//
// and a periodic runnable calls Reap(ctx, clients, clusters, poolKeysInUse).
//
// Every error these return is an *Error carrying a ProbeReady reason of
// api/v1alpha1 and a message for people (AsError converts); AWS errors are
// sorted by awsclient.Classify. Error.Stalled tells ServiceNotFound,
// ClusterNotFound and InvalidConfiguration, which only a spec or account
// change fixes. A probe that is not ready is not an error: TaskState has
// Ready false, a Reason (ProbeStarting, ProbeTaskStopped, RunTaskFailed,
// ExecAgentNotRunning, NoRunningServiceTask), a Message and RetryAfter.
// TaskState.Status and ServiceState.Status render status.probe and
// status.service.
//
// Pooling: checks whose Identity has the same PoolKey (region, account,
// cluster, launch type, subnets, security groups, public IP, roles, image,
// size, platform version, log group, script version) share one Persistent
// probe task, found by startedBy "ecscheck-<poolKey>" and the tags
// ecscheck.dev/managed-by and ecscheck.dev/pool before any RunTask, so a
// restart never starts a second one. Members(poolKey) lists the checks the
// Manager knows in a pool, so the caller can gather their due targets into
// one Run: a Job per check, with its due targets and timeout. RunResult
// holds an Outcome per target, in job order; Outcome.Probed is false when
// the probe printed nothing for a target, and the reconciler then keeps the
// last result. A PerRun probe is a pool of one check, stopped after its Run.
// ServiceTask execs into a running task of the service, carrying the script
// inline.
//
// RunTask failures[] (AGENT, RESOURCE:*) are retried with Options.RunTaskBackoff
// and show as RunTaskFailed only when its attempts are spent. A probe task
// that stops shows ProbeTaskStopped with its stop code at once, and another
// is started after the same backoff.
//
// The probe script (package script) and its protocol (package wire) never
// evaluate a request: targets travel base64-encoded as tab-separated data.
// Classify is exported for diagnosis and tests; AccessDenied texts and stop
// reasons are read by package awstext, as diagnosis reads them.
package probe
