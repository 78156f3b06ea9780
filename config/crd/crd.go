// Package crd embeds the generated CustomResourceDefinition, so that the
// ecscheck CLI validates a check with the very schema and CEL rules the API
// server applies at admission (no second copy to drift).
package crd

import _ "embed"

// ECSConnectivityCheck is config/crd/bases' CRD, as controller-gen wrote it.
//
//go:embed bases/connectivity.ecscheck.dev_ecsconnectivitychecks.yaml
var ECSConnectivityCheck []byte
