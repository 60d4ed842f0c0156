#!/usr/bin/env bash
# bench-containers.sh: cold start inside a container. For each sample app's Lambda
# container image (`just images`) and each adapter, the time from `docker run` to the
# first answered invocation: the container starts in Lambda's sandbox (read-only root,
# /tmp only, uid 993, 512 MB), `lwa-conformance container` (the in-container emulator)
# starts /opt/extensions/* and the image's command, and an HTTP API GET / is posted to
# its RIE-compatible endpoint until it answers 200.
#
#   scripts/bench-containers.sh                        # reference and LWA 1.0, 5 runs each
#   scripts/bench-containers.sh --runs 10 reference NAME=/path/to/lambda-adapter
#
# Adapters: `reference` is the adapter the image carries (COPY --from lwa-adapter, the
# static release build); `lwa` is awslabs' LWA 1.0 built once from crates.io (as in
# scripts/bench.sh), and NAME=PATH any binary, each mounted over
# /opt/extensions/lambda-adapter. Writes target/bench/containers.json and containers.md.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOL="target/x86_64-unknown-linux-musl/tool/lwa-conformance"
APPS=(express flask spring)
RUNS=5
candidates=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=$2; shift ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) candidates+=("$1") ;;
  esac
  shift
done
[[ ${#candidates[@]} -gt 0 ]] || candidates=(reference lwa)
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench-containers: --runs wants a positive number, got '$RUNS'" >&2; exit 2; }
[[ -x $TOOL ]] || { echo "bench-containers: $TOOL missing: run just images" >&2; exit 2; }

names=()
paths=()
for c in "${candidates[@]}"; do
  case "$c" in
    reference) names+=(reference); paths+=("") ;;
    lwa)
      names+=(lwa); paths+=("$(realpath "$(scripts/lwa-build.sh)")") ;;
    *=*)
      [[ -x ${c#*=} ]] || { echo "bench-containers: ${c#*=} is not an executable" >&2; exit 2; }
      names+=("${c%%=*}"); paths+=("$(realpath "${c#*=}")") ;;
    *) echo "bench-containers: unknown adapter '$c' (reference, lwa or NAME=PATH)" >&2; exit 2 ;;
  esac
done

# shellcheck disable=SC2016 # "$default" is API Gateway's route key, not a variable
EVENT='{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"","headers":{"host":"bench.example.com"},"requestContext":{"accountId":"123456789012","apiId":"bench","domainName":"bench.example.com","domainPrefix":"bench","http":{"method":"GET","path":"/","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"bench"},"requestId":"bench","routeKey":"$default","stage":"$default","time":"01/Dec/2026:00:00:00 +0000","timeEpoch":1796083200000},"isBase64Encoded":false}'
RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT

one_run() { # app name adapter-path -> prints milliseconds, or "fail"
  local app=$1 adapter=$2 image="lwa-$1:latest" cmd cid port status started
  mapfile -t cmd < <(docker image inspect --format '{{range .Config.Cmd}}{{println .}}{{end}}' "$image" | sed '/^$/d')
  local mounts=(-v "$(realpath "$TOOL"):/opt/lwa/lwa-conformance:ro")
  [[ -n $adapter ]] && mounts+=(-v "$adapter:/opt/extensions/lambda-adapter:ro")
  started=$(date +%s%N)
  cid=$(docker run -d --read-only --tmpfs /tmp:rw,exec,size=512m,mode=1777 --user 993:990 --memory 512m \
    -p 127.0.0.1::9000 "${mounts[@]}" -e AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512 \
    --entrypoint /opt/lwa/lwa-conformance "$image" container --quiet --timeout 10 -- "${cmd[@]}")
  port=""
  for _ in $(seq 1 2000); do
    [[ -z $port ]] && port=$(docker port "$cid" 9000/tcp 2>/dev/null | head -1 | sed 's/.*://')
    if [[ -n $port ]]; then
      status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST -d "$EVENT" \
        "http://127.0.0.1:$port/2015-03-31/functions/function/invocations" || true)
      [[ $status == 200 ]] && break
    fi
    sleep 0.005
  done
  local took=$((($(date +%s%N) - started) / 1000000))
  # The answer must be the app's 200, not an error document.
  local body
  body=$(curl -s --max-time 10 -X POST -d "$EVENT" "http://127.0.0.1:$port/2015-03-31/functions/function/invocations" || true)
  docker rm -f "$cid" >/dev/null 2>&1 || true
  if [[ $status == 200 && $body == *'"statusCode":200'* ]]; then echo "$took"; else echo fail; fi
}

for app in "${APPS[@]}"; do
  docker image inspect "lwa-$app:latest" >/dev/null 2>&1 || { echo "bench-containers: no image lwa-$app:latest: run just images" >&2; exit 2; }
  # Interleaved (run 1 of every adapter, then run 2, ...), so a change in the machine's load
  # falls on every adapter alike.
  for run in $(seq 1 "$RUNS"); do
    for i in "${!names[@]}"; do
      ms=$(one_run "$app" "${paths[$i]}")
      printf '%s\t%s\t%s\t%s\n' "$app" "${names[$i]}" "$run" "$ms" >>"$RESULTS"
      printf '[bench-containers] %-8s %-10s run %d: %s ms\n' "$app" "${names[$i]}" "$run" "$ms" >&2
    done
  done
done

mkdir -p target/bench
python3 - "$RESULTS" "${names[@]}" <<'PY'
import json, statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
names = sys.argv[2:]
apps = sorted({r[0] for r in rows}, key=["express", "flask", "spring"].index)
out, md = {}, ["# Cold start inside a container", "",
               "Image start (`docker run`, Lambda's sandbox) to the first answered invocation, in ms: median (min-max) of the runs.", "",
               "| app | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
for app in apps:
    cells = []
    for name in names:
        times = [r[3] for r in rows if r[0] == app and r[1] == name]
        ok = [int(t) for t in times if t != "fail"]
        failed = len(times) - len(ok)
        stats = {"runs": len(times), "failed": failed}
        if ok:
            stats.update(median_ms=statistics.median(ok), min_ms=min(ok), max_ms=max(ok), all_ms=ok)
            cell = f"{statistics.median(ok):.0f} ({min(ok)}-{max(ok)})"
        else:
            cell = "failed"
        if failed:
            cell += f", {failed} failed"
        out.setdefault(app, {})[name] = stats
        cells.append(cell)
    md.append(f"| {app} | " + " | ".join(cells) + " |")
json.dump(out, open("target/bench/containers.json", "w"), indent=2)
open("target/bench/containers.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
echo "reports: target/bench/containers.json, target/bench/containers.md"
