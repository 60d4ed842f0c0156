#!/usr/bin/env bash
# layer.sh [x86_64|aarch64|all]: the Lambda layer for zip packages, per architecture.
#
#   target/layer/<arch>/extensions/lambda-adapter   the static release binary (0755)
#   target/layer/<arch>/bootstrap                   adapter/layer/bootstrap, the exec wrapper (0755)
#   target/layer/lambda-adapter-<arch>.zip          the same two files: Lambda unpacks a layer
#                                                   into /opt, so they become
#                                                   /opt/extensions/lambda-adapter and /opt/bootstrap
#
# Builds nothing: it packages the binaries of `just build-release`. The zip is reproducible
# (fixed order, timestamps and modes), so the same binary gives the same bytes.
#
# Overrides, for tests: LWA_LAYER_ADAPTER_X86_64 / LWA_LAYER_ADAPTER_AARCH64 (the binary to
# package) and LWA_LAYER_OUT (the output folder instead of target/layer).
set -euo pipefail

cd "$(dirname "$0")/.."

say() { printf '[layer] %s\n' "$*"; }
die() { printf '[layer] error: %s\n' "$*" >&2; exit 1; }

arch=${1:-all}
case "$arch" in
  x86_64 | aarch64) arches=("$arch") ;;
  all) arches=(x86_64 aarch64) ;;
  *) die "unknown architecture '$arch' (expected x86_64, aarch64 or all)" ;;
esac

out=${LWA_LAYER_OUT:-target/layer}
bootstrap=adapter/layer/bootstrap
[[ -f $bootstrap ]] || die "$bootstrap is missing"
command -v python3 >/dev/null || die "python3 is needed to write the zip"

for a in "${arches[@]}"; do
  case "$a" in
    x86_64) binary=${LWA_LAYER_ADAPTER_X86_64:-target/x86_64-unknown-linux-musl/release/lambda-adapter} ;;
    aarch64) binary=${LWA_LAYER_ADAPTER_AARCH64:-target/aarch64-unknown-linux-musl/release/lambda-adapter} ;;
  esac
  [[ -f $binary ]] || die "no $a adapter at $binary: run \`just build-release\` first"

  dir=$out/$a
  rm -rf "$dir"
  mkdir -p "$dir/extensions"
  install -m 0755 "$binary" "$dir/extensions/lambda-adapter"
  install -m 0755 "$bootstrap" "$dir/bootstrap"

  zip=$out/lambda-adapter-$a.zip
  python3 - "$dir" "$zip" "$a" <<'PY'
import os, sys, zipfile

root, dest, arch = sys.argv[1], sys.argv[2], sys.argv[3]

# The ELF e_machine field, so a binary of the wrong architecture is never packaged.
ELF_MACHINE = {"x86_64": 0x3E, "aarch64": 0xB7}
with open(os.path.join(root, "extensions/lambda-adapter"), "rb") as f:
    head = f.read(20)
if head[:4] != b"\x7fELF" or int.from_bytes(head[18:20], "little") != ELF_MACHINE[arch]:
    sys.exit(f"[layer] error: {root}/extensions/lambda-adapter is not an {arch} ELF binary")

# Directory entry first, then files, in a fixed order; a fixed date (the zip epoch) and
# Unix modes (Lambda keeps the execute bits when it unpacks the layer into /opt).
ENTRIES = [("bootstrap", 0o100755), ("extensions/", 0o040755), ("extensions/lambda-adapter", 0o100755)]
tmp = dest + ".tmp"
with zipfile.ZipFile(tmp, "w") as z:
    for name, mode in ENTRIES:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system = 3  # Unix, so external_attr carries the mode
        info.external_attr = mode << 16
        if name.endswith("/"):
            info.external_attr |= 0x10  # MS-DOS directory flag
            z.writestr(info, b"")
        else:
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(os.path.join(root, name), "rb") as f:
                z.writestr(info, f.read(), compresslevel=9)
os.replace(tmp, dest)
PY
  size=$(stat -c %s "$zip")
  say "$zip: $(awk -v s="$size" 'BEGIN { printf "%.2f MB (%d bytes)", s / 1048576, s }')"
done
