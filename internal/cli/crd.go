package cli

import _ "embed"

// crdYAML is a copy of config/crd/bases' CRD (the Dockerfile builds from
// api/, controllers/ and internal/ only), so that run admits a check with
// the very schema and CEL rules the API server applies. TestCRDCopy keeps
// it identical to what controller-gen writes.
//
//go:embed crd.yaml
var crdYAML []byte
