#!/usr/bin/env bash
# Compile the Spring sample app into build/classes (no Maven: the jars come from Debian).
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=SCRIPTDIR/classpath.sh
source ./classpath.sh
rm -rf build/classes
mkdir -p build/classes
mapfile -t sources < <(find src/main/java -name '*.java' | sort)
javac --release 8 -Xlint:all,-options,-serial,-path,-processing -Werror -parameters -encoding UTF-8 \
  -cp "$SPRING_APP_CLASSPATH" -d build/classes "${sources[@]}"
touch build/classes/.built
echo "build.sh: compiled ${#sources[@]} sources into build/classes"
