// Package pool owns probe pools, the unit of AWS work: the checks that share
// one network identity and one set of credentials (a pool key), one
// schedule per pool, the pool's probe task from start to stop, and the
// delivery of each run's results to its members.
//
// A reconcile joins its check to its pool and reads back what the pool
// last saw for it; it makes no AWS call for its targets. The pool's own
// goroutine wakes at the pool tick, carries every member due before the
// next tick in one ECS Exec session, has diagnosis explain what is not as
// expected with the pool's credentials (which are every member's), and
// wakes the members whose status changed.
package pool
