package probe

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awstext"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Classify turns the probe's result line for a target into an Outcome:
// result, reason, a message for people, addresses, and whether that is what
// the target expects (expect: Unreachable or Denied inverts it). vpc holds
// the VPC's CIDR blocks; an address inside them went through the VPC (an
// interface endpoint), which decides viaVPCEndpoint and expectPrivateAddress.
func Classify(t v1alpha1.Target, l wire.Line, timeout time.Duration, vpc []netip.Prefix) Outcome {
	o := Outcome{Target: t.Name, Probed: true, Latency: l.Elapsed, Line: l}
	switch {
	case t.DNS != nil:
		classifyDNS(&o, t.DNS, l, timeout, vpc)
	case t.TCP != nil:
		classifyTCP(&o, t.TCP, l, timeout, vpc)
	case t.HTTP != nil:
		classifyHTTP(&o, t.HTTP, l, timeout, vpc)
	case t.AWSAPI != nil:
		classifyAWS(&o, t.AWSAPI, l, timeout)
		o.AsExpected = expected(t.Expect, v1alpha1.ExpectAllowed, o.Result)
		return o
	}
	want := expected(t.Expect, v1alpha1.ExpectReachable, o.Result)
	if o.Reason == v1alpha1.ReasonPublicAddressResolved && expectOf(t.Expect, v1alpha1.ExpectReachable) == v1alpha1.ExpectReachable {
		want = false
	}
	o.AsExpected = want
	return o
}

func expectOf(e, def v1alpha1.Expectation) v1alpha1.Expectation {
	if e == "" {
		return def
	}
	return e
}

// expected compares a result with the expectation (def when unset).
func expected(e, def v1alpha1.Expectation, r v1alpha1.TargetResult) bool {
	switch expectOf(e, def) {
	case v1alpha1.ExpectReachable:
		return r == v1alpha1.ResultReachable
	case v1alpha1.ExpectUnreachable:
		return r == v1alpha1.ResultUnreachable
	case v1alpha1.ExpectAllowed:
		return r == v1alpha1.ResultAllowed
	case v1alpha1.ExpectDenied:
		return r == v1alpha1.ResultDenied
	}
	return false
}

func classifyDNS(o *Outcome, d *v1alpha1.DNSTarget, l wire.Line, timeout time.Duration, vpc []netip.Prefix) {
	switch l.Status {
	case wire.StatusOK:
		o.Addresses = strings.Fields(l.Detail)
		o.ViaVPCEndpoint = allInside(o.Addresses, vpc)
		o.Result, o.Reason = v1alpha1.ResultReachable, v1alpha1.ReasonResolved
		o.Message = fmt.Sprintf("%s resolved to %s", d.Name, strings.Join(o.Addresses, ", "))
		if o.ViaVPCEndpoint {
			o.Message += " (inside the VPC)"
		}
		if d.ExpectPrivateAddress && !allPrivate(o.Addresses, vpc) {
			o.Reason = v1alpha1.ReasonPublicAddressResolved
			o.Message = fmt.Sprintf("%s resolved to %s, not only to private addresses inside the VPC: no interface VPC endpoint with private DNS answers for it",
				d.Name, strings.Join(o.Addresses, ", "))
		}
	case wire.StatusTimeout:
		o.Result, o.Reason = v1alpha1.ResultUnreachable, v1alpha1.ReasonNameNotResolved
		o.Message = fmt.Sprintf("resolving %s timed out after %s", d.Name, timeout)
	default:
		o.Result, o.Reason = v1alpha1.ResultUnreachable, v1alpha1.ReasonNameNotResolved
		o.Message = fmt.Sprintf("%s could not be resolved: %s", d.Name, orUnknown(l.Detail))
	}
}

func classifyTCP(o *Outcome, t *v1alpha1.TCPTarget, l wire.Line, timeout time.Duration, vpc []netip.Prefix) {
	if l.Status != wire.StatusError && l.Status != wire.StatusUnresolved {
		o.Addresses = strings.Fields(l.Detail)
		o.ViaVPCEndpoint = allInside(o.Addresses, vpc)
	}
	dest := hostPort(first(o.Addresses, t.Host), int(t.Port))
	o.Result = v1alpha1.ResultUnreachable
	switch l.Status {
	case wire.StatusOK:
		o.Result, o.Reason = v1alpha1.ResultReachable, v1alpha1.ReasonConnected
		o.Message = fmt.Sprintf("TCP connect to %s succeeded in %s", dest, l.Elapsed.Round(time.Millisecond))
	case wire.StatusRefused:
		o.Reason = v1alpha1.ReasonConnectionRefused
		o.Message = fmt.Sprintf("TCP connect to %s was refused: nothing listens there, or something rejects the connection", dest)
	case wire.StatusTimeout:
		o.Reason = v1alpha1.ReasonConnectionTimedOut
		o.Message = fmt.Sprintf("TCP connect to %s timed out after %s", dest, timeout)
	case wire.StatusNoRoute:
		o.Reason = v1alpha1.ReasonNoRouteToHost
		o.Message = fmt.Sprintf("TCP connect to %s failed: no route to host", dest)
	case wire.StatusUnresolved:
		o.Reason = v1alpha1.ReasonNameNotResolved
		o.Message = fmt.Sprintf("%s could not be resolved", t.Host)
	default:
		o.Reason = v1alpha1.ReasonConnectionFailed
		o.Message = fmt.Sprintf("TCP connect to %s failed: %s", dest, orUnknown(l.Detail))
	}
}

