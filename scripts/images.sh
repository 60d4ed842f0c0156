#!/usr/bin/env bash
# images.sh [--check | --runtimes]
#
# Builds the sample apps as Lambda container images, with no container registry: every
# image comes from Debian packages (plus PyPI for Flask) on this machine, through Docker's
# legacy builder (no BuildKit needed).
#   rootfs   `debootstrap --variant=minbase bookworm`, cached as
#            target/images/rootfs-bookworm-minbase-<key>.tar
#   runtimes lwa-runtime-node (nodejs, node-express), lwa-runtime-python (python3, a venv at
#            /opt/venv with sample-apps/flask/requirements.txt), lwa-runtime-java
#            (default-jre-headless, the Spring 4.3 / Tomcat 9 / Jackson jars): apt-get in a
#            chroot of a copy of the rootfs, then `docker import`. Tagged :latest and
#            :<hash of their inputs>; an existing hash tag is not rebuilt. The three are
#            built side by side (each is mostly downloads and dpkg).
#   adapter  lwa-adapter:latest (x86_64) and lwa-adapter:latest-arm64 from adapter/Dockerfile
#            and the binaries of `just build-release` (run when they are missing;
#            ADAPTER_X86_64 / ADAPTER_AARCH64 name other binaries)
#   apps     lwa-express, lwa-flask, lwa-spring (:latest, label org.lwa.app=<app>) from
#            sample-apps/<app>/Dockerfile: the adapter at /opt/extensions/lambda-adapter, the
#            app in /var/task, a non-root user; Spring's classes are compiled on this machine
#            (scripts/setup-sample-apps.sh spring), the image has no JDK
# Ends with a table of the images, their sizes and whether each was built (its tag moved to
# another image) or cached.
#
# --runtimes  the rootfs and the runtime images only: they need no binary, so `just
#          conformance` builds them while cargo builds the binaries.
# --check  then runs each app image as Lambda would (read-only root, a 512 MB /tmp, non-root
#          user, 512 MB memory, no network) and checks `GET /` (ok), `POST /events` (echo)
#          and that `docker stop` makes the app log the SIGTERM line and exit 0.
#
# Idempotent: a second run with nothing changed takes seconds (the rootfs tarball, the
# runtime hash tags and Docker's layer cache). Needs root (debootstrap, chroot, mount) and
# a running Docker engine.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/target/images"
APPS=(express flask spring)
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
ADAPTER_X86_64=${ADAPTER_X86_64:-$ROOT/target/x86_64-unknown-linux-musl/release/lambda-adapter}
ADAPTER_AARCH64=${ADAPTER_AARCH64:-$ROOT/target/aarch64-unknown-linux-musl/release/lambda-adapter}
# Lambda runs images as a non-root user; --check does the same.
SANDBOX_USER=993:990
# What `docker import` gives each runtime image.
IMPORT_CHANGES=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV LAMBDA_TASK_ROOT=/var/task'
  'WORKDIR /var/task'
)
export DOCKER_BUILDKIT=0

say() { printf '[images] %s\n' "$*"; }
die() {
  printf '[images] error: %s\n' "$*" >&2
  exit 1
}

CHECK=0
RUNTIMES_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --check) CHECK=1 ;;
    --runtimes) RUNTIMES_ONLY=1 ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
      exit 0
      ;;
    *) die "unknown argument '$arg' (want --check or --runtimes)" ;;
  esac
done

((CHECK && RUNTIMES_ONLY)) && die "--check runs the app images: not with --runtimes"
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot and mount)"
docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info)"
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock -n 9 || die "another images.sh is running (lock $OUT/.lock)"

