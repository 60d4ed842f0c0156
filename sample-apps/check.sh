#!/usr/bin/env bash
# check.sh <express|flask|spring>
#
# Starts one sample app on a free port with START_DELAY_MS=500, checks every route of
# CONTRACT.md with curl (python3 for JSON, gzip and timing), checks keep-alive, then sends
# SIGTERM and checks the log line and exit status 0. A second short run checks SIGTERM
# during the start delay. Declared differences (CONTRACT.md) are expected per app.
#
# Exits 0 only when every check passed; the last line is "N passed, N failed".
# Needs: bash, curl, python3 (and ss, optional, for the bind-address check).
# Install the apps first: scripts/setup-sample-apps.sh <app>.
set -uo pipefail

usage() {
  echo "usage: $0 <express|flask|spring>" >&2
  exit 2
}
[[ $# -eq 1 ]] || usage
APP=$1
HERE=$(cd "$(dirname "$0")" && pwd)
case "$APP" in
  express)
    DIR="$HERE/express"
    CMD=(./run.sh)
    [[ -f /usr/share/nodejs/express/package.json ]] || { echo "check.sh: Debian's node-express is missing; run scripts/setup-sample-apps.sh express" >&2; exit 2; }
    ;;
  flask)
    DIR="$HERE/flask"
    CMD=(./run.sh)
    [[ -x "$DIR/.venv/bin/gunicorn" ]] || { echo "check.sh: $DIR/.venv missing; run scripts/setup-sample-apps.sh flask" >&2; exit 2; }
    ;;
  spring)
    DIR="$HERE/spring"
    CMD=(./run.sh)
    [[ -f "$DIR/build/classes/.built" ]] || { echo "check.sh: $DIR/build missing; run scripts/setup-sample-apps.sh spring" >&2; exit 2; }
    ;;
  *) usage ;;
esac
command -v curl >/dev/null || { echo "check.sh: curl is required" >&2; exit 2; }
command -v python3 >/dev/null || { echo "check.sh: python3 is required" >&2; exit 2; }

