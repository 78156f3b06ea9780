package wire

// Markers that start the request and every output line.
const (
	// Magic starts the request header and every result line; its digit is the
	// protocol version.
	Magic = "ECSCHECK1"
	// ExitMarker starts the closing line; the ecsexec client reads the code
	// that follows the nonce as the command's exit status.
	ExitMarker = "ECSCHECK-EXIT"
	// ScriptPath is where the probe task's start command (or the inline
	// ServiceTask command) writes the probe script.
	ScriptPath = "/tmp/ecscheck-probe.sh"
	// emptyDetail stands for an empty detail on the wire.
	emptyDetail = "-"
)

// Target kinds.
const (
	KindDNS  = "dns"
	KindTCP  = "tcp"
	KindHTTP = "http"
	KindAWS  = "aws"
)

// Result statuses. Which statuses a kind may report is listed in the package
// documentation.
const (
	StatusOK         = "OK"
	StatusUnresolved = "UNRESOLVED"
	StatusTimeout    = "TIMEOUT"
	StatusRefused    = "REFUSED"
	StatusNoRoute    = "NOROUTE"
	StatusError      = "ERROR"
	StatusCurl       = "CURL"
)

// knownStatus tells a result line from noise that happens to follow a marker.
var knownStatus = map[string]bool{
	StatusOK: true, StatusUnresolved: true, StatusTimeout: true, StatusRefused: true,
	StatusNoRoute: true, StatusError: true, StatusCurl: true,
}
