// Package version holds the controller's version, stamped at build time from
// `git describe` (the Makefile's build target and the Dockerfile pass
// -ldflags "-X github.com/ecscheck/ecscheck/internal/version.Version=...").
package version

import (
	"fmt"
	"runtime"
)

// Version is the release tag (v0.1.0) or `git describe` output of the build;
// "dev" for a plain `go build`.
var Version = "dev"

// GoVersion is the Go toolchain the binary was built with.
func GoVersion() string { return runtime.Version() }

// String is what `ecscheck --version` prints.
func String() string {
	return fmt.Sprintf("ecscheck %s (%s, %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
