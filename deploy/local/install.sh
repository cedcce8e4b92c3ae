#!/usr/bin/env bash
# One-command set-up (`npm run setup`; scripts/test.sh and scripts/demo.sh call it first). Idempotent, and quick when
# everything is present: it installs only what is missing.
#   1. Debian packages: orthanc orthanc-dicomweb redis-server dicom3tools dcmtk chromium fonts-dejavu-core (the SC legend is SVG text that sharp renders with a system font), libopenjp2-7 (the JPEG 2000 reference decode in the pixel tests), gcc libc6-dev (stack.sh builds the loopback-only bind shim for Orthanc)
#   2. npm dependencies: `npm ci` when node_modules is missing or older than package-lock.json
#   3. Kafka jars: Maven copies them into deploy/local/kafka/lib when they are missing; the HAPI peers of the result
#      outputs (MLLP receiver, FHIR server: deploy/local/hapi) are compiled by Maven when missing or older than their sources
#   4. TypeScript build (tsc -b, incremental): services and the `lungflow` command run from dist/
# Works as root on a fresh Debian 12 with Node 20, Java 17, Maven and Python; as another user it needs sudo for step 1.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

for tool in node npm java mvn; do
  command -v "$tool" >/dev/null || fail "$tool is not installed; LungFlow needs Node 20, Java 17 and Maven first"
done

# ---- 1. Debian packages -----------------------------------------------------------------------------------------
PACKAGES=(orthanc orthanc-dicomweb redis-server dicom3tools dcmtk chromium fonts-dejavu-core libopenjp2-7 gcc libc6-dev)
# Started by their packages (name:PID file of the init script); the stack runs its own copies instead.
SERVICES=(orthanc:/run/orthanc.pid redis-server:/run/redis/redis-server.pid)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else fail "need root for: $*"; fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

missing=()
for package in "${PACKAGES[@]}"; do installed "$package" || missing+=("$package"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  # A policy-rc.d that answers 101 keeps the packages from starting their system services during the install
  # (in containers they would otherwise start through invoke-rc.d and take ports 8042, 4242 and 6379).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    own_policy=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    { [ "$own_policy" = 1 ] && as_root rm -f "$policy"; fail "apt-get install failed"; }
  [ "$own_policy" = 1 ] && as_root rm -f "$policy"
else
  say "Debian packages present (${PACKAGES[*]})"
fi

# Whether or not we installed them just now, a system Orthanc or Redis must not hold the stack's ports. Without
# systemd we stop them by the PID files their init scripts write: the init scripts' own `status`/`stop` fall back
# to matching the program name, which would hit the stack's Orthanc and Redis too.
for service in "${!SERVICES[@]}"; do
  name=${SERVICES[$service]%%:*}
  pidfile=${SERVICES[$service]#*:}
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    if systemctl is-enabled --quiet "$name" 2>/dev/null || systemctl is-active --quiet "$name" 2>/dev/null; then
      say "stopping and disabling the system $name service (the stack runs its own)"
      as_root systemctl disable --now "$name" >/dev/null 2>&1 || true
    fi
    continue
  fi
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    say "stopping the system $name service (PID $pid from $pidfile; the stack runs its own)"
    as_root kill -TERM "$pid" || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  if compgen -G "/etc/rc[2-5].d/S*$name" >/dev/null && command -v update-rc.d >/dev/null; then
    say "disabling the system $name service at boot"
    as_root update-rc.d "$name" disable >/dev/null 2>&1 || true
  fi
done

# ---- 2. npm dependencies ----------------------------------------------------------------------------------------
# npm writes node_modules/.package-lock.json on every install: older than package-lock.json means stale modules.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (node_modules missing or older than package-lock.json)"
  # The shared lock keeps two set-ups (or an npm install elsewhere) from rewriting node_modules at once.
  flock /tmp/lungflow-npm.lock npm ci --no-audit --no-fund
else
  say "node_modules up to date"
fi

# ---- 3. Kafka jars ----------------------------------------------------------------------------------------------
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml")
if [ ! -f "$HERE/kafka/lib/kafka_2.13-$kafka_version.jar" ]; then
  say "resolving Kafka $kafka_version jars from Maven Central into deploy/local/kafka/lib"
  rm -rf "$HERE/kafka/lib"
  mvn -q -B -Dstyle.color=never -f "$HERE/kafka/pom.xml" dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime
  [ -f "$HERE/kafka/lib/kafka_2.13-$kafka_version.jar" ] || fail "Maven finished but kafka_2.13-$kafka_version.jar is missing"
else
  say "Kafka $kafka_version jars present"
fi

# The optional RIS (HL7 v2 MLLP) and FHIR R4 peers: HAPI from Maven Central, two small classes compiled here.
hapi_stamp="$HERE/hapi/target/lib/.complete"
if [ ! -f "$hapi_stamp" ] || [ -n "$(find "$HERE/hapi/pom.xml" "$HERE/hapi/src" -newer "$hapi_stamp" -print -quit)" ]; then
  say "building the HAPI peers (MLLP receiver, FHIR server) in deploy/local/hapi"
  rm -rf "$HERE/hapi/target"
  mvn -q -B -Dstyle.color=never -f "$HERE/hapi/pom.xml" package dependency:copy-dependencies \
    -DoutputDirectory=target/lib -DincludeScope=runtime
  compgen -G "$HERE/hapi/target/lib/hapi-base-*.jar" >/dev/null || fail "Maven finished but the HAPI jars are missing in deploy/local/hapi/target/lib"
  touch "$hapi_stamp"
else
  say "HAPI peers built"
fi

# ---- 4. TypeScript build --------------------------------------------------------------------------------------
# Services and the `lungflow` command run from dist/; tsc -b is incremental, so this is quick when nothing changed.
say "building TypeScript (tsc -b)"
npx tsc -b

say "done"
