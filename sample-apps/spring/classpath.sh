# shellcheck shell=bash
# Sourced by build.sh and run.sh: the Debian jars (see scripts/setup-sample-apps.sh) that the
# Spring sample app compiles and runs against. Sets SPRING_APP_CLASSPATH.
_jars=(
  spring3-core spring3-beans spring3-context spring3-aop spring3-expression spring3-web spring3-web.servlet
  tomcat9-catalina tomcat9-coyote tomcat9-util tomcat9-util-scan tomcat9-api tomcat9-juli
  tomcat9-servlet-api tomcat9-jaspic-api tomcat9-annotations-api
  jackson-core jackson-databind jackson-annotations
  commons-logging
)
SPRING_APP_CLASSPATH=""
for _jar in "${_jars[@]}"; do
  _path="/usr/share/java/${_jar}.jar"
  if [[ ! -f "$_path" ]]; then
    echo "missing $_path: run scripts/setup-sample-apps.sh spring" >&2
    return 1
  fi
  SPRING_APP_CLASSPATH="${SPRING_APP_CLASSPATH:+$SPRING_APP_CLASSPATH:}$_path"
done
unset _jars _jar _path
