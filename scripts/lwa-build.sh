#!/usr/bin/env bash
# awslabs' LWA 1.0 release build, made once from crates.io (`cargo install
# lambda_web_adapter`, a few minutes) into target/bench/lwa-1.0/; prints the binary's path.
# LWA registers as `lambda-adapter`, which is its file name there. Used by `just bench lwa`
# and `just judge lwa`.
set -euo pipefail
cd "$(dirname "$0")/.."

LWA_VERSION="1.0.0-rc1"
LWA_ROOT="target/bench/lwa-1.0"
if [ ! -x "$LWA_ROOT/bin/lambda-adapter" ]; then
    echo "building LWA $LWA_VERSION from crates.io into $LWA_ROOT (once)" >&2
    cargo install --quiet --locked lambda_web_adapter --version "$LWA_VERSION" --root "$LWA_ROOT" >&2
fi
echo "$LWA_ROOT/bin/lambda-adapter"