func classifyHTTP(o *Outcome, h *v1alpha1.HTTPTarget, l wire.Line, timeout time.Duration, vpc []netip.Prefix) {
	o.Result = v1alpha1.ResultUnreachable
	switch l.Status {
	case wire.StatusOK:
		f := strings.Fields(l.Detail)
		o.HTTPStatus, _ = strconv.Atoi(first(f, ""))
		if len(f) > 1 && f[1] != "" {
			o.Addresses = f[1:2]
			o.ViaVPCEndpoint = allInside(o.Addresses, vpc)
		}
		from := ""
		if len(o.Addresses) > 0 {
			from = " from " + o.Addresses[0]
		}
		if statusAccepted(o.HTTPStatus, h.ExpectStatus) {
			o.Result, o.Reason = v1alpha1.ResultReachable, v1alpha1.ReasonHTTPStatus
			o.Message = fmt.Sprintf("GET %s answered %d%s", h.URL, o.HTTPStatus, from)
		} else {
			o.Reason = v1alpha1.ReasonHTTPStatusUnexpected
			o.Message = fmt.Sprintf("GET %s answered %d%s; expected %s", h.URL, o.HTTPStatus, from, acceptedText(h.ExpectStatus))
		}
	case wire.StatusTimeout:
		// The probe resolved the host first: its addresses let diagnosis
		// follow the path, as for a tcp target.
		o.Addresses = strings.Fields(l.Detail)
		o.ViaVPCEndpoint = len(o.Addresses) > 0 && allInside(o.Addresses, vpc)
		o.Reason = v1alpha1.ReasonConnectionTimedOut
		o.Message = fmt.Sprintf("GET %s timed out after %s", h.URL, timeout)
		if len(o.Addresses) > 0 {
			o.Message += " (" + strings.Join(o.Addresses, ", ") + ")"
		}
	default:
		code, text, _ := strings.Cut(l.Detail, " ")
		o.Reason = curlReason(code, text)
		o.Message = fmt.Sprintf("GET %s failed: curl error %s: %s", h.URL, code, orUnknown(text))
	}
}

// statusAccepted: the listed statuses, or by default any below 500.
func statusAccepted(status int, want []int32) bool {
	if len(want) == 0 {
		return status > 0 && status < 500
	}
	return slices.Contains(want, int32(status))
}

func acceptedText(want []int32) string {
	if len(want) == 0 {
		return "a status below 500"
	}
	s := make([]string, len(want))
	for i, w := range want {
		s[i] = strconv.Itoa(int(w))
	}
	return "one of " + strings.Join(s, ", ")
}

// curlReason maps curl exit codes (curl(1) EXIT CODES) to reasons.
func curlReason(code, text string) string {
	switch code {
	case "6", "5":
		return v1alpha1.ReasonNameNotResolved
	case "7":
		if strings.Contains(text, "No route") || strings.Contains(text, "unreachable") {
			return v1alpha1.ReasonNoRouteToHost
		}
		return v1alpha1.ReasonConnectionRefused
	case "28":
		return v1alpha1.ReasonConnectionTimedOut
	case "35", "51", "53", "54", "58", "59", "60", "64", "66", "77", "80", "82", "83", "90", "91":
		return v1alpha1.ReasonTLSError
	}
	return v1alpha1.ReasonHTTPError
}

var awsCodeRE = regexp.MustCompile(`An error occurred \(([A-Za-z0-9._-]+)\)`)

