#!/usr/bin/env bash
# setup-cross.sh: what the static release builds and the aarch64 matrix need.
#   - rustup targets x86_64-unknown-linux-musl and aarch64-unknown-linux-musl
#   - Debian's gcc-aarch64-linux-gnu (the aarch64 linker, see .cargo/config.toml)
#   - Debian's musl-tools (musl-gcc) and musl-dev:arm64: the C compilers of the static
#     builds' allocator (mimalloc) for x86_64 and aarch64
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

# musl's headers for aarch64 (musl-dev:arm64) are the C side of the aarch64 static build
# (mimalloc, compiled by scripts/cc/aarch64-linux-musl-gcc): Debian ships them for arm64 only.
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  say "dpkg --add-architecture arm64 (for musl-dev:arm64)"
  "${sudo[@]}" dpkg --add-architecture arm64
fi
missing=()
for pkg in gcc-aarch64-linux-gnu qemu-user-static musl-tools musl-dev:arm64; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  say "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
say "ready"
