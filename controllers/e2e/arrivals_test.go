package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
)

// A pool holds its first run while checks of the same placement are on
// their way (issue 10: a bulk apply shares one session). Which checks count
// is read from the informer cache's placement index of the real API
// server, each check in the state a controller would find it in.
func TestChecksOnTheirWayToAPoolAreFoundInTheIndex(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "arrivals-"}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	const key = "pool-a"
	mk := func(name, service string, edit func(*v1alpha1.ECSConnectivityCheck)) *v1alpha1.ECSConnectivityCheck {
		c := &v1alpha1.ECSConnectivityCheck{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns.Name},
			Spec: v1alpha1.ECSConnectivityCheckSpec{Cluster: "prod", Service: service,
				Targets: []v1alpha1.Target{{Name: "db", TCP: &v1alpha1.TCPTarget{Host: "db.internal", Port: 5432}}}},
		}
		if edit != nil && name == "suspended" {
			edit(c)
		}
		if err := env.Client.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		if edit != nil && name != "suspended" {
			edit(c)
			if err := env.Client.Status().Update(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	settle := func(c *v1alpha1.ECSConnectivityCheck) { c.Status.ObservedGeneration = c.Generation }
	want := map[string]bool{
		"new":       true,  // not reconciled yet
		"recorded":  true,  // its key is written, its first run not yet
		"settled":   false, // failed or finished at its generation, not a member
		"restarted": false, // ran before a restart: it rejoins on its own schedule
		"elsewhere": false, // resolved to another pool
		"stalled":   false,
		"suspended": false,
		"other-svc": false, // another placement: not in the index's answer
	}
	mk("new", "api", nil)
	mk("recorded", "api", func(c *v1alpha1.ECSConnectivityCheck) { c.Status.Probe = &v1alpha1.ProbeStatus{PoolKey: key} })
	mk("restarted", "api", func(c *v1alpha1.ECSConnectivityCheck) {
		settle(c)
		c.Status.Probe = &v1alpha1.ProbeStatus{PoolKey: key}
	})
	mk("elsewhere", "api", func(c *v1alpha1.ECSConnectivityCheck) { c.Status.Probe = &v1alpha1.ProbeStatus{PoolKey: "pool-b"} })
	mk("settled", "api", settle)
	mk("stalled", "api", func(c *v1alpha1.ECSConnectivityCheck) {
		meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue,
			Reason: v1alpha1.ReasonRoleNotAllowed, Message: "not allowed", ObservedGeneration: c.Generation})
	})
	mk("suspended", "api", func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Suspend = true })
	other := mk("other-svc", "worker", nil)

	informers, err := cache.New(env.Config, cache.Options{Scheme: env.Scheme, DefaultNamespaces: map[string]cache.Config{ns.Name: {}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := controllers.IndexChecks(informers); err != nil {
		t.Fatal(err)
	}
	go func() { _ = informers.Start(ctx) }()
	if !informers.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	// The cache catches up with the status writes.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		list := &v1alpha1.ECSConnectivityCheckList{}
		if err := informers.List(ctx, list); err != nil {
			t.Fatal(err)
		}
		withStatus := 0
		for _, c := range list.Items {
			if c.Status.Probe != nil || c.Status.ObservedGeneration != 0 || len(c.Status.Conditions) > 0 {
				withStatus++
			}
		}
		if len(list.Items) == len(want) && withStatus == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache holds %d checks, %d with status", len(list.Items), withStatus)
		}
	}

	arriving := controllers.PoolArriving(informers)
	probe := mk("probe", "api", nil) // stands for the pool's member
	placement := controllers.Placement(probe)
	if controllers.Placement(other) == placement {
		t.Fatal("two services share a placement")
	}
	for name, expect := range want {
		// Every check but name is already a member.
		onlyName := func(c types.NamespacedName) bool { return c.Name != name }
		got, err := arriving(ctx, key, []string{placement}, onlyName)
		if err != nil {
			t.Fatal(err)
		}
		if got != expect {
			t.Errorf("%s: arriving = %v, want %v", name, got, expect)
		}
	}
	if got, _ := arriving(ctx, key, []string{placement}, func(types.NamespacedName) bool { return false }); !got {
		t.Error("no check arriving when none is a member")
	}
}