func classifyAWS(o *Outcome, a *v1alpha1.AWSAPITarget, l wire.Line, timeout time.Duration) {
	call := fmt.Sprintf("aws %s %s", a.Service, KebabCase(a.Action))
	detail := strings.TrimSpace(l.Detail)
	o.Result = v1alpha1.ResultUnknown
	switch {
	case l.Status == wire.StatusOK:
		o.Result, o.Reason = v1alpha1.ResultAllowed, v1alpha1.ReasonAPICallAllowed
		o.Message = call + " was allowed"
	case l.Status == wire.StatusTimeout:
		o.Reason = v1alpha1.ReasonAPICallTimedOut
		o.Message = fmt.Sprintf("%s timed out after %s", call, timeout)
	case strings.HasPrefix(detail, "ecscheck: refused"):
		o.Reason = v1alpha1.ReasonInvalidConfiguration
		o.Message = fmt.Sprintf("%s was not run: %s", call, strings.TrimPrefix(detail, "ecscheck: "))
	default:
		if d, ok := awstext.ParseAccessDenied(detail); ok {
			o.Result, o.Reason, o.Denial, o.Message = v1alpha1.ResultDenied, d.Reason, d, detail
			if s3ObjectRead(a) && d.Action == "" {
				// S3 answers 403 for a key that does not exist when the
				// caller may not s3:ListBucket ("If you don't have the
				// s3:ListBucket permission, Amazon S3 returns an HTTP status
				// code 403 Access Denied error", S3 API reference, GetObject
				// and HeadObject): a bare 403 does not tell the two apart.
				o.Message = detail + " (S3 gives this 403 also when the object does not exist and the role may not s3:ListBucket on the bucket)"
			}
			return
		}
		o.Reason, o.Message = v1alpha1.ReasonAPICallFailed, fmt.Sprintf("%s failed: %s", call, orUnknown(detail))
		code := ""
		if m := awsCodeRE.FindStringSubmatch(detail); m != nil {
			code = m[1]
		}
		switch {
		case strings.Contains(detail, "Connect timeout on endpoint URL"), strings.Contains(detail, "Read timeout on endpoint URL"):
			o.Reason = v1alpha1.ReasonAPICallTimedOut
		case strings.Contains(detail, "Unable to locate credentials"):
			o.Message = call + " found no credentials: the probe task has no task role credentials"
		case s3BucketMissing(a, code):
			// S3 says a bucket does not exist before it checks who asks
			// (the same 404 for any caller), so nothing about the role's
			// permissions follows from it.
			o.Message = fmt.Sprintf("%s failed: the bucket does not exist (%s); S3 says so before it checks permissions, so the call's permission was not tested", call, code)
		case notFoundCode(code):
			// AWS authorizes a call before it looks the resource up, so a
			// missing resource means the call itself was allowed.
			o.Result, o.Reason = v1alpha1.ResultAllowed, v1alpha1.ReasonAPICallAllowed
			o.Message = fmt.Sprintf("%s was allowed; AWS answered %s", call, code)
		}
	}
}

// s3ObjectRead: an S3 call that reads one object (s3:GetObject).
func s3ObjectRead(a *v1alpha1.AWSAPITarget) bool {
	return (a.Service == "s3api" || a.Service == "s3") && (a.Action == "GetObject" || a.Action == "HeadObject" || a.Action == "GetObjectAttributes")
}

// s3BucketMissing: S3 answered that the bucket does not exist: NoSuchBucket,
// or a bare 404 on HeadBucket (a HEAD error has no body to name it).
func s3BucketMissing(a *v1alpha1.AWSAPITarget, code string) bool {
	if a.Service != "s3api" && a.Service != "s3" {
		return false
	}
	return code == "NoSuchBucket" || code == "404" && a.Action == "HeadBucket"
}

func notFoundCode(code string) bool {
	switch code {
	case "", "ValidationError", "ValidationException":
		return false
	case "NoSuchBucket", "NoSuchKey", "NoSuchEntity", "404", "NotFound":
		return true
	}
	return strings.HasSuffix(code, "NotFound") || strings.HasSuffix(code, "NotFoundException") ||
		strings.HasPrefix(code, "NoSuch") || strings.HasSuffix(code, "DoesNotExist") ||
		strings.HasSuffix(code, "DoesNotExistException")
}

// allInside reports whether every address lies in one of the prefixes.
func allInside(addrs []string, vpc []netip.Prefix) bool {
	if len(addrs) == 0 || len(vpc) == 0 {
		return false
	}
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil || !slices.ContainsFunc(vpc, func(p netip.Prefix) bool { return p.Contains(ip.Unmap()) }) {
			return false
		}
	}
	return true
}

// allPrivate: inside the VPC when its CIDRs are known, else RFC 1918/4193.
func allPrivate(addrs []string, vpc []netip.Prefix) bool {
	if len(vpc) > 0 {
		return allInside(addrs, vpc)
	}
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil || !ip.Unmap().IsPrivate() {
			return false
		}
	}
	return len(addrs) > 0
}

func first(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

// hostPort renders host:port, bracketing IPv6 addresses.
func hostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return fmt.Sprintf("[%s]:%d", host, port)
	}
	return fmt.Sprintf("%s:%d", host, port)
}
