#!/usr/bin/env bash
# compose-check.sh: docker-compose.yml run for real. Brings the stack up with the locally
# built images (`just images`), sends a request through the HTTP API front door, checks
# the answer (status, the echo document of what the app received, the adapter's context
# header, the user), stops it (the app must see SIGTERM), and takes the stack down,
# whatever happened. Exits 0 only when every check
# passed; the last line is "N passed, N failed".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { printf '[compose-check] %s\n' "$*"; }

if ! command -v docker-compose >/dev/null; then
  say "apt-get install docker-compose (Debian's Compose tool)"
  if ! { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-compose >/dev/null; }; then
    say "docker-compose is missing and could not be installed (Debian's docker-compose package)"
    exit 2
  fi
fi
[[ -x target/x86_64-unknown-linux-musl/tool/lwa-conformance ]] ||
  { say "target/x86_64-unknown-linux-musl/tool/lwa-conformance missing: run just images"; exit 2; }
docker image inspect lwa-express:latest >/dev/null 2>&1 || { say "no image lwa-express:latest: run just images"; exit 2; }

# A free loopback port, so a busy 3000 does not fail the check.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LWA_COMPOSE_PORT=$PORT
PROJECT="lwa-compose-check-$$"
compose() { docker-compose --project-name "$PROJECT" --file "$ROOT/docker-compose.yml" "$@"; }
WORK=$(mktemp -d)
cleanup() {
  compose logs --no-color >"$WORK/logs.txt" 2>&1 || true
  compose down --timeout 10 >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }

started=$(date +%s%N)
compose up -d >/dev/null 2>&1 || { compose up -d; exit 1; }
status=""
for _ in $(seq 1 300); do
  status=$(curl -s -o "$WORK/body" -w '%{http_code}' "http://127.0.0.1:$PORT/echo/a%20b?x=1&x=2" -H 'x-check: compose' || true)
  [[ $status == 200 ]] && break
  sleep 0.1
done
took=$((($(date +%s%N) - started) / 1000000))
if [[ $status == 200 ]]; then ok "GET /echo/a%20b?x=1&x=2 through the HTTP API front door: 200 (${took} ms after up)"; else
  bad "GET /echo/a%20b?x=1&x=2: status ${status:-none} after ${took} ms"
  compose logs --no-color | tail -30
fi
if [[ $status == 200 ]]; then
  if python3 - "$WORK/body" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
headers = dict(doc["headers"])
problems = []
if doc["path"] != "/echo/a%20b": problems.append(f"path {doc['path']!r}")
if doc["query"] != "x=1&x=2": problems.append(f"query {doc['query']!r}")
if headers.get("x-check") != "compose": problems.append(f"x-check {headers.get('x-check')!r}")
context = json.loads(headers.get("x-amzn-request-context", "null") or "null")
if not context or context.get("http", {}).get("method") != "GET": problems.append(f"x-amzn-request-context {context!r}")
for p in problems: print("    -", p)
sys.exit(1 if problems else 0)
PY
    ok "the app received the raw path, the raw query, the client's header and the adapter's context"
  else
    bad "echo document (above)"
  fi
fi
user=$(docker exec "${PROJECT}_express_1" id -u 2>/dev/null || docker exec "${PROJECT}-express-1" id -u 2>/dev/null || echo "?")
if [[ $user == 993 ]]; then ok "the function runs as uid 993, not root"; else bad "the function runs as uid $user"; fi
# docker-compose stop: SIGTERM to the emulator (docker-init forwards it), which shuts the
# function down as Lambda does: the app gets its SIGTERM and logs it.
compose stop --timeout 10 >/dev/null 2>&1
if compose logs --no-color 2>/dev/null | grep -q "SIGTERM received, shutting down"; then
  ok "docker-compose stop reaches the app as SIGTERM through the emulator"
else
  bad "the app never logged its SIGTERM line"
  compose logs --no-color | tail -15
fi
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
