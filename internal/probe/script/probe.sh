#!/bin/sh
# ecscheck probe script (protocol ECSCHECK1, see internal/probe/wire).
#
# Usage: /bin/sh /tmp/ecscheck-probe.sh <BASE64-REQUEST>
#
# The request is data, never code: it is decoded, split on tabs and every
# field is passed to a program as one argument. Nothing here evaluates it.

# ECS Exec and the task start command call /bin/sh, which may be dash or
# busybox; the checks need bash (/dev/tcp, arrays).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

# -u: a typo is an error; -f: no field of the request is ever globbed.
set -uf
export LC_ALL=C
export AWS_PAGER=""
MAX_DETAIL=2000
MAX_AWS_ERROR=1000

fail() {
	printf 'ecscheck-probe: %s\n' "$1" >&2
	if [ -n "${NONCE:-}" ]; then
		printf 'ECSCHECK-EXIT %s %d\n' "$NONCE" 2
	fi
	exit 2
}

# now_ms sets NOW to the time in milliseconds; bash 4 (Amazon Linux 2) has
# no EPOCHREALTIME, so fall back to date.
now_ms() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		NOW=$((10#$t / 1000))
	else
		NOW=$(date +%s%3N)
	fi
}

# secs turns milliseconds into the decimal seconds timeout(1) takes.
secs() {
	printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

# split_tabs splits $1 on tabs into the array F, keeping empty fields
# (read -a would merge consecutive tabs).
split_tabs() {
	local s=$1
	F=()
	while :; do
		case $s in
		*$'\t'*)
			F+=("${s%%$'\t'*}")
			s=${s#*$'\t'}
			;;
		*)
			F+=("$s")
			return
			;;
		esac
	done
}

# remaining sets REM to the milliseconds left of this target's budget.
remaining() {
	now_ms
	REM=$((DEADLINE - NOW))
}

# resolve NAME sets ADDRS (IPv4 first, in resolver order, no duplicates) and
# returns 0, or returns 124 on timeout and another code when unresolved.
resolve() {
	local out rc line addr v4="" v6=""
	remaining
	[ "$REM" -gt 0 ] || return 124
	out=$(timeout -k 1 "$(secs "$REM")" getent ahosts -- "$1" 2>/dev/null)
	rc=$?
	[ $rc -eq 0 ] || return $rc
	while IFS= read -r line; do
		addr=${line%%[[:space:]]*}
		[ -n "$addr" ] || continue
		case " $v4 $v6 " in *" $addr "*) continue ;; esac
		case $addr in
		*:*) v6="${v6:+$v6 }$addr" ;;
		*) v4="${v4:+$v4 }$addr" ;;
		esac
	done <<<"$out"
	ADDRS="$v4${v4:+${v6:+ }}$v6"
	[ -n "$ADDRS" ] || return 2
	return 0
}

check_dns() {
	local rc
	resolve "$1"
	rc=$?
	case $rc in
	0) STATUS=OK DETAIL=$ADDRS ;;
	124 | 137) STATUS=TIMEOUT ;;
	2) STATUS=UNRESOLVED DETAIL="name not found" ;;
	*) STATUS=UNRESOLVED DETAIL="getent exit code $rc" ;;
	esac
}

