package main

import (
	"crypto/sha256"
	"encoding/hex"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// shardCache makes the manager's cache, and so the reconciler, see only the
// checks that match --watch-label-selector (as Flux's flag of that name
// does); every check when it is empty. parseFlags has validated the
// selector. The cache drops managedFields, which nothing here reads and
// which at thousands of checks are a large share of what it holds.
func shardCache(selector string) cache.Options {
	o := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	if selector != "" {
		o.ByObject = map[client.Object]cache.ByObject{
			&v1alpha1.ECSConnectivityCheck{}: {Label: mustSelector(selector)},
		}
	}
	return o
}

// shardID names a shard in the objects it owns alone: "" for all checks,
// else "shard-" and a hash of the selector.
func shardID(selector string) string {
	if selector == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(selector))
	return "shard-" + hex.EncodeToString(sum[:5])
}

// leaderElectionID gives each shard its own Lease: shards run side by side,
// and only the replicas of one shard elect a leader among themselves.
func leaderElectionID(selector string) string {
	const id = "ecscheck.connectivity.ecscheck.dev"
	if s := shardID(selector); s != "" {
		return s + "." + id
	}
	return id
}

// policyReportName gives each shard its own PolicyReport per namespace, so
// that shards with checks in one namespace do not overwrite each other's.
func policyReportName(selector string) string {
	if s := shardID(selector); s != "" {
		return "ecscheck-" + s
	}
	return "ecscheck"
}

func mustSelector(s string) labels.Selector {
	sel, err := labels.Parse(s)
	if err != nil {
		panic(err) // parseFlags rejects an invalid selector first
	}
	return sel
}
