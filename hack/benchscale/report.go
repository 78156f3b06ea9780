package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Modes.
const (
	modePool     = "pool"
	modePerCheck = "per-check"
)

// params are the workload, printed above the table.
type params struct {
	checks, identities, targets, intervals int
	interval, latency                      time.Duration
}

// result is what one mode measured.
type result struct {
	mode string
	// skipped says why the mode did not run ("" when it did).
	skipped string

	// perInterval is the mean number of AWS calls per measured interval,
	// by operation ("ecs:DescribeTasks").
	perInterval map[string]float64
	// execFirst is ecs:ExecuteCommand during the first interval after the
	// apply.
	execFirst int

	// allReady is apply → every check Ready; ready is how many were Ready
	// when the wait ended (fewer than checks: the wait timed out).
	allReady time.Duration
	ready    int
	// warmReady is apply → Ready of one new check on a warm identity;
	// warmTimedOut when it was not Ready within the allowance.
	warmReady    time.Duration
	warmTimedOut bool

	rssMaxBytes int64
	// cpu is the controller's CPU time over the measured window divided by
	// its wall time (1 = one core).
	cpu float64
	// overdue is the largest share of checks overdue over the samples.
	overdue float64
	// probeTasks is how many probe tasks ran at the end.
	probeTasks int
}