sha() { sha256sum | cut -c1-12; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# STATUS[image] = built | cached, for the summary.
declare -A STATUS=()
ORDER=()
record() {
  ORDER+=("$1")
  STATUS[$1]=$2
}

# --- mounts and work directories ---------------------------------------------------------

# Work directories (rootfs copies) to unmount and remove on exit.
WORKDIRS=()
unmount_all() { # DIR: unmounts everything mounted below DIR, deepest first
  local dir=$1 mnt
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
  done < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
}
remove_workdir() { # DIR: never removes a directory that still has something mounted below it
  local dir=$1
  [[ -d "$dir" ]] || return 0
  unmount_all "$dir"
  if awk -v d="$dir/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    die "still mounted below $dir; not removing it"
  fi
  rm -rf --one-file-system "$dir"
}
cleanup() {
  local dir
  for dir in "${WORKDIRS[@]}"; do
    remove_workdir "$dir" || true
  done
  rmdir "$OUT/work" 2>/dev/null || true
}
trap cleanup EXIT

# logged CMD...: runs CMD with its output appended to $LOG; on failure shows the end of it.
LOG=/dev/null
logged() {
  printf '+ %s\n' "$*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || {
    tail -n 25 "$LOG" >&2
    die "failed ($LOG): $*"
  }
}

# in_chroot DIR CMD...: runs CMD in the chroot DIR with a clean environment.
in_chroot() {
  local dir=$1
  shift
  chroot "$dir" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# chroot_up DIR / chroot_down DIR: what apt-get and the packages' scripts need in a chroot
# (/proc, /dev, the host's DNS; no services started).
chroot_up() {
  local dir=$1
  mount -t proc proc "$dir/proc"
  mount --bind /dev "$dir/dev"
  mount --bind /dev/pts "$dir/dev/pts"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
}
chroot_down() {
  local dir=$1
  unmount_all "$dir"
  rm -f "$dir/usr/sbin/policy-rc.d"
  : >"$dir/etc/resolv.conf" # Docker mounts its own
}

# --- the Debian rootfs -------------------------------------------------------------------

# make_rootfs DIR: a minbase bookworm with the security and updates suites, Debian's
# docker-slim dpkg excludes (no docs, man pages or locales) and /var/task.
make_rootfs() {
  local dir=$1
  debootstrap --variant=minbase --arch=amd64 "$SUITE" "$dir" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $OUT/debootstrap.log"
  cat >"$dir/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  cat >"$dir/etc/dpkg/dpkg.cfg.d/lwa-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
EOF
  cat >"$dir/etc/apt/apt.conf.d/lwa-slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Dpkg::Use-Pty "false";
EOF
  find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$dir/usr/share/man"/* "$dir/usr/share/info"/* "$dir/usr/share/locale"/* \
    "$dir/var/cache/apt"/*.bin "$dir/var/lib/apt/lists"/* "$dir/var/log"/*.log
  # update-alternatives links man pages there and fails without it (openjdk's postinst)
  mkdir -p "$dir/usr/share/man/man1"
  : >"$dir/etc/resolv.conf"
  echo localhost >"$dir/etc/hostname"
  mkdir -p "$dir/var/task"
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null && return 0
  say "apt-get install debootstrap"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
}

# The rootfs's key: what it is made from (the runtimes' hashes include it).
ensure_debootstrap
ROOTFS_KEY=$({
  debootstrap --version
  echo "$SUITE $MIRROR $SECURITY_MIRROR amd64"
  declare -f make_rootfs
} | sha)
ROOTFS_TAR="$OUT/rootfs-$SUITE-minbase-$ROOTFS_KEY.tar"

ensure_rootfs() {
  if [[ -f "$ROOTFS_TAR" ]]; then
    say "rootfs: $(basename "$ROOTFS_TAR") cached"
    return 0
  fi
  local dir="$OUT/work/rootfs"
  WORKDIRS+=("$dir")
  remove_workdir "$dir"
  say "rootfs: debootstrap --variant=minbase $SUITE (log in ${OUT#"$ROOT"/}/debootstrap.log)"
  make_rootfs "$dir"
  tar -C "$dir" --numeric-owner -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  remove_workdir "$dir"
  # older keys' tarballs are of no more use
  find "$OUT" -maxdepth 1 -name "rootfs-*.tar" ! -name "$(basename "$ROOTFS_TAR")" -delete
  say "rootfs: $(basename "$ROOTFS_TAR") ($(du -m "$ROOTFS_TAR" | cut -f1) MB)"
}

# --- the runtime images ------------------------------------------------------------------

runtime_packages() { # RUNTIME
  case "$1" in
    node) echo nodejs node-express ;;
    python) echo python3 python3-venv ;;
    # the jars of sample-apps/spring/classpath.sh
    java) echo default-jre-headless libspring-web-servlet-java libspring-web-java \
      libspring-context-java libtomcat9-java libjackson2-databind-java ;;
  esac
}