# check_tcp tries the addresses in order until one connects or one times
# out; refused and unreachable addresses move on to the next.
check_tcp() {
	local host=$1 port=$2 rc out addr rest
	case $port in '' | *[!0-9]*) STATUS=ERROR DETAIL="bad port" && return ;; esac
	resolve "$host"
	rc=$?
	case $rc in
	0) ;;
	124 | 137) STATUS=TIMEOUT DETAIL="" && return ;;
	*) STATUS=UNRESOLVED DETAIL="name not found" && return ;;
	esac
	for addr in $ADDRS; do
		remaining
		if [ "$REM" -le 0 ]; then
			STATUS=TIMEOUT
			break
		fi
		# The connect runs in a child bash so that timeout(1) can bound it.
		# Its script is a constant; the address and port are arguments.
		out=$(timeout -k 1 "$(secs "$REM")" "$BASH" -c 'exec 3<>"/dev/tcp/$1/$2"' probe "$addr" "$port" 2>&1)
		rc=$?
		case $rc:$out in
		0:*) STATUS=OK ;;
		124:* | 137:*) STATUS=TIMEOUT ;;
		*[Rr]efused*) STATUS=REFUSED ;;
		*"No route"* | *[Uu]nreachable*) STATUS=NOROUTE ;;
		*)
			STATUS=ERROR
			DETAIL=${out##*: }
			return
			;;
		esac
		[ "$STATUS" = OK ] || [ "$STATUS" = TIMEOUT ] && break
	done
	# The address that decided the result comes first.
	rest=" $ADDRS "
	rest=${rest/ $addr / }
	rest=${rest# }
	rest=${rest% }
	DETAIL="$addr${rest:+ $rest}"
}

# url_host is the host of an http(s) URL (admission refused anything odd):
# no scheme, user info, port, path or IPv6 brackets.
url_host() {
	local h=${1#*://}
	h=${h%%[/?#]*}
	h=${h##*@}
	case $h in
	\[*) h=${h#\[} && h=${h%%]*} ;;
	*) h=${h%:*} ;;
	esac
	printf '%s' "$h"
}

check_http() {
	local url=$1 out rc err errf=$WORK/$IDX.err addrs=""
	# The addresses go with a timeout, as a tcp target's do, so that the
	# path to them can be diagnosed; curl names none when it times out.
	if resolve "$(url_host "$url")"; then
		addrs=$ADDRS
	fi
	remaining
	# -q ignores .curlrc; --globoff keeps [] and {} literal; --proto keeps
	# curl to http(s); no -L: a redirect is an answer.
	out=$(timeout -k 1 "$(secs $((REM + 1000)))" curl -q -sS --globoff --proto '=http,https' \
		--max-time "$(secs "$REM")" -o /dev/null -w '%{http_code} %{remote_ip}' --url "$url" 2>"$errf")
	rc=$?
	err=$(cat "$errf" 2>/dev/null)
	err=${err#curl: }
	case $err in "("*") "*) err=${err#*) } ;; esac
	case $rc in
	0) STATUS=OK DETAIL=$out ;;
	28 | 124 | 137) STATUS=TIMEOUT DETAIL=$addrs ;;
	127) STATUS=CURL DETAIL="127 curl is not installed in the probe image" ;;
	*) STATUS=CURL DETAIL="$rc ${err:-curl failed}" ;;
	esac
}

# aws_error keeps what the CLI says about the failed call: the last
# paragraph of its stderr (the error; not the usage text argparse prints
# before its own error), without lines in the format of a debug log
# (2026-11-22 03:00:00,123 - MainThread - botocore...), bounded.
aws_error() {
	local line out="" blank=""
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\ [0-9][0-9]:*) continue ;;
		'' | *[!$' \t\r']*) ;;
		*) line="" ;;
		esac
		if [ -z "$line" ]; then
			blank=1
			continue
		fi
		if [ -n "$blank" ]; then
			out="" blank=""
		fi
		out="${out:+$out$'\n'}$line"
	done <"$1"
	[ "${#out}" -le "$MAX_AWS_ERROR" ] || out=${out:${#out}-MAX_AWS_ERROR}
	printf '%s' "$out"
}

# check_aws calls one read-only action. Every option on the aws command line
# is written here; the request supplies only the service and command names,
# checked below, and the request parameters as one JSON document, which the
# CLI reads as data: a value such as --endpoint-url or file:///etc/passwd is
# sent to the API as the parameter's value.
check_aws() {
	local svc=$1 cmd=$2 input errf=$WORK/$IDX.err rc t
	if ! [[ $svc =~ ^[a-z0-9][a-z0-9-]*$ ]]; then
		STATUS=ERROR DETAIL="ecscheck: refused service name"
		return
	fi
	if ! [[ $cmd =~ ^(list|describe|get|head)(-[a-z0-9]+)+$ ]]; then
		STATUS=ERROR DETAIL="ecscheck: refused command name (read-only actions only)"
		return
	fi
	input=$(printf '%s' "$3" | base64 -d 2>/dev/null)
	# A value starting with file:// or fileb:// would be read from disk; a
	# JSON object starts with {.
	case $input in
	"{"*"}") ;;
	*)
		STATUS=ERROR DETAIL="ecscheck: refused input (not a JSON object)"
		return
		;;
	esac
	local -a region=()
	[ -n "$REGION" ] && region=(--region="$REGION")
	remaining
	t=$(((REM + 999) / 1000))
	# stdout is discarded so that no data the call returns leaves the task.
	# --cli-input-json and its value are two words: the CLI lifts the
	# required-option check only when it sees the option spelled out, and
	# the value cannot pass for an option since it starts with {.
	# ${a[@]+"${a[@]}"}: bash 4.2 (Amazon Linux 2) calls an empty array unbound.
	timeout -k 1 "$(secs "$REM")" aws ${region[@]+"${region[@]}"} --output=json \
		--cli-connect-timeout="$t" --cli-read-timeout="$t" \
		"$svc" "$cmd" --cli-input-json "$input" >/dev/null 2>"$errf" </dev/null
	rc=$?
	case $rc in
	0) STATUS=OK DETAIL="" ;;
	124 | 137) STATUS=TIMEOUT DETAIL="" ;;
	*)
		STATUS=ERROR
		DETAIL=$(aws_error "$errf")
		DETAIL=${DETAIL:-aws exited with code $rc}
		;;
	esac
}