// floor is the least AWS calls per interval DESIGN 3.2 allows: one
// ExecuteCommand per identity, DescribeTasks of up to 100 probe tasks a
// call, DescribeServices of up to 10 services a call.
func floor(identities, probeTasks, services int) int {
	return identities + ceilDiv(probeTasks, 100) + ceilDiv(services, 10)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// probeTimes are one check's status.lastProbeTime (nil: none yet) and its
// creation time.
type probeTimes struct {
	last    *time.Time
	created time.Time
}

// overdueShare is the share of checks more than 10% of their interval
// late: now - lastProbeTime > 1.1 × interval. A check that never ran is
// measured from its creation.
func overdueShare(now time.Time, checks []probeTimes, interval time.Duration) float64 {
	if len(checks) == 0 {
		return 0
	}
	limit := interval + interval/10
	late := 0
	for _, c := range checks {
		since := c.created
		if c.last != nil {
			since = *c.last
		}
		if now.Sub(since) > limit {
			late++
		}
	}
	return float64(late) / float64(len(checks))
}

// callsPerInterval is the mean number of calls per interval by operation
// between two snapshots of the fake's counters taken intervals apart.
func callsPerInterval(start, end map[string]int, intervals int) map[string]float64 {
	out := map[string]float64{}
	for op, n := range end {
		if d := n - start[op]; d > 0 {
			out[op] = float64(d) / float64(intervals)
		}
	}
	return out
}

// total is the sum over operations.
func total(perOp map[string]float64) float64 {
	var t float64
	for _, v := range perOp {
		t += v
	}
	return t
}

// row is one line of the table: a label and, per result, a number (for
// the ratio) and its text.
type row struct {
	label string
	cells []cell
}

type cell struct {
	v    float64
	text string
	ok   bool // false: no value (mode skipped or nothing to show)
}

// renderTable prints the workload and a markdown table with one column per
// mode and, when both ran, the ratio per-check / pool.
func renderTable(w io.Writer, p params, results []result) {
	fl := floor(p.identities, p.identities, p.identities)
	fmt.Fprintf(w, "%d checks over %d identities, %d targets each, interval %s, %s per AWS call, %d measured interval(s).\n",
		p.checks, p.identities, p.targets, p.interval, p.latency, p.intervals)
	fmt.Fprintf(w, "Floor = identities + ⌈probe tasks/100⌉ + ⌈services/10⌉ = %d + %d + %d = %d AWS calls per interval.\n",
		p.identities, ceilDiv(p.identities, 100), ceilDiv(p.identities, 10), fl)
	for _, r := range results {
		if r.skipped != "" {
			fmt.Fprintf(w, "Mode %s not measured: %s.\n", r.mode, r.skipped)
		}
	}
	fmt.Fprintln(w)

	ratio := len(results) == 2 && results[0].mode == modePool && results[1].mode == modePerCheck &&
		results[0].skipped == "" && results[1].skipped == ""
	head := []string{"Measure"}
	for _, r := range results {
		head = append(head, r.mode)
	}
	if ratio {
		head = append(head, "per-check / pool")
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, rw := range tableRows(p, fl, results) {
		line := []string{rw.label}
		for _, c := range rw.cells {
			line = append(line, orNA(c))
		}
		if ratio {
			line = append(line, ratioText(rw.cells[0], rw.cells[1]))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(line, " | "))
	}
}

func orNA(c cell) string {
	if !c.ok {
		return "n/a"
	}
	return c.text
}

func ratioText(pool, perCheck cell) string {
	if !pool.ok || !perCheck.ok || pool.v == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f×", perCheck.v/pool.v)
}

// tableRows are the measures, in the order of issue 10's list.
func tableRows(p params, fl int, results []result) []row {
	var rows []row
	add := func(label string, f func(r result) cell) {
		rw := row{label: label}
		for _, r := range results {
			if r.skipped != "" {
				rw.cells = append(rw.cells, cell{})
				continue
			}
			rw.cells = append(rw.cells, f(r))
		}
		rows = append(rows, rw)
	}
	num := func(v float64) cell { return cell{v: v, text: fmt.Sprintf("%.1f", v), ok: true} }

	add("AWS calls per interval", func(r result) cell { return num(total(r.perInterval)) })
	add("ratio to floor", func(r result) cell {
		v := total(r.perInterval) / float64(fl)
		return cell{v: v, text: fmt.Sprintf("%.2f×", v), ok: true}
	})
	for _, op := range operations(results) {
		add("`"+op+"` per interval", func(r result) cell { return num(r.perInterval[op]) })
	}
	add("ExecuteCommand per identity, first interval", func(r result) cell {
		return cell{v: float64(r.execFirst), text: fmt.Sprintf("%.2f", float64(r.execFirst)/float64(p.identities)), ok: true}
	})
	add("ExecuteCommand per identity per interval, steady", func(r result) cell {
		v := r.perInterval["ecs:ExecuteCommand"] / float64(p.identities)
		return cell{v: v, text: fmt.Sprintf("%.2f", v), ok: true}
	})
	add("apply → all Ready", func(r result) cell {
		c := cell{v: r.allReady.Seconds(), text: seconds(r.allReady), ok: true}
		if r.ready < p.checks {
			c.text = fmt.Sprintf("> %s (%d/%d Ready)", seconds(r.allReady), r.ready, p.checks)
		}
		return c
	})
	add("apply → Ready, new check on a warm identity", func(r result) cell {
		c := cell{v: r.warmReady.Seconds(), text: seconds(r.warmReady), ok: true}
		if r.warmTimedOut {
			c.text = "> " + c.text
		}
		return c
	})
	add("controller RSS, max (MiB)", func(r result) cell { return num(float64(r.rssMaxBytes) / (1 << 20)) })
	add("controller CPU, % of a core", func(r result) cell { return num(100 * r.cpu) })
	add("checks overdue > 10% of interval (max share)", func(r result) cell {
		return cell{v: r.overdue, text: fmt.Sprintf("%.1f%%", 100*r.overdue), ok: true}
	})
	add("probe tasks running at the end", func(r result) cell {
		return cell{v: float64(r.probeTasks), text: fmt.Sprint(r.probeTasks), ok: true}
	})
	return rows
}

// operations are every operation any result called, sorted.
func operations(results []result) []string {
	seen := map[string]bool{}
	var ops []string
	for _, r := range results {
		for op := range r.perInterval {
			if !seen[op] {
				seen[op] = true
				ops = append(ops, op)
			}
		}
	}
	sort.Strings(ops)
	return ops
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