# runtime_extra RUNTIME DIR: what a runtime needs beyond its packages (in the chroot).
runtime_extra() {
  local dir=$2
  case "$1" in
    python)
      # pip in the chroot, so that the venv's paths are /opt/venv's. It trusts this machine's
      # CA bundle (which may hold a local egress CA), for the build only: the copy goes with /tmp.
      cp "$ROOT/sample-apps/flask/requirements.txt" "$dir/tmp/requirements.txt"
      cp "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$dir/tmp/build-ca.crt"
      logged in_chroot "$dir" python3 -m venv /opt/venv
      logged in_chroot "$dir" /opt/venv/bin/pip install --quiet --no-cache-dir --disable-pip-version-check \
        --cert /tmp/build-ca.crt ${PIP_INDEX_URL:+--index-url "$PIP_INDEX_URL"} -r /tmp/requirements.txt
      ;;
  esac
}

# runtime_files RUNTIME: files whose content goes into the runtime's hash.
runtime_files() {
  case "$1" in
    python) echo "$ROOT/sample-apps/flask/requirements.txt" ;;
  esac
}

runtime_hash() { # RUNTIME
  local rt=$1 file
  {
    echo "$ROOTFS_KEY $rt"
    runtime_packages "$rt"
    printf '%s\n' "${IMPORT_CHANGES[@]}"
    declare -f runtime_extra install_runtime in_chroot chroot_up chroot_down
    for file in $(runtime_files "$rt"); do
      cat "$file"
    done
  } | sha
}

install_runtime() { # RUNTIME DIR
  local rt=$1 dir=$2
  local -a pkgs
  read -r -a pkgs <<<"$(runtime_packages "$rt")"
  chroot_up "$dir"
  logged in_chroot "$dir" apt-get update -q
  logged in_chroot "$dir" apt-get upgrade -y -q
  logged in_chroot "$dir" apt-get install -y -q --no-install-recommends "${pkgs[@]}"
  runtime_extra "$rt" "$dir"
  logged in_chroot "$dir" apt-get clean
  chroot_down "$dir"
  rm -rf "$dir/var/lib/apt/lists"/* "$dir/var/cache/apt"/*.bin "$dir/var/cache/debconf"/*-old \
    "$dir/var/lib/dpkg"/*-old "$dir/var/log"/*.log "$dir/var/log/apt"/* "$dir/root/.cache" \
    "$dir/tmp"/* "$dir/usr/share/doc"/*/changelog*
}

ensure_runtime() { # RUNTIME
  local rt=$1 hash name
  hash=$(runtime_hash "$rt")
  name="lwa-runtime-$rt"
  if [[ -n "$(image_id "$name:$hash")" ]]; then
    docker tag "$name:$hash" "$name:latest"
    record "$name:latest" cached
    return 0
  fi
  local dir="$OUT/work/$rt"
  WORKDIRS+=("$dir")
  remove_workdir "$dir"
  mkdir -p "$dir"
  LOG="$OUT/runtime-$rt.log"
  : >"$LOG"
  say "$name: $(runtime_packages "$rt") (rootfs copy, chroot, apt-get; log in ${LOG#"$ROOT"/})"
  tar -C "$dir" --numeric-owner -xpf "$ROOTFS_TAR"
  install_runtime "$rt" "$dir"
  local changes=() change
  for change in "${IMPORT_CHANGES[@]}"; do
    changes+=(--change "$change")
  done
  tar -C "$dir" --numeric-owner -c . |
    docker import "${changes[@]}" --change "LABEL org.lwa.runtime.hash=$hash" \
      -m "lwa runtime $rt" - "$name:$hash" >/dev/null
  docker tag "$name:$hash" "$name:latest"
  remove_workdir "$dir"
  # the images of earlier inputs: best effort (app images built on them keep them alive)
  local old
  for old in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$name"); do
    [[ "$old" == "$name:latest" || "$old" == "$name:$hash" ]] || docker rmi "$old" >/dev/null 2>&1 || true
  done
  record "$name:latest" built
}

