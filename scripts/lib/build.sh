# Shared by scripts/run and scripts/test: make sure a JDK 17+ and Maven are here, and build the jar when stale.

require_jdk() {
  command -v java >/dev/null || { echo "a JDK 17+ is required (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
  local v; v="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
  if [ "${v%%.*}" -lt 17 ] 2>/dev/null; then echo "Java 17+ is required, found $v" >&2; exit 1; fi
}

require_maven() {
  if ! command -v mvn >/dev/null; then
    echo "[build] installing Maven with apt (once)"
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
    else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null; fi
  fi
}

build_jar() {
  require_jdk
  require_maven
  if [ -f target/flashsale.jar ] && [ -z "$(find pom.xml src conf -newer target/flashsale.jar -print -quit)" ]; then
    echo "target/flashsale.jar is up to date"
    return
  fi
  mvn -B -q -DskipTests package
  echo "built target/flashsale.jar"
}