WORK=$(mktemp -d)
APP_PID=""
cleanup() {
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill -KILL "$APP_PID" 2>/dev/null
    wait "$APP_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PASSED=0
FAILED=0
ok() {
  PASSED=$((PASSED + 1))
  echo "ok   $1"
}
bad() {
  FAILED=$((FAILED + 1))
  echo "FAIL $1"
  if [[ -n "${2:-}" ]]; then
    printf '%s\n' "$2" | sed 's/^/       /'
  fi
}
# check NAME GOT WANT
check() {
  if [[ "$2" == "$3" ]]; then ok "$1"; else bad "$1" "want: $(printf %q "$3")"$'\n'"got:  $(printf %q "$2")"; fi
}
now_ms() { date +%s%3N; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_app PORT DELAY_MS: starts the app in the background (APP_PID is the server itself:
# every start command execs), stdout and stderr to $WORK/app.out and $WORK/app.err.
# KEEP_ALIVE_S=2 so that the idle keep-alive timeout can be checked quickly.
start_app() {
  : >"$WORK/app.out"
  : >"$WORK/app.err"
  (cd "$DIR" && PORT="$1" START_DELAY_MS="$2" KEEP_ALIVE_S=2 exec "${CMD[@]}") >"$WORK/app.out" 2>"$WORK/app.err" &
  APP_PID=$!
}

# stop_app: SIGTERM, wait; sets STOP_RC and STOP_MS.
stop_app() {
  local t0
  t0=$(now_ms)
  kill -TERM "$APP_PID"
  local waited=0
  while kill -0 "$APP_PID" 2>/dev/null && [[ $waited -lt 100 ]]; do
    sleep 0.05
    waited=$((waited + 1))
  done
  if kill -0 "$APP_PID" 2>/dev/null; then
    kill -KILL "$APP_PID" 2>/dev/null
  fi
  wait "$APP_PID"
  STOP_RC=$?
  STOP_MS=$(($(now_ms) - t0))
  APP_PID=""
}

listening() { curl -s -o /dev/null --connect-timeout 1 "http://127.0.0.1:$PORT/" 2>/dev/null; }

# ---- request helpers --------------------------------------------------------------------
# req [curl args...] PATH: one request; STATUS, $WORK/body, $WORK/head (last response only),
# $WORK/sent (request head as curl sent it).
req() {
  local path=${!#}
  local args=("${@:1:$#-1}")
  STATUS=$(curl -sS -v --path-as-is -g --max-time 30 -o "$WORK/body" -D "$WORK/allhead" -w '%{http_code}' \
    "${args[@]}" "http://127.0.0.1:$PORT$path" 2>"$WORK/trace")
  # keep only the final response block (a 100 Continue may precede it)
  tr -d '\r' <"$WORK/allhead" | awk '/^HTTP\//{n++; out=""} {blk[n]=blk[n] $0 "\n"} END{printf "%s", blk[n]}' >"$WORK/head"
  tr -d '\r' <"$WORK/trace" | sed -n 's/^> //p' >"$WORK/sent"
}
# hdr NAME: values of a response header, one per line, in order
hdr() { awk -v n="$(echo "$1" | tr '[:upper:]' '[:lower:]')" 'NR>1 && index($0, ":") { k=tolower(substr($0, 1, index($0, ":")-1)); v=substr($0, index($0, ":")+1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); if (k==n) print v }' "$WORK/head"; }
hdr_names() { awk 'NR>1 && index($0, ":") { print tolower(substr($0, 1, index($0, ":")-1)) }' "$WORK/head" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
body() { cat "$WORK/body"; }
body_len() { wc -c <"$WORK/body" | tr -d ' '; }

# head_no_body PATH: sends HEAD on a raw socket; prints the number of bytes after the head
# (curl -I cannot tell: it never reads a body)
head_no_body() {
  python3 - "$PORT" "$1" <<'PY'
import socket, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
data = b""
while b"\r\n\r\n" not in data:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
s.settimeout(0.3)
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
print(len(data.split(b"\r\n\r\n", 1)[1]) if b"\r\n\r\n" in data else "no-head")
PY
}

# expect_text NAME STATUS BODY [CONTENT-TYPE]: status, exact body, content-type
expect_text() {
  check "$1: status" "$STATUS" "$2"
  check "$1: body" "$(body)" "$3"
  check "$1: content-type" "$(hdr content-type)" "${4-text/plain}"
}

# The frameworks' own response headers (date, connection, ...) per app: see CONTRACT.md.
case "$APP" in
  express) FRAMEWORK_HEADERS="connection date keep-alive" ;;
  flask) FRAMEWORK_HEADERS="connection date server" ;;
  spring) FRAMEWORK_HEADERS="date" ;;
esac
expect_header_names() {
  local want
  # shellcheck disable=SC2086 # both are space-separated lists of names
  want=$(printf '%s\n' $2 $FRAMEWORK_HEADERS | sort -u | tr '\n' ' ' | sed 's/ $//')
  check "$1: response header names" "$(hdr_names)" "$want"
}

# echo_check NAME METHOD PATH QUERY [BODYFILE]: checks the /echo document against what curl
# sent, headers transformed as the app's framework is declared to transform them.
echo_check() {
  local out
  if out=$(python3 - "$APP" "$WORK/body" "$WORK/sent" "$2" "$3" "$4" "${5:-}" <<'PY'
import base64, json, sys
app, body_file, sent_file, method, path, query, sent_body = sys.argv[1:8]
problems = []
try:
    doc = json.load(open(body_file, "rb"))
except ValueError as e:
    print(f"body is not JSON: {e}")
    sys.exit(1)
if not isinstance(doc, dict) or set(doc) != {"method", "path", "query", "headers", "body"}:
    print(f"keys: {sorted(doc) if isinstance(doc, dict) else type(doc)}")
    sys.exit(1)
lines = open(sent_file, "rb").read().decode("latin-1").split("\n")
pairs = []
for line in lines[1:]:
    if line == "":
        break
    name, _, value = line.partition(":")
    pairs.append([name.lower(), value.strip(" \t")])
if app == "spring":  # servlet API: repeated headers grouped under their first appearance
    grouped = {}
    for n, v in pairs:
        grouped.setdefault(n, []).append(v)
    pairs = [[n, v] for n, vs in grouped.items() for v in vs]
elif app == "flask":  # WSGI: repeated headers joined with ",", names with "_" dropped
    grouped = {}
    for n, v in pairs:
        if "_" not in n:
            grouped.setdefault(n, []).append(v)
    pairs = [[n, ",".join(vs)] for n, vs in grouped.items()]
want_body = base64.b64encode(open(sent_body, "rb").read() if sent_body else b"").decode()
for key, want in (("method", method), ("path", path), ("query", query), ("headers", pairs), ("body", want_body)):
    if doc[key] != want:
        got = doc[key] if len(str(doc[key])) < 400 else str(doc[key])[:400] + "..."
        problems.append(f"{key}: want {want!r}\n  got  {got!r}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
  ); then ok "$1"; else bad "$1" "$out"; fi
}

# ---- start ------------------------------------------------------------------------------
PORT=$(free_port)
echo "# $APP on 127.0.0.1:$PORT (START_DELAY_MS=500, KEEP_ALIVE_S=2)"
T0=$(now_ms)
start_app "$PORT" 500
sleep 0.25
if listening; then bad "start: not listening during START_DELAY_MS"; else ok "start: not listening during START_DELAY_MS"; fi
READY_MS=""
for _ in $(seq 1 1200); do
  if [[ -z "$READY_MS" ]] && grep -qx "ready on $PORT" "$WORK/app.out"; then READY_MS=$(($(now_ms) - T0)); fi
  if [[ -n "$READY_MS" ]] && listening; then break; fi
  if ! kill -0 "$APP_PID" 2>/dev/null; then break; fi
  sleep 0.05
done
SERVING_MS=$(($(now_ms) - T0))
if [[ -z "$READY_MS" ]] || ! listening; then
  bad "start: 'ready on $PORT' logged and port open"
  echo "--- stdout"; cat "$WORK/app.out"; echo "--- stderr"; tail -40 "$WORK/app.err"
  echo "$PASSED passed, $FAILED failed"
  exit 1
fi
ok "start: 'ready on $PORT' logged after ${READY_MS} ms, serving after ${SERVING_MS} ms"
check "start: first stdout line" "$(head -n 1 "$WORK/app.out")" "ready on $PORT"
if [[ $READY_MS -ge 500 ]]; then ok "start: honoured START_DELAY_MS (ready after ${READY_MS} ms)"; else bad "start: ready before START_DELAY_MS elapsed (${READY_MS} ms)"; fi
if command -v ss >/dev/null; then
  check "start: binds 127.0.0.1 by default" "$(ss -Htln "sport = :$PORT" | awk '{print $4}' | sort -u | tr '\n' ' ' | sed 's/ $//')" "127.0.0.1:$PORT"
fi

# ---- GET / --------------------------------------------------------------------------------
req /
expect_text "GET /" 200 ok
check "GET /: content-length" "$(hdr content-length)" 2
expect_header_names "GET /" "content-type content-length"
check "GET /: no x-powered-by or etag" "$(hdr x-powered-by)$(hdr etag)" ""
req -I /
check "HEAD /: status" "$STATUS" 200
check "HEAD /: no body" "$(head_no_body /)" 0
check "HEAD /: content-length of the GET" "$(hdr content-length)" 2

# ---- /echo --------------------------------------------------------------------------------
req /echo
check "echo GET /echo: status" "$STATUS" 200
check "echo GET /echo: content-type" "$(hdr content-type)" application/json
echo_check "echo GET /echo: document" GET /echo ""

python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4)' >"$WORK/bin.dat"
req -X POST -H 'User-Agent: check' -H 'X-Rep: 1' -H 'X-Other: o' -H 'X-Rep: 2' -H $'X-Latin: caf\xc3\xa9' \
  -H 'x_under: dropped-by-gunicorn' -H 'Content-Type: application/octet-stream' \
  --data-binary @"$WORK/bin.dat" '/echo/a%2Fb/c%20d//e/?x=1&y=%2F&z&x=2'
check "echo POST binary body, encoded path, repeated headers: status" "$STATUS" 200
echo_check "echo POST binary body, encoded path, repeated headers: document" POST '/echo/a%2Fb/c%20d//e/' 'x=1&y=%2F&z&x=2' "$WORK/bin.dat"

for m in PUT PATCH DELETE OPTIONS TRACE PROPFIND; do
  req -X "$m" '/echo/m?k=v'
  check "echo $m: status" "$STATUS" 200
  echo_check "echo $m: document" "$m" /echo/m k=v
done
req -I /echo/head
check "echo HEAD: status" "$STATUS" 200
check "echo HEAD: content-type" "$(hdr content-type)" application/json
check "echo HEAD: no body" "$(head_no_body /echo/head)" 0

req -X OPTIONS -H 'Origin: https://example.com' -H 'Access-Control-Request-Method: POST' /echo/preflight
check "echo CORS preflight reaches the app: status" "$STATUS" 200
echo_check "echo CORS preflight reaches the app: document" OPTIONS /echo/preflight ""

head -c 100000 /dev/urandom >"$WORK/rand.dat"
req -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/rand.dat" /echo/chunked
check "echo chunked request body: status" "$STATUS" 200
echo_check "echo chunked request body: document" POST /echo/chunked "" "$WORK/rand.dat"

for target in '/echo/' '/echo//x/' '/echo/a%5Cb' '/echo/%E2%82%AC%20%2B' '/echo/a;b=c' '/echo/a|b{c}' \
  '/echo/..%2F..' '/echo/a/../b' '/echo?' '/echo?a' '/echo?a=%20&b=+&c=%26' '/echo?q=a|b"{}' '/echo?&&'; do
  want_path=${target%%\?*}
  want_query=""
  [[ "$target" == *\?* ]] && want_query=${target#*\?}
  req "$target"
  check "echo raw target $target: status" "$STATUS" 200
  echo_check "echo raw target $target: document" GET "$want_path" "$want_query"
done

# a 60 KiB request head and 2,500 header fields are accepted
req -H "X-Long: $(head -c 61000 /dev/zero | tr '\0' v)" '/echo/long-head'
check "echo 60 KiB request head: status" "$STATUS" 200
many_headers=()
for i in $(seq 1 2500); do many_headers+=(-H "X-Field-$i: $i"); done
req "${many_headers[@]}" /echo/many-headers
check "echo 2,500 header fields: status" "$STATUS" 200
echo_check "echo 2,500 header fields: document" GET /echo/many-headers ""

# absolute-form target (a proxy's form): the path and query of it
req -H 'Host: example.com' --request-target 'http://example.com/echo/abs?q=1' /
check "echo absolute-form target: status" "$STATUS" 200
echo_check "echo absolute-form target: document" GET /echo/abs q=1

# ---- /status/{code} -----------------------------------------------------------------------
for code in 200 201 202 203 206 301 302 303 307 308 400 401 403 404 405 409 410 418 422 429 500 501 502 503 504 599; do
  req "/status/$code"
  expect_text "status $code" "$code" "status $code"
done
for code in 204 304; do
  req "/status/$code"
  check "status $code: status" "$STATUS" "$code"
  check "status $code: no body" "$(body_len)" 0
  check "status $code: no content-type" "$(hdr content-type)" ""
done
for bad_code in abc 99 199 600 2000 '%32%30%30' '2%30'; do
  req "/status/$bad_code"
  expect_text "status $bad_code (invalid)" 400 "bad request"
done

# ---- /binary, /cookies, /headers/multi -----------------------------------------------------
req /binary
check "binary: status" "$STATUS" 200
check "binary: content-type" "$(hdr content-type)" image/png
check "binary: exact bytes" "$(base64 -w0 "$WORK/body")" "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
check "binary: content-length" "$(hdr content-length)" "$(body_len)"

req /cookies
expect_text "cookies" 200 '{"cookies":3}' application/json
check "cookies: three set-cookie lines in order" "$(hdr set-cookie)" $'a=1; Path=/\nb=2; Path=/; HttpOnly\nc=3; Path=/; Secure; SameSite=Strict'

req /headers/multi
expect_text "headers/multi" 200 multi
check "headers/multi: x-multi twice, in order" "$(hdr x-multi)" $'one\ntwo'
check "headers/multi: two header lines" "$(grep -ci '^x-multi:' "$WORK/head")" 2

# ---- /big ---------------------------------------------------------------------------------
for kb in 0 1 1024 7168; do
  req "/big?kb=$kb"
  check "big kb=$kb: status" "$STATUS" 200
  check "big kb=$kb: content-type" "$(hdr content-type)" text/plain
  check "big kb=$kb: length" "$(body_len)" $((kb * 1024))
  check "big kb=$kb: content-length" "$(hdr content-length)" $((kb * 1024))
  check "big kb=$kb: only 'a'" "$(tr -d a <"$WORK/body" | wc -c | tr -d ' ')" 0
done
for q in '' '?kb=' '?kb=x' '?kb=-1' '?kb=999999999'; do
  req "/big$q"
  expect_text "big$q (invalid)" 400 "bad request"
done

# ---- /stream ------------------------------------------------------------------------------
req /stream
check "stream defaults: status" "$STATUS" 200
check "stream defaults: content-type" "$(hdr content-type)" text/event-stream
check "stream defaults: transfer-encoding" "$(hdr transfer-encoding)" chunked
check "stream defaults: no content-length" "$(hdr content-length)" ""
check "stream defaults: body" "$(body)" "$(printf 'data: %s\n\n' 0 1 2 3 4)"
req '/stream?chunks=x'
expect_text "stream chunks=x (invalid)" 400 "bad request"

# Timing: each chunk must reach the client on its own, delay_ms apart.
if timing=$(python3 - "http://127.0.0.1:$PORT/stream?chunks=4&delay_ms=400" <<'PY'
import os, subprocess, sys, time
curl = subprocess.Popen(["curl", "-sN", "--max-time", "30", sys.argv[1]], stdout=subprocess.PIPE)
events, buf = [], b""
while True:
    data = os.read(curl.stdout.fileno(), 65536)
    if not data:
        break
    now = time.monotonic()
    buf += data
    while b"\n\n" in buf:
        event, buf = buf.split(b"\n\n", 1)
        events.append((now, event.decode()))
curl.wait()
names = [e for _, e in events]
gaps = [round((b[0] - a[0]) * 1000) for a, b in zip(events, events[1:])]
problems = []
if names != ["data: %d" % i for i in range(4)] or buf:
    problems.append("events %r, rest %r" % (names, buf))
if any(not 250 <= g <= 900 for g in gaps):
    problems.append("gaps between chunks (ms) %r, want each about 400" % gaps)
print("gaps_ms=%r" % gaps)
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
); then ok "stream chunks=4 delay_ms=400: each chunk flushed on time ($(echo "$timing" | head -1))"; else bad "stream chunks=4 delay_ms=400: each chunk flushed on time" "$timing"; fi

# ---- /redirect, /empty, /gzip ------------------------------------------------------------
req /redirect
check "redirect: status" "$STATUS" 302
check "redirect: location" "$(hdr location)" /echo/redirected
check "redirect: empty body" "$(body_len)" 0
check "redirect: no content-type" "$(hdr content-type)" ""
check "redirect: content-length 0" "$(hdr content-length)" 0

req /empty
check "empty: status" "$STATUS" 204
check "empty: no body" "$(body_len)" 0
check "empty: no content-type" "$(hdr content-type)" ""
check "empty: no content-length" "$(hdr content-length)" ""
expect_header_names "empty" ""

req /gzip
check "gzip: status" "$STATUS" 200
check "gzip: content-type" "$(hdr content-type)" text/plain
check "gzip: content-encoding" "$(hdr content-encoding)" gzip
check "gzip: content-length" "$(hdr content-length)" "$(body_len)"
check "gzip: decompresses to the text" \
  "$(python3 -c 'import gzip, sys; sys.stdout.write(repr(gzip.decompress(open(sys.argv[1], "rb").read()) == b"hello gzip\n" * 20))' "$WORK/body" 2>&1)" True

# ---- /events ------------------------------------------------------------------------------
printf '{"Records":[{"eventSource":"aws:sqs","body":"h\\u00e9llo"}]}' >"$WORK/event.json"
req -H 'Content-Type: application/json' --data-binary @"$WORK/event.json" /events
check "events: status" "$STATUS" 200
check "events: content-type" "$(hdr content-type)" application/json
check "events: body is the request body" "$(cmp -s "$WORK/body" "$WORK/event.json" && echo same)" same
head -c 2000000 /dev/urandom >"$WORK/big.dat"
req --data-binary @"$WORK/big.dat" /events # > 1 MB: curl sends Expect: 100-continue
check "events 2 MB with Expect: 100-continue: status" "$STATUS" 200
check "events 2 MB with Expect: 100-continue: body" "$(cmp -s "$WORK/body" "$WORK/big.dat" && echo same)" same
req -X POST /events
check "events empty body: status" "$STATUS" 200
check "events empty body: body" "$(body_len)" 0
req /events
expect_text "GET /events" 404 "not found"

# ---- /slow --------------------------------------------------------------------------------
t0=$(now_ms)
req '/slow?ms=400'
elapsed=$(($(now_ms) - t0))
expect_text "slow ms=400" 200 "slept 400"
if [[ $elapsed -ge 400 && $elapsed -lt 3000 ]]; then ok "slow ms=400: took ${elapsed} ms"; else bad "slow ms=400: took ${elapsed} ms"; fi
req /slow
expect_text "slow without ms" 400 "bad request"
# a slow request does not hold up another one
curl -s -o /dev/null "http://127.0.0.1:$PORT/slow?ms=1500" &
slow_pid=$!
sleep 0.2
t0=$(now_ms)
req /
elapsed=$(($(now_ms) - t0))
wait "$slow_pid"
if [[ "$STATUS" == 200 && $elapsed -lt 1000 ]]; then ok "concurrency: GET / answered in ${elapsed} ms during /slow?ms=1500"; else bad "concurrency: GET / during /slow" "status $STATUS after ${elapsed} ms"; fi

# ---- /context -----------------------------------------------------------------------------
ctx_check() {
  local out
  if out=$(python3 -c '
import json, sys
got = json.load(open(sys.argv[1], "rb"))
want = json.loads(sys.argv[2])
if got != want or list(got) != ["request_context", "lambda_context"]:
    print("want %r\ngot  %r" % (want, got)); sys.exit(1)
' "$WORK/body" "$2"); then ok "$1"; else bad "$1" "$out"; fi
}
# shellcheck disable=SC2016 # "$default" is a literal API Gateway stage name
req -H 'x-amzn-request-context: {"requestId":"r-1","stage":"$default","http":{"method":"GET","path":"/context"},"n":3,"ok":true}' \
  -H 'x-amzn-lambda-context: {"request_id":"l-1","deadline":1700000000000,"invoked_function_arn":"arn:aws:lambda:us-east-1:123456789012:function:f","env_config":{"function_name":"f","memory":128}}' /context
check "context: status" "$STATUS" 200
check "context: content-type" "$(hdr content-type)" application/json
# shellcheck disable=SC2016
ctx_check "context: both headers parsed" '{"request_context":{"requestId":"r-1","stage":"$default","http":{"method":"GET","path":"/context"},"n":3,"ok":true},"lambda_context":{"request_id":"l-1","deadline":1700000000000,"invoked_function_arn":"arn:aws:lambda:us-east-1:123456789012:function:f","env_config":{"function_name":"f","memory":128}}}'
req /context
ctx_check "context: absent headers are null" '{"request_context":null,"lambda_context":null}'
# shellcheck disable=SC2016 # "$default" is a literal API Gateway stage name
req -H 'x-amzn-request-context: not json' /context
ctx_check "context: invalid JSON comes back as a string" '{"request_context":"not json","lambda_context":null}'

# ---- anything else is 404 -----------------------------------------------------------------
for target in /nope /binary/ /BINARY /binary.png //binary /bin%61ry /echox /echo%2Fx //echo /echo%3Bx /status /status/ /status/200/x /events/x; do
  req "$target"
  expect_text "404 for GET $target" 404 "not found"
done
for m in POST PUT DELETE OPTIONS; do
  req -X "$m" /binary
  expect_text "404 for $m /binary" 404 "not found"
done
req -X OPTIONS /
expect_text "404 for OPTIONS /" 404 "not found"

# ---- keep-alive ---------------------------------------------------------------------------
# keepalive NAME CURL-ARGS-FOR-FIRST PATH1: first request, then GET / on the same connection
keepalive() {
  local name=$1 path=$2 want=$3
  shift 3
  local trace
  trace=$(curl -sv --path-as-is -o /dev/null -o /dev/null "$@" "http://127.0.0.1:$PORT$path" "http://127.0.0.1:$PORT/" 2>&1)
  local got=closed
  grep -q 'Re-using existing connection' <<<"$trace" && got=reused
  check "keep-alive after $name" "$got" "$want"
}
keepalive "GET /" / reused
keepalive "POST /echo" /echo reused -d x
keepalive "/stream (chunked)" '/stream?chunks=2&delay_ms=10' reused
keepalive "204" /empty reused
keepalive "302" /redirect reused
keepalive "404" /nope reused
keepalive "/big?kb=64" '/big?kb=64' reused
keepalive "HEAD /" / reused -I
# Tomcat closes the connection after these statuses (CONTRACT.md, declared differences)
for code in 400 500 503; do
  if [[ "$APP" == spring ]]; then keepalive "status $code" "/status/$code" closed; else keepalive "status $code" "/status/$code" reused; fi
done
keepalive "status 502" /status/502 reused
trace=$(curl -sv -o /dev/null -o /dev/null -o /dev/null "http://127.0.0.1:$PORT/" "http://127.0.0.1:$PORT/echo" "http://127.0.0.1:$PORT/binary" 2>&1)
check "keep-alive: three requests, one connection" "$(grep -c 'Re-using existing connection' <<<"$trace")" 2

# The app closes an idle kept-alive connection after KEEP_ALIVE_S (2 here; Node adds up to 1 s).
idle=$(python3 - "$PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
data = b""
while not data.endswith(b"\r\n\r\nok"):
    chunk = s.recv(65536)
    if not chunk:
        print("closed before the response ended: %r" % data)
        sys.exit(0)
    data += chunk
t0 = time.monotonic()
try:
    rest = s.recv(65536)
    print("%.1f" % (time.monotonic() - t0) if rest == b"" else "sent %r" % rest)
except socket.timeout:
    print("still open after 10 s")
except ConnectionResetError:
    print("%.1f" % (time.monotonic() - t0))
PY
)
if [[ "$idle" =~ ^[0-9.]+$ ]] && python3 -c 'import sys; sys.exit(not 1.8 <= float(sys.argv[1]) <= 3.6)' "$idle"; then
  ok "keep-alive: idle connection closed by the app after ${idle} s (KEEP_ALIVE_S=2)"
else
  bad "keep-alive: idle connection closed after KEEP_ALIVE_S=2" "$idle"
fi

# ---- SIGTERM ------------------------------------------------------------------------------
stop_app
MAIN_STOP_MS=$STOP_MS
check "SIGTERM: exit status" "$STOP_RC" 0
if [[ $STOP_MS -lt 3000 ]]; then ok "SIGTERM: exited after ${STOP_MS} ms"; else bad "SIGTERM: exited after ${STOP_MS} ms (want < 3000)"; fi
check "SIGTERM: stdout" "$(cat "$WORK/app.out")" "ready on $PORT"$'\n'"SIGTERM received, shutting down"

# SIGTERM while still in the start delay
PORT=$(free_port)
start_app "$PORT" 5000
sleep 1.5
stop_app
check "SIGTERM during START_DELAY_MS: exit status" "$STOP_RC" 0
check "SIGTERM during START_DELAY_MS: stdout" "$(cat "$WORK/app.out")" "SIGTERM received, shutting down"

echo "# $APP: ready after ${READY_MS} ms (START_DELAY_MS=500 included), SIGTERM exit after ${MAIN_STOP_MS} ms"
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
