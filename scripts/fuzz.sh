#!/usr/bin/env bash
# Fuzzes the adapter's pure translation with cargo fuzz (libFuzzer): each target for
# SECONDS_PER_TARGET seconds (default 60), then a line per target with its executions,
# their rate and the result. Exits non-zero if any target crashed, panicked, timed out
# (over 1 s, libFuzzer's smallest -timeout) or spent over LWA_FUZZ_SLOW_MS (default 100)
# of CPU on one input.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Targets (adapter/fuzz/fuzz_targets/): event_bytes event_json response_encode
# invocation_headers stream_prelude. cargo-fuzz is installed from crates.io when missing;
# it passes nightly-only flags, which RUSTC_BOOTSTRAP=1 lets the stable toolchain take.
#
# Everything it writes is under target/ (ignored, reused by the next run):
#   target/fuzz-none/, target/fuzz/    the instrumented builds, without and with AddressSanitizer
#   target/fuzz-corpus/<target>/       the working corpus; event targets are seeded from
#                                      fixtures/events/ (files up to LWA_FUZZ_MAX_LEN bytes)
#   target/fuzz-artifacts/<target>/    crashing inputs (minimise: cargo fuzz tmin, see the README)
#   target/fuzz-slow/<target>/<run>/   inputs over the CPU budget
#   target/fuzz-logs/<target>.log      libFuzzer's output of the last run
# Saved findings in adapter/fuzz/regressions/<target>/ are replayed at every start.
#
# Settings: LWA_FUZZ_SANITIZER (none, the default: about 4 to 6 times the rate of
# address, and the adapter forbids unsafe code; address (AddressSanitizer) works on the
# stable toolchain too, for the dependencies' unsafe code),
# LWA_FUZZ_MAX_LEN (65536), LWA_FUZZ_SLOW_MS (100), LWA_FUZZ_STRICT=1 (stop on the
# known findings listed in adapter/fuzz/src/known.rs too), LWA_FUZZ_ARGS (more libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1

seconds=${1:-60}
[[ $# -gt 0 ]] && shift
all=(event_bytes event_json response_encode invocation_headers stream_prelude)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target $t (targets: ${all[*]})" >&2; exit 2; }
done
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "fuzz.sh: SECONDS_PER_TARGET must be a whole number > 0" >&2; exit 2; }

sanitizer=${LWA_FUZZ_SANITIZER:-none}
max_len=${LWA_FUZZ_MAX_LEN:-65536}
target_dir=$root/target/fuzz
[[ $sanitizer == address ]] || target_dir=$root/target/fuzz-$sanitizer
fuzz=(cargo fuzz)
fuzz_opts=(--fuzz-dir "$root/adapter/fuzz" --sanitizer "$sanitizer" --target-dir "$target_dir")

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (cargo install --locked cargo-fuzz)"
  start=$SECONDS
  cargo install --locked cargo-fuzz
  echo "   installed in $((SECONDS - start)) s"
fi

echo "== building ${#all[@]} targets (sanitizer: $sanitizer, into ${target_dir#"$root"/})"
start=$SECONDS
"${fuzz[@]}" build "${fuzz_opts[@]}"
echo "   built in $((SECONDS - start)) s"

# Seeds: the event corpus, flattened (fixtures/events/alb/x.json -> fixture-alb-x.json),
# copied once; larger files would only be cut at max_len into broken JSON.
seed() {
  local dir=$1 file rel
  mkdir -p "$dir"
  while IFS= read -r -d '' file; do
    rel=${file#fixtures/events/}
    [[ $rel == README.md ]] && continue
    [[ $(stat -c %s "$file") -le $max_len ]] || continue
    cp -n "$file" "$dir/fixture-${rel//\//-}"
  done < <(find fixtures/events -type f -print0)
}

run_id=$(date +%Y%m%d-%H%M%S)
failed=0
summary=()
for t in "${targets[@]}"; do
  corpus=$root/target/fuzz-corpus/$t
  artifacts=$root/target/fuzz-artifacts/$t/
  slow=$root/target/fuzz-slow/$t/$run_id
  log=$root/target/fuzz-logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  case $t in event_*) seed "$corpus" ;; esac
  dirs=("$corpus")
  [[ -d adapter/fuzz/regressions/$t ]] && dirs+=("$root/adapter/fuzz/regressions/$t")
  echo "== $t: ${seconds} s"
  rc=0
  # shellcheck disable=SC2086 # LWA_FUZZ_ARGS is a list of flags
  LWA_FUZZ_SLOW_DIR=$slow "${fuzz[@]}" run "${fuzz_opts[@]}" "$t" "${dirs[@]}" -- \
    -max_total_time="$seconds" -timeout=1 -max_len="$max_len" -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts" -print_final_stats=1 ${LWA_FUZZ_ARGS:-} >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  slow_count=$( (find "$slow" -type f 2>/dev/null || true) | wc -l)
  if [[ $rc -ne 0 ]]; then
    failed=1
    unit=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
    kind=$(grep -m1 -oE 'panicked at [^ ]+|ERROR: libFuzzer: [a-z-]+|ERROR: AddressSanitizer: [a-z-]+|SUMMARY: libFuzzer: [a-z -]+' "$log" || true)
    result="CRASH (exit $rc${kind:+, $kind}) ${unit:-no input saved}; log: ${log#"$root"/}"
    grep -m1 -A3 'panicked at' "$log" | sed 's/^/   /' || true
  elif [[ $slow_count -gt 0 ]]; then
    failed=1
    result="SLOW: $slow_count inputs over ${LWA_FUZZ_SLOW_MS:-100} ms of CPU, in ${slow#"$root"/}"
  else
    result=ok
  fi
  summary+=("$(printf '%-20s %12s execs %8s exec/s  %s' "$t" "${execs:-?}" "${rate:-?}" "$result")")
  echo "   ${summary[-1]}"
done

echo "== summary (${seconds} s per target, sanitizer $sanitizer)"
printf '%s\n' "${summary[@]}"
exit $failed
