// Command benchscale is `make bench-scale` (issue 10): N checks over M
// network identities against the fake AWS with a latency on every AWS call,
// the real kube-apiserver and etcd, and the controller binary, measured in
// steady state. It runs the pooling controller and, when the binary has the
// hidden --pool-per-check flag, the per-check baseline (every check its own
// pool), each in a fresh world, and prints a markdown table side by side.
// It stops by itself within -timeout and exits non-zero on failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ecscheck/ecscheck/internal/testenv"
)

// options are the flags.
type options struct {
	params
	mode       string
	controller string
	dir        string
	timeout    time.Duration
	// extra are flags passed to the controller as they are (-controller-flag).
	extra flagList
}

// flagList is a repeatable string flag.
type flagList []string

func (l *flagList) String() string     { return fmt.Sprint(*l) }
func (l *flagList) Set(v string) error { *l = append(*l, v); return nil }

const (
	// startSlack is what starting and stopping the control plane, the fake
	// and the controller take per mode, at most.
	startSlack = 30 * time.Second
	// warmAllowance bounds the wait for a new check on a warm identity.
	warmAllowance = 30 * time.Second
)

func main() {
	root := testenv.RepoRoot()
	o := options{}
	flag.IntVar(&o.checks, "checks", 1000, "checks to apply")
	flag.IntVar(&o.identities, "identities", 100, "network identities (services, each its own subnet and security group); checks are spread evenly over them")
	flag.IntVar(&o.targets, "targets", 3, "targets per check (dns, tcp, awsAPI in turn)")
	flag.DurationVar(&o.interval, "interval", 60*time.Second, "spec.interval of every check (30s or more)")
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "latency the fake adds to every AWS call")
	flag.IntVar(&o.intervals, "intervals", 3, "measured intervals in steady state")
	flag.StringVar(&o.mode, "mode", "both", "pool, per-check or both")
	flag.StringVar(&o.controller, "controller", filepath.Join(root, "bin", "ecscheck"), "the controller binary (make build)")
	flag.StringVar(&o.dir, "dir", filepath.Join(root, "bin", "bench-scale"), "where kubeconfigs and controller logs go")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "bound of the whole run")
	flag.Var(&o.extra, "controller-flag", "a flag passed to the controller as it is, e.g. --zap-log-level=debug (repeatable)")
	flag.Parse()
	testenv.SetLogger() // envtest's own warnings and errors, to stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench-scale:", err)
		os.Exit(1)
	}
}

// validate refuses workloads the CRD or the time bound cannot take.
func (o options) validate(modes int) error {
	switch {
	case o.checks < 1 || o.identities < 1 || o.checks < o.identities:
		return fmt.Errorf("need checks ≥ identities ≥ 1, got -checks %d -identities %d", o.checks, o.identities)
	case o.targets < 1 || o.targets > 50:
		return fmt.Errorf("-targets must be 1..50 (the CRD's bound), got %d", o.targets)
	case o.interval < 30*time.Second:
		return fmt.Errorf("-interval must be at least 30s (the CRD's bound), got %s", o.interval)
	case o.intervals < 1:
		return fmt.Errorf("-intervals must be at least 1, got %d", o.intervals)
	case o.latency < 0:
		return fmt.Errorf("-latency must not be negative")
	}
	// Per mode: the first interval after the apply, the measured ones, the
	// new check, and starting and stopping.
	need := time.Duration(o.intervals+1)*o.interval + warmAllowance + startSlack
	if budget := o.timeout / time.Duration(modes); need > budget {
		return fmt.Errorf("-timeout %s leaves %s per mode; %d+1 intervals of %s, the new check and start-up need %s: raise -timeout or lower -intervals/-interval",
			o.timeout, budget, o.intervals, o.interval, need)
	}
	return nil
}

func run(ctx context.Context, o options, out, progress io.Writer) error {
	var modes []string
	switch o.mode {
	case modePool, modePerCheck:
		modes = []string{o.mode}
	case "both":
		modes = []string{modePool, modePerCheck}
	default:
		return fmt.Errorf("-mode must be pool, per-check or both, got %q", o.mode)
	}
	if _, err := os.Stat(o.controller); err != nil {
		return fmt.Errorf("controller binary: %w (run `make build`)", err)
	}
	perCheck, err := flagSupported(ctx, o.controller, "pool-per-check", "true")
	if err != nil {
		return err
	}
	var results []result
	var runnable []string
	for _, m := range modes {
		if m == modePerCheck && !perCheck {
			fmt.Fprintf(progress, "The per-check baseline is unavailable: %s has no --pool-per-check flag.\n", o.controller)
			results = append(results, result{mode: m, skipped: "the controller has no --pool-per-check flag"})
			continue
		}
		runnable = append(runnable, m)
	}
	if len(runnable) == 0 {
		return fmt.Errorf("nothing to measure: -mode %s needs the per-check baseline, which %s lacks", o.mode, o.controller)
	}
	if err := o.validate(len(runnable)); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	start := time.Now()
	var failed error
	for i, m := range runnable {
		// Each mode gets an equal share of what is left.
		left := o.timeout - time.Since(start)
		deadline := time.Now().Add(left / time.Duration(len(runnable)-i))
		r, err := runMode(ctx, o, m, deadline, progress)
		if err != nil {
			if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
				err = fmt.Errorf("%w (the run is bounded by -timeout %s)", err, o.timeout)
			}
			failed = errors.Join(failed, fmt.Errorf("mode %s: %w", m, err))
			r = result{mode: m, skipped: "failed: " + err.Error()}
		}
		results = place(results, r, modes)
		if ctx.Err() != nil {
			break
		}
	}
	for _, r := range results {
		if r.skipped == "" {
			renderTable(out, o.params, results)
			break
		}
	}
	return failed
}

// place puts r among results in the order of modes.
func place(results []result, r result, modes []string) []result {
	results = append(results, r)
	order := map[string]int{}
	for i, m := range modes {
		order[m] = i
	}
	for i := len(results) - 1; i > 0 && order[results[i].mode] < order[results[i-1].mode]; i-- {
		results[i], results[i-1] = results[i-1], results[i]
	}
	return results
}
