//go:build tools

// Package tools pins golangci-lint, built into bin/ by `make lint` like the
// other tools, so no prebuilt binary is downloaded.
package tools

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
