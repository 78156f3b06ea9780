// Package wire is the protocol between ecscheck and the probe script that runs
// inside a probe task through ECS Exec. It is shared by the probe package (which
// builds requests and parses output) and by the fake AWS (which answers
// requests from scenario outcomes), so it has no dependencies beyond the
// standard library and must stay stable.
//
// Exec command: `/bin/sh /tmp/ecscheck-probe.sh <BASE64>`. BASE64 (standard
// encoding) decodes to UTF-8 text, lines separated by "\n", fields by "\t":
//
//	ECSCHECK1 \t <nonce> \t <timeoutSeconds> \t <region>
//	<id> \t dns  \t <name>
//	<id> \t tcp  \t <host> \t <port>
//	<id> \t http \t <url>
//	<id> \t aws  \t <service> \t <kebab-action> \t <base64(JSON object)>
//
// Output, one line per target, then the exit line:
//
//	ECSCHECK1 <nonce> <id> <STATUS> <elapsed-ms> <base64(detail)>
//	ECSCHECK-EXIT <nonce> 0
//
// The aws target's JSON object holds the action's request parameters
// ({"Bucket":"b"}); the script passes it as the value of --cli-input-json
// and writes every aws CLI option itself, so nothing in a request can become
// an option.
//
// An empty detail is written as "-" so that the line always has six fields
// (terminals strip trailing blanks). Statuses and their details:
//
//	dns:  OK (addresses, space separated) | UNRESOLVED (error text) | TIMEOUT
//	tcp:  OK (address connected to) | REFUSED | TIMEOUT | NOROUTE | UNRESOLVED | ERROR (error text)
//	http: OK ("<httpStatus> <remoteIP>") | CURL ("<curlExitCode> <curl error text>") | TIMEOUT
//	aws:  OK | ERROR (the last paragraph of the CLI's stderr, at most 1000 bytes) | TIMEOUT
//
// For tcp, the probe script also lists the host's other addresses after the
// first: the address that decided the status comes first (for REFUSED,
// TIMEOUT and NOROUTE too), so the detail is a space-separated address list,
// possibly empty. Readers take the first field as "the address".
package wire