# run_target prints one result line. It runs in the background, one per
# target, so a run takes about one timeout however many targets there are.
run_target() {
	local id=$1 kind=$2 start b64
	shift 2
	STATUS=ERROR DETAIL="" ADDRS=""
	now_ms
	start=$NOW
	DEADLINE=$((start + TIMEOUT_MS))
	case $kind:$# in
	dns:1) check_dns "$1" ;;
	tcp:2) check_tcp "$1" "$2" ;;
	http:1) check_http "$1" ;;
	aws:3) check_aws "$1" "$2" "$3" ;;
	*) DETAIL="ecscheck: refused target: kind $kind with $# fields" ;;
	esac
	now_ms
	DETAIL=${DETAIL:0:$MAX_DETAIL}
	b64=-
	[ -n "$DETAIL" ] && b64=$(printf '%s' "$DETAIL" | base64 | tr -d '\r\n')
	printf 'ECSCHECK1 %s %s %s %d %s\n' "$NONCE" "$id" "$STATUS" $((NOW - start)) "$b64"
}

REQUEST=$(printf '%s' "${1:-}" | base64 -d 2>/dev/null) || fail "the request is not base64"
mapfile -t LINES <<<"$REQUEST"
split_tabs "${LINES[0]:-}"
[ "${#F[@]}" -eq 4 ] && [ "${F[0]}" = ECSCHECK1 ] || fail "not an ECSCHECK1 request"
case ${F[1]} in '' | *[!A-Za-z0-9._-]*) fail "bad nonce" ;; esac
NONCE=${F[1]}
case ${F[2]} in '' | *[!0-9]*) fail "bad timeout" ;; esac
TIMEOUT_MS=$((10#${F[2]} * 1000))
REGION=${F[3]}
case $REGION in -* | *[!a-z0-9-]*) fail "bad region" ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecscheck.XXXXXX") || fail "cannot create a temporary directory"
trap 'rm -rf "$WORK"' EXIT

N=0
for ((i = 1; i < ${#LINES[@]}; i++)); do
	[ -n "${LINES[i]}" ] || continue
	split_tabs "${LINES[i]}"
	IDX=$N
	run_target "${F[@]}" >"$WORK/$N.out" 2>/dev/null </dev/null &
	N=$((N + 1))
done
wait

# Results are printed by this one process after every target finished, so
# lines never interleave.
for ((i = 0; i < N; i++)); do
	cat "$WORK/$i.out" 2>/dev/null
done
printf 'ECSCHECK-EXIT %s %d\n' "$NONCE" 0
