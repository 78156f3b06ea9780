// Package probe runs an ECSConnectivityCheck's targets from inside an ECS
// task that has the service's network and task role, and turns what it saw
// into target results.
//
// A Manager is built once (New) and shared; internal/pool drives it, one
// goroutine per pool, and the reconciler's probe step only resolves:
//
//	id, svc, err := m.Resolve(ctx, clients, check)          // where and as whom the probe runs; cached, batched reads
//	task, err := m.Acquire(ctx, clients, id, hint, fresh)   // never waits: !task.Ready → look again after task.RetryAfter
//	res, err := m.Run(ctx, clients, task, jobs)             // one ECS Exec session for every due member of the pool
//	stopped, err := m.StopPool(ctx, clients, cluster, key, hint, why)
//
// and the reaper calls Reap(ctx, clients, clusters, poolKeysInUse).
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
// size, platform version, log group, script version and the credentials
// scope) share one Persistent probe task, found by startedBy
// "ecscheck-<poolKey>" and the tags ecscheck.dev/managed-by and
// ecscheck.dev/pool before any RunTask, so a restart never starts a second
// one. RunResult holds an Outcome per target, in job order; Outcome.Probed
// is false when the probe printed nothing for a target, and the reconciler
// then keeps the last result. A PerRun probe is a pool of one check,
// stopped after its Run. ServiceTask execs into a running task of the
// service, carrying the script inline.
//
// Reads are shared: DescribeServices (10 a call) and DescribeTasks (100 a
// call) go through batch readers per credentials scope and cluster, so a
// refresh that one pool or check needs re-reads every object of the scope
// at once; lifetimes are in internal/cache/ttl.go.
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
