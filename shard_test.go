package main

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

func TestShardFlags(t *testing.T) {
	o, err := parseFlags([]string{"--watch-label-selector=ecscheck.dev/shard in (a,b)", "--leader-election-namespace=ops", "--policy-reports"})
	if err != nil {
		t.Fatal(err)
	}
	if o.watchLabelSelector != "ecscheck.dev/shard in (a,b)" || o.leaderElectionNamespace != "ops" || !o.policyReports {
		t.Fatalf("options %+v", o)
	}
	if _, err := parseFlags([]string{"--watch-label-selector=shard in (a"}); err == nil {
		t.Fatal("an invalid selector was accepted")
	}
	a, b := leaderElectionID("ecscheck.dev/shard=a"), leaderElectionID("ecscheck.dev/shard=b")
	if a == b || a == leaderElectionID("") || len(a) > 63 {
		t.Fatalf("lease names %q %q %q", a, b, leaderElectionID(""))
	}
	if policyReportName("") != "ecscheck" || policyReportName("ecscheck.dev/shard=a") == policyReportName("ecscheck.dev/shard=b") {
		t.Fatal("shards share a PolicyReport name")
	}
}

// The manager's cache of a shard holds only its checks, against the real
// API server: another shard's check is invisible to it.
func TestShardCacheSeesOnlyItsChecks(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for name, shard := range map[string]string{"in-a": "a", "in-b": "b"} {
		c := &v1alpha1.ECSConnectivityCheck{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, Labels: map[string]string{"ecscheck.dev/shard": shard}},
			Spec: v1alpha1.ECSConnectivityCheckSpec{Cluster: "prod", Service: "orders-api",
				Targets: []v1alpha1.Target{{Name: "sns", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}}}},
		}
		if err := env.Client.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	opts := shardCache("ecscheck.dev/shard=a")
	opts.Scheme = env.Scheme
	c, err := cache.New(env.Config, opts)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	var list v1alpha1.ECSConnectivityCheckList
	if err := c.List(ctx, &list, client.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "in-a" {
		t.Fatalf("shard a's cache holds %d checks: %v", len(list.Items), list.Items)
	}
}
