#!/usr/bin/env bash
# setup-cross.sh: what the static release builds and the aarch64 matrix need.
#   - rustup targets x86_64-unknown-linux-musl and aarch64-unknown-linux-musl
#   - Debian's gcc-aarch64-linux-gnu (the aarch64 linker, see .cargo/config.toml)
#   - Debian's qemu-user-static (runs the aarch64 adapter: binfmt is not available here,
#     so the suite calls qemu-aarch64-static explicitly)
# Idempotent: installs only what is missing.
set -euo pipefail

say() { printf '[setup-cross] %s\n' "$*"; }

missing_targets=()
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
  rustup target list --installed | grep -qx "$target" || missing_targets+=("$target")
done
if [[ ${#missing_targets[@]} -gt 0 ]]; then
  say "rustup target add ${missing_targets[*]}"
  rustup target add "${missing_targets[@]}"
fi

missing=()
for pkg in gcc-aarch64-linux-gnu qemu-user-static; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  say "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
say "ready"
