#!/usr/bin/env bash
# Start the Spring sample app (embedded Tomcat 9). Build it first with build.sh.
# Environment: PORT (8080), HOST (127.0.0.1), START_DELAY_MS (0), KEEP_ALIVE_S (60), and
# JAVA_OPTS (default -XX:TieredStopAtLevel=1, the usual Lambda cold-start setting: about 0.3 s
# faster to ready here).
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=SCRIPTDIR/classpath.sh
source ./classpath.sh
if [[ ! -f build/classes/.built ]]; then
  echo "run.sh: build/classes missing; run scripts/setup-sample-apps.sh spring" >&2
  exit 1
fi
# preferIPv4Stack: listen on 127.0.0.1 itself, not on the IPv4-mapped [::ffff:127.0.0.1].
# The Jdk14Logger setting keeps commons-logging off the log4j 1.2 jar that Debian's
# commons-logging manifest drags onto the class path.
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec java ${JAVA_OPTS:--XX:TieredStopAtLevel=1} \
  -Djava.net.preferIPv4Stack=true \
  -Dorg.apache.commons.logging.Log=org.apache.commons.logging.impl.Jdk14Logger \
  -cp "build/classes:$SPRING_APP_CLASSPATH" lwa.sample.Main
