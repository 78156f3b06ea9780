package e2e

import "sigs.k8s.io/controller-runtime/pkg/cache"

// cacheFor keeps each test's controller to its own namespace, so controllers
// of earlier tests never see later tests' checks.
func cacheFor(namespaces ...string) cache.Options {
	o := cache.Options{DefaultNamespaces: map[string]cache.Config{}}
	for _, ns := range namespaces {
		o.DefaultNamespaces[ns] = cache.Config{}
	}
	return o
}
