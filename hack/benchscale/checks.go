package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

const benchNamespace = "bench"

// checkName is the name of the n-th check.
func checkName(n int) string { return fmt.Sprintf("check-%05d", n) }

// newCheck is a check of identity i (its service) with targets targets that
// the fake answers OK, cycling through dns, tcp and awsAPI.
func newCheck(name string, identity, targets int, interval time.Duration) *v1alpha1.ECSConnectivityCheck {
	c := &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: benchNamespace},
		Spec: v1alpha1.ECSConnectivityCheckSpec{
			Cluster:  benchCluster,
			Service:  serviceName(identity),
			Interval: &metav1.Duration{Duration: interval},
		},
	}
	for t := 0; t < targets; t++ {
		tg := v1alpha1.Target{Name: fmt.Sprintf("t%d", t)}
		host := fmt.Sprintf("db%d.%s", t, benchDomain)
		switch t % 3 {
		case 0:
			tg.DNS = &v1alpha1.DNSTarget{Name: host}
		case 1:
			tg.TCP = &v1alpha1.TCPTarget{Host: host, Port: 5432}
		default:
			tg.AWSAPI = &v1alpha1.AWSAPITarget{Service: "sts", Action: "GetCallerIdentity"}
		}
		c.Spec.Targets = append(c.Spec.Targets, tg)
	}
	return c
}

// applyChecks creates the namespace and checks checks spread evenly over
// the identities (check n belongs to identity n mod identities), with a few
// writers in parallel so that a thousand checks land within seconds, as
// `kubectl apply` of one manifest would.
func applyChecks(ctx context.Context, c client.Client, checks, identities, targets int, interval time.Duration) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: benchNamespace}}); err != nil {
		return fmt.Errorf("creating namespace %s: %w", benchNamespace, err)
	}
	const writers = 8
	next := make(chan int)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				if err := c.Create(ctx, newCheck(checkName(n), n%identities, targets, interval)); err != nil {
					errs <- fmt.Errorf("creating check %s: %w", checkName(n), err)
					return
				}
			}
		}()
	}
	var err error
feed:
	for n := 0; n < checks; n++ {
		select {
		case next <- n:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

// isReady: Ready=True for the check's current generation.
func isReady(c *v1alpha1.ECSConnectivityCheck) bool {
	r := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionReady)
	return r != nil && r.Status == metav1.ConditionTrue && r.ObservedGeneration == c.Generation
}

// listChecks lists the benchmark's checks, read-only.
func listChecks(ctx context.Context, c client.Reader) ([]v1alpha1.ECSConnectivityCheck, error) {
	list := &v1alpha1.ECSConnectivityCheckList{}
	if err := c.List(ctx, list, client.InNamespace(benchNamespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing checks: %w", err)
	}
	return list.Items, nil
}

// countReady is how many of the checks are Ready.
func countReady(checks []v1alpha1.ECSConnectivityCheck) int {
	n := 0
	for i := range checks {
		if isReady(&checks[i]) {
			n++
		}
	}
	return n
}

// lastProbes are the checks' status.lastProbeTime (nil when none yet) and
// creation times, for overdueShare.
func lastProbes(checks []v1alpha1.ECSConnectivityCheck) []probeTimes {
	out := make([]probeTimes, len(checks))
	for i, c := range checks {
		out[i].created = c.CreationTimestamp.Time
		if c.Status.LastProbeTime != nil {
			t := c.Status.LastProbeTime.Time
			out[i].last = &t
		}
	}
	return out
}
