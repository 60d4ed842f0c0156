#!/usr/bin/env bash
# setup-sample-apps.sh [express|flask|spring|all]   (default: all)
#
# Installs what the sample apps under sample-apps/ need to run on this machine, without
# Docker and without Maven Central:
#   express  node (Debian) if missing; Express 4 from Debian's node-express
#   flask    python3 + venv (Debian) if missing; sample-apps/flask/.venv with requirements.txt
#   spring   a JDK and the Spring 4.3 / Tomcat 9 / Jackson jars from Debian; sample-apps/spring/build.sh
#
# Idempotent: each step is skipped when its result is already there and up to date
# (Debian packages installed, a venv satisfying requirements.txt, classes newer than
# the sources). Debian packages are installed only when missing, and `apt-get update`
# runs only when something must be installed. Needs root for apt-get (as on CI).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
APPS="$ROOT/sample-apps"

say() { printf '[setup-sample-apps] %s\n' "$*"; }
die() {
  printf '[setup-sample-apps] error: %s\n' "$*" >&2
  exit 1
}

APT_UPDATED=0
# apt_ensure PKG...: installs the Debian packages that are not installed yet.
apt_ensure() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      missing+=("$pkg")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  command -v apt-get >/dev/null || die "missing Debian packages (${missing[*]}) and no apt-get"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "installing ${missing[*]} needs root"
    sudo=(sudo)
  fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    say "apt-get update"
    "${sudo[@]}" apt-get update -q >/dev/null
    APT_UPDATED=1
  fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

setup_express() {
  # The npm registry is not reachable on the build machines: Express 4 comes from Debian
  # (node-express installs it and its dependencies under /usr/share/nodejs; run.sh puts
  # that folder on NODE_PATH for Node.js builds that do not search it themselves).
  if ! command -v node >/dev/null; then
    apt_ensure nodejs
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [[ $major -ge 18 ]] || die "express: Node.js >= 18 needed, found $(node --version)"
  apt_ensure node-express
  local version
  version=$(NODE_PATH=/usr/share/nodejs node -p 'require("express/package.json").version') ||
    die "express: node-express is installed but require('express') fails with NODE_PATH=/usr/share/nodejs"
  say "express: ready (node $(node --version), express $version from Debian)"
}

setup_flask() {
  local dir="$APPS/flask"
  local venv="$dir/.venv"
  if ! command -v python3 >/dev/null; then
    apt_ensure python3 python3-venv
  fi
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" - "$dir/requirements.txt" <<'PY'; then
import sys
from importlib.metadata import PackageNotFoundError, version

for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, pinned = line.partition("==")
    try:
        if version(name.strip()) != pinned.strip():
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
    say "flask: .venv satisfies requirements.txt, skipping pip install"
    return 0
  fi
  if [[ ! -x "$venv/bin/python" ]]; then
    say "flask: python3 -m venv $venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
      # Debian's python3 ships ensurepip separately
      rm -rf "$venv"
      apt_ensure python3-venv
      python3 -m venv "$venv"
    fi
  fi
  say "flask: pip install -r requirements.txt"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$dir/requirements.txt"
  say "flask: ready ($("$venv/bin/python" --version), gunicorn $("$venv/bin/gunicorn" --version 2>&1 | awk '{print $NF}' | tr -d ')'))"
}

setup_spring() {
  local dir="$APPS/spring"
  # javac --release 8 needs JDK 9 or later; Debian 12's default-jdk-headless is 17.
  if ! command -v javac >/dev/null; then
    apt_ensure default-jdk-headless
  fi
  apt_ensure libspring-web-servlet-java libspring-web-java libspring-context-java \
    libtomcat9-java libjackson2-databind-java
  local built="$dir/build/classes/.built"
  if [[ -f "$built" ]] &&
    [[ -z "$(find "$dir/src" "$dir/build.sh" "$dir/classpath.sh" -newer "$built" -print -quit)" ]]; then
    say "spring: build/classes newer than the sources, skipping build.sh"
    return 0
  fi
  say "spring: build.sh"
  "$dir/build.sh"
  say "spring: ready ($(javac -version 2>&1))"
}

target=${1:-all}
case "$target" in
  express) setup_express ;;
  flask) setup_flask ;;
  spring) setup_spring ;;
  all)
    setup_express
    setup_flask
    setup_spring
    ;;
  -h | --help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    ;;
  *) die "unknown app '$target' (want express, flask, spring or all)" ;;
esac