# --- the adapter images ------------------------------------------------------------------

# build_image TAG DOCKER-BUILD-ARGS...: docker build, recording whether the image changed.
build_image() {
  local tag=$1 before after log
  shift
  before=$(image_id "$tag")
  log="$OUT/build-${tag//[:\/]/_}.log"
  if ! docker build -q -t "$tag" "$@" >"$log" 2>&1; then
    cat "$log" >&2
    die "docker build of $tag failed"
  fi
  after=$(image_id "$tag")
  if [[ "$before" == "$after" ]]; then
    record "$tag" cached
  else
    record "$tag" built
  fi
}

# relabel_arm64 IMAGE TAG: TAG becomes IMAGE with architecture arm64 (variant v8) in its
# config; deterministic, so the same IMAGE gives the same image ID (docker save, edit, load).
relabel_arm64() {
  local image=$1 tag=$2 dir
  dir=$(mktemp -d)
  WORKDIRS+=("$dir")
  docker save "$image" | tar -C "$dir" -x
  python3 - "$dir" "$tag" <<'PY'
import hashlib, json, os, sys

folder, tag = sys.argv[1:]
path = os.path.join(folder, "manifest.json")
manifest = json.load(open(path))
old = manifest[0]["Config"]
config = json.load(open(os.path.join(folder, old)))
config["architecture"] = "arm64"
config["variant"] = "v8"
raw = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
new = hashlib.sha256(raw).hexdigest() + ".json"
os.remove(os.path.join(folder, old))
open(os.path.join(folder, new), "wb").write(raw)
manifest[0]["Config"] = new
manifest[0]["RepoTags"] = [tag]
json.dump(manifest, open(path, "w"))
PY
  tar -C "$dir" -c . | docker load -q >/dev/null
  remove_workdir "$dir"
}

ensure_adapter() {
  if [[ ! -f "$ADAPTER_X86_64" || ! -f "$ADAPTER_AARCH64" ]]; then
    say "adapter: release binaries missing; just build-release"
    (cd "$ROOT" && just build-release)
  fi
  [[ -f "$ADAPTER_X86_64" ]] || die "missing $ADAPTER_X86_64"
  [[ -f "$ADAPTER_AARCH64" ]] || die "missing $ADAPTER_AARCH64"
  # The context is just the Dockerfile and the two binaries (the repository root holds
  # target/, gigabytes): a tar stream with the paths adapter/Dockerfile expects. The legacy
  # builder builds every stage, so both binaries are needed for either image.
  local ctx
  ctx=$(mktemp -d)
  WORKDIRS+=("$ctx")
  mkdir -p "$ctx/adapter" "$ctx/target/x86_64-unknown-linux-musl/release" \
    "$ctx/target/aarch64-unknown-linux-musl/release"
  cp "$ROOT/adapter/Dockerfile" "$ctx/adapter/Dockerfile"
  cp "$ADAPTER_X86_64" "$ctx/target/x86_64-unknown-linux-musl/release/lambda-adapter"
  cp "$ADAPTER_AARCH64" "$ctx/target/aarch64-unknown-linux-musl/release/lambda-adapter"
  build_image lwa-adapter:latest --build-arg TARGETARCH=amd64 -f adapter/Dockerfile - \
    < <(tar -C "$ctx" -c adapter target)
  # The legacy builder gives every image the engine's platform, and its cache does not tell
  # platforms apart (with --platform linux/arm64 the next amd64 build picks up arm64 stages
  # and fails): build the aarch64 image untagged, then set arm64 in its config.
  local id before after
  before=$(image_id lwa-adapter:latest-arm64)
  id=$(docker build -q --build-arg TARGETARCH=arm64 -f adapter/Dockerfile - \
    < <(tar -C "$ctx" -c adapter target) 2>"$OUT/build-lwa-adapter_latest-arm64.log") || {
    cat "$OUT/build-lwa-adapter_latest-arm64.log" >&2
    die "docker build of lwa-adapter:latest-arm64 failed"
  }
  relabel_arm64 "$id" lwa-adapter:latest-arm64
  after=$(image_id lwa-adapter:latest-arm64)
  if [[ "$before" == "$after" ]]; then
    record lwa-adapter:latest-arm64 cached
  else
    record lwa-adapter:latest-arm64 built
  fi
  remove_workdir "$ctx"
}

