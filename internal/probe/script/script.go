// Package script holds the probe script that runs inside the probe task, and
// its version. The script speaks the protocol of package wire.
package script

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

// Bytes is the probe script: POSIX sh that re-executes itself under bash.
//
//go:embed probe.sh
var Bytes []byte

// Version identifies the script's content. It is part of the pool key and of
// the task definition, so a controller with a new script starts new probes.
var Version = func() string {
	sum := sha256.Sum256(Bytes)
	return hex.EncodeToString(sum[:])[:12]
}()
