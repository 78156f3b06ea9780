package e2e

import "sigs.k8s.io/controller-runtime/pkg/cache"

// cacheFor keeps each test's controller to its own namespace, so controllers
// of earlier tests never see later tests' checks.
func cacheFor(ns string) cache.Options {
	return cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}}
}