# --- the app images ----------------------------------------------------------------------

ensure_app() { # APP
  local app=$1
  build_image "lwa-$app:latest" "$ROOT/sample-apps/$app"
}

# --- the sandbox check -------------------------------------------------------------------

# GET / and POST /events against 127.0.0.1:8080, in Python and in Node.js (no curl in the
# images). Each prints one line per check and exits non-zero on a failure.
EVENT_BODY='{"Records":[{"messageId":"1","body":"h\u00e9llo \u2713"}]}'
PY_PROBE='
import http.client, sys
body = sys.argv[1].encode()
c = http.client.HTTPConnection("127.0.0.1", 8080, timeout=10)
c.request("GET", "/")
r = c.getresponse(); got = r.read()
assert r.status == 200 and got == b"ok", (r.status, got)
print("GET / -> 200 ok")
c.request("POST", "/events", body=body, headers={"content-type": "application/json"})
r = c.getresponse(); got = r.read()
assert r.status == 200 and got == body, (r.status, got)
print("POST /events -> 200, the body echoed (%d bytes)" % len(got))
'
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
NODE_PROBE='
const http = require("node:http")
const body = Buffer.from(process.argv[1])
function req(method, path, data) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: "127.0.0.1", port: 8080, method, path, timeout: 10000 }, (res) => {
      const chunks = []
      res.on("data", (c) => chunks.push(c))
      res.on("end", () => resolve([res.statusCode, Buffer.concat(chunks)]))
    })
    r.on("error", reject)
    r.end(data)
  })
}
;(async () => {
  let [status, got] = await req("GET", "/")
  if (status !== 200 || got.toString() !== "ok") throw new Error(`GET / -> ${status} ${got}`)
  console.log("GET / -> 200 ok")
  ;[status, got] = await req("POST", "/events", body)
  if (status !== 200 || !got.equals(body)) throw new Error(`POST /events -> ${status} ${got}`)
  console.log(`POST /events -> 200, the body echoed (${got.length} bytes)`)
})().catch((e) => { console.error(e.message); process.exit(1) })
'

CHECK_FAILED=0
check_fail() {
  printf '[images] FAIL %s\n' "$*" >&2
  CHECK_FAILED=1
}

check_app() { # APP
  local app=$1 image="lwa-$1:latest" name="lwa-images-check-$1" cid start out
  docker rm -f "$name" >/dev/null 2>&1 || true
  start=$(date +%s%3N)
  cid=$(docker run -d --name "$name" --read-only --tmpfs /tmp:rw,size=512m --user "$SANDBOX_USER" \
    --memory 512m --network none -e PORT=8080 -e HOST=127.0.0.1 "$image")
  # ready: the first line on stdout
  until [[ "$(docker logs "$cid" 2>/dev/null | head -n1)" == "ready on 8080" ]]; do
    if [[ "$(docker inspect -f '{{.State.Running}}' "$cid")" != true ]] || (($(date +%s%3N) - start > 30000)); then
      check_fail "$app: no 'ready on 8080' (exit $(docker inspect -f '{{.State.ExitCode}}' "$cid")); its output:"
      docker logs "$cid" 2>&1 | tail -n 20 >&2
      docker rm -f "$cid" >/dev/null
      return 0
    fi
    sleep 0.05
  done
  say "check $app: 'ready on 8080' $(($(date +%s%3N) - start)) ms after docker run"
  local probe=()
  case "$app" in
    express) probe=(docker exec "$cid" node -e "$NODE_PROBE" "$EVENT_BODY") ;;
    flask) probe=(docker exec "$cid" python3 -c "$PY_PROBE" "$EVENT_BODY") ;;
    # no Python in the Java image: a second sandboxed container in the app's network namespace
    *) probe=(docker run --rm --network "container:$cid" --read-only --user "$SANDBOX_USER"
      lwa-runtime-python:latest python3 -c "$PY_PROBE" "$EVENT_BODY") ;;
  esac
  if out=$("${probe[@]}" 2>&1); then
    while read -r line; do say "check $app: $line"; done <<<"$out"
  else
    check_fail "$app: $out"
  fi
  docker stop -t 10 "$cid" >/dev/null
  local code
  code=$(docker inspect -f '{{.State.ExitCode}}' "$cid")
  if grep -qx 'SIGTERM received, shutting down' <<<"$(docker logs "$cid" 2>/dev/null)" && [[ $code == 0 ]]; then
    say "check $app: docker stop -> 'SIGTERM received, shutting down', exit 0"
  else
    check_fail "$app: docker stop -> exit $code; its output:"
    docker logs "$cid" 2>&1 | tail -n 20 >&2
  fi
  docker rm "$cid" >/dev/null
}

# --- main --------------------------------------------------------------------------------

START=$SECONDS
# Spring's classes are compiled on this machine (the image has a JRE, no JDK).
"$ROOT/scripts/setup-sample-apps.sh" spring
for rt in node python java; do
  hash=$(runtime_hash "$rt")
  if [[ -z "$(image_id "lwa-runtime-$rt:$hash")" ]]; then
    ensure_rootfs
    break
  fi
done
# The runtimes side by side, each in a subshell with its own work directory, log and cleanup.
pids=()
for rt in node python java; do
  (
    WORKDIRS=()
    trap cleanup EXIT
    ensure_runtime "$rt"
    printf '%s\n' "${STATUS[lwa-runtime-$rt:latest]}" >"$OUT/.status-$rt"
  ) &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
((failed == 0)) || die "a runtime image failed (its log: target/images/runtime-<runtime>.log)"
for rt in node python java; do
  record "lwa-runtime-$rt:latest" "$(cat "$OUT/.status-$rt")"
  rm -f "$OUT/.status-$rt"
done
if ((RUNTIMES_ONLY == 0)); then
  ensure_adapter
  for app in "${APPS[@]}"; do
    ensure_app "$app"
  done
fi

printf '\n%-32s %10s  %s\n' image size status
for image in "${ORDER[@]}"; do
  size=$(docker image inspect -f '{{.Size}}' "$image")
  awk -v i="$image" -v s="$size" -v st="${STATUS[$image]}" 'BEGIN {
    if (s < 1e6) printf "%-32s %7.1f kB  %s\n", i, s / 1e3, st
    else printf "%-32s %7.1f MB  %s\n", i, s / 1e6, st
  }'
done
say "done in $((SECONDS - START)) s"

if [[ $CHECK -eq 1 ]]; then
  for app in "${APPS[@]}"; do
    check_app "$app"
  done
  [[ $CHECK_FAILED -eq 0 ]] || die "sandbox check failed"
  say "sandbox check: all ${#APPS[@]} apps passed"
fi
