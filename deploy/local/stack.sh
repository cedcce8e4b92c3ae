#!/usr/bin/env bash
# The real local stack LungFlow runs and tests against: Orthanc (PACS stand-in, DICOMweb), Kafka (KRaft), Redis.
#
#   stack.sh up [component...]     start what is not running, wait until healthy (a second `up` is a no-op)
#   stack.sh down [component...]   stop exactly the processes `up` started (by PID file, never by name)
#   stack.sh status                one line per component; exit 0 iff all are healthy
#   stack.sh check                 quiet: exit 0 iff all components are healthy
#   stack.sh logs <component>      follow a component's log
#
# State, PID files and logs live in .lungflow/ at the repository root (git-ignored). See deploy/local/README.md.
set -euo pipefail
set +m # background servers must stay in this script's process group until setsid detaches them

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STATE=${LUNGFLOW_STATE_DIR:-$ROOT/.lungflow}
STATE=$(mkdir -p "$STATE" && cd "$STATE" && pwd) # absolute: servers start from the repository root
RUN=$STATE/run
LOGS=$STATE/logs

# ---- settings (environment variables; the same names the tests and services read) -------------------------------
export ORTHANC_HTTP_PORT=${ORTHANC_HTTP_PORT:-8042}
export ORTHANC_DICOM_PORT=${ORTHANC_DICOM_PORT:-4242}
export ORTHANC_STABLE_AGE=${ORTHANC_STABLE_AGE:-3}
# A second Orthanc (component `orthanc2`, started only when named: tests of more than one PACS) on its own ports.
export ORTHANC2_HTTP_PORT=${ORTHANC2_HTTP_PORT:-8044}
export ORTHANC2_DICOM_PORT=${ORTHANC2_DICOM_PORT:-4244}
# Development credentials only. Services read DICOMWEB_USERNAME/PASSWORD, so those are honoured here too.
export ORTHANC_USERNAME=${ORTHANC_USERNAME:-${DICOMWEB_USERNAME:-lungflow}}
export ORTHANC_PASSWORD=${ORTHANC_PASSWORD:-${DICOMWEB_PASSWORD:-lungflow}}
export ORTHANC_PLUGINS_DIR=${ORTHANC_PLUGINS_DIR:-/usr/share/orthanc/plugins}
export KAFKA_PORT=${KAFKA_PORT:-9092}
export KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}
export REDIS_PORT=${REDIS_PORT:-6379}
export INGEST_HTTP_PORT=${INGEST_HTTP_PORT:-8081}
# Ingest's DIMSE receiver (C-STORE SCP, AE title LUNGFLOW); locally any calling AE title is accepted (trial set-up).
export INGEST_DIMSE_PORT=${INGEST_DIMSE_PORT:-11112}
export INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES=${INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES:-*}
export INFER_HTTP_PORT=${INFER_HTTP_PORT:-8082}
export REPORT_HTTP_PORT=${REPORT_HTTP_PORT:-8083}
# Locally a study counts as complete after 2 s without a new instance (production: 30 s; see services/ingest).
export INGEST_QUIET_PERIOD_MS=${INGEST_QUIET_PERIOD_MS:-2000}
# The optional hospital-side peers of the result outputs (HAPI, deploy/local/hapi): started only when named.
export RIS_MLLP_PORT=${RIS_MLLP_PORT:-2575}
export FHIR_HTTP_PORT=${FHIR_HTTP_PORT:-8090}
export RIS_MESSAGES_FILE=${RIS_MESSAGES_FILE:-$STATE/ris/messages.hl7}
# Orthanc's /changes is one cheap local query: polling it often is what keeps a radiograph's wait under a second.
export INGEST_POLL_INTERVAL_MS=${INGEST_POLL_INTERVAL_MS:-250}
# When Redis loses its data ingest replays this much of Orthanc's change feed (production: 30 min). Short locally, so
# that a FLUSHALL in a test replays the last minutes, not the whole test suite's studies.
export INGEST_ORTHANC_REPLAY_MS=${INGEST_ORTHANC_REPLAY_MS:-120000}
export LUNGFLOW_ORTHANC_STATE=$STATE/orthanc
export LUNGFLOW_KAFKA_STATE=$STATE/kafka
KAFKA_LIB=$HERE/kafka/lib
HAPI_CP="$HERE/hapi/target/classes:$HERE/hapi/target/lib/*"

# ---- the component table ----------------------------------------------------------------------------------------
# name | text its PID's command line must contain (guards against a reused PID) | seconds allowed to become ready |
# the port variables it binds. Each component also defines start_<name> (sets CMD, the server in the foreground),
# ready_<name> (exit 0 when it serves requests) and describe_<name> (where to reach it); prepare_<name> is optional
# and runs before the launch. Adding a service (ingest, infer, report) is one row and those three functions.
COMPONENTS=(
  "redis    redis-server 30  REDIS_PORT"
  "orthanc  Orthanc      60  ORTHANC_HTTP_PORT ORTHANC_DICOM_PORT"
  "kafka    kafka.Kafka  120 KAFKA_PORT KAFKA_CONTROLLER_PORT"
  "ingest   services/ingest/dist/main.js 60  INGEST_HTTP_PORT INGEST_DIMSE_PORT"
  "infer    services/infer/dist/main.js  120 INFER_HTTP_PORT"
  "report   services/report/dist/main.js 60  REPORT_HTTP_PORT"
  "ris      org.lungflow.local.MllpReceiver 60 RIS_MLLP_PORT"
  "fhir     org.lungflow.local.FhirServer   240 FHIR_HTTP_PORT"
  "orthanc2 orthanc2.log 60  ORTHANC2_HTTP_PORT ORTHANC2_DICOM_PORT"
)
# Started only when named (`stack.sh up ris fhir`): the tests and demos of the result outputs need them, the rest
# of the suite does not, so a plain `up` stays as fast as before. `down` stops them too when they run.
OPTIONAL=" ris fhir orthanc2 "
# LungFlow's own services: launched only once the servers above are healthy (they connect at start-up).
SERVICES=" ingest infer report "

start_redis() {
  mkdir -p "$STATE/redis"
  CMD=(redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes --dir "$STATE/redis"
    --dbfilename dump.rdb --save "60 1000" --appendonly yes --appendfsync everysec --appenddirname appendonly \
    --daemonize no --logfile "")
}
ready_redis() {
  # Bash's /dev/tcp keeps redis-cli optional; a server that is loading its dump answers -LOADING, not PONG.
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 reply <&3 || reply=''
  exec 3<&- 3>&-
  [[ $reply == +PONG* ]]
}
describe_redis() { echo "redis://127.0.0.1:$REDIS_PORT"; }

prepare_orthanc() {
  mkdir -p "$LUNGFLOW_ORTHANC_STATE/db"
  # Orthanc 1.10 cannot be told which address to listen on (see orthanc/loopbackOnly.c): a preloaded bind() keeps
  # its HTTP and DICOM ports on 127.0.0.1. Rebuilt only when the source is newer than the library.
  ORTHANC_LOOPBACK_SHIM=$LUNGFLOW_ORTHANC_STATE/loopbackOnly.so
  if [ ! -f "$ORTHANC_LOOPBACK_SHIM" ] || [ "$HERE/orthanc/loopbackOnly.c" -nt "$ORTHANC_LOOPBACK_SHIM" ]; then
    command -v cc >/dev/null || fail "orthanc: no C compiler (cc) to build the loopback shim; run: npm run setup"
    cc -shared -fPIC -O2 -o "$ORTHANC_LOOPBACK_SHIM" "$HERE/orthanc/loopbackOnly.c" -ldl >>"$LOGS/build.log" 2>&1 ||
      fail "orthanc: building orthanc/loopbackOnly.c failed; read $LOGS/build.log"
  fi
}
start_orthanc() {
  CMD=(env "LD_PRELOAD=$ORTHANC_LOOPBACK_SHIM" Orthanc "--logfile=$LOGS/orthanc.log" "$HERE/orthanc/orthanc.json")
}
ready_orthanc() {
  # Through DICOMweb with the credentials: proves the plugin loaded and authentication works.
  node "$HERE/probes/httpReady.js" "http://127.0.0.1:$ORTHANC_HTTP_PORT/dicom-web/studies?limit=1" \
    "$ORTHANC_USERNAME" "$ORTHANC_PASSWORD"
}
describe_orthanc() {
  echo "http://127.0.0.1:$ORTHANC_HTTP_PORT/dicom-web (DICOM port $ORTHANC_DICOM_PORT, user $ORTHANC_USERNAME, StableAge ${ORTHANC_STABLE_AGE}s)"
}

# The same configuration file with the second instance's ports and state folder (Orthanc reads them from its env).
prepare_orthanc2() { mkdir -p "$STATE/orthanc2/db"; }
start_orthanc2() {
  CMD=(env "ORTHANC_HTTP_PORT=$ORTHANC2_HTTP_PORT" "ORTHANC_DICOM_PORT=$ORTHANC2_DICOM_PORT" "LUNGFLOW_ORTHANC_STATE=$STATE/orthanc2"
    Orthanc "--logfile=$LOGS/orthanc2.log" "$HERE/orthanc/orthanc.json")
}
ready_orthanc2() {
  node "$HERE/probes/httpReady.js" "http://127.0.0.1:$ORTHANC2_HTTP_PORT/dicom-web/studies?limit=1" "$ORTHANC_USERNAME" "$ORTHANC_PASSWORD"
}
describe_orthanc2() { echo "http://127.0.0.1:$ORTHANC2_HTTP_PORT/dicom-web (DICOM port $ORTHANC2_DICOM_PORT, second PACS)"; }

prepare_kafka() {
  compgen -G "$KAFKA_LIB/kafka_2.13-*.jar" >/dev/null ||
    fail "kafka: jars missing in $KAFKA_LIB; run: npm run setup (deploy/local/install.sh)"
  mkdir -p "$LUNGFLOW_KAFKA_STATE/data"
  render "$HERE/kafka/server.properties" "$LUNGFLOW_KAFKA_STATE/server.properties" \
    KAFKA_PORT KAFKA_CONTROLLER_PORT LUNGFLOW_KAFKA_STATE
  if [ ! -f "$LUNGFLOW_KAFKA_STATE/data/meta.properties" ]; then
    local cluster_id
    # base64url may start with '-': passed as "--cluster-id=ID" so the argument parser never reads it as an option.
    cluster_id=$(node -e "process.stdout.write(require('crypto').randomBytes(16).toString('base64url'))")
    say "kafka: formatting storage in $LUNGFLOW_KAFKA_STATE/data (cluster $cluster_id)"
    java -Xmx256m -Dlog4j.configuration="file:$HERE/kafka/log4j.properties" -cp "$KAFKA_LIB/*" \
      kafka.tools.StorageTool format "--cluster-id=$cluster_id" -c "$LUNGFLOW_KAFKA_STATE/server.properties" \
      >>"$LOGS/kafka.log" 2>&1 || fail "kafka: formatting storage failed; read $LOGS/kafka.log"
  fi
}
start_kafka() {
  # shellcheck disable=SC2206 # KAFKA_HEAP_OPTS is a list of JVM flags on purpose
  CMD=(java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true -Dlog4j.configuration="file:$HERE/kafka/log4j.properties"
    -cp "$KAFKA_LIB/*" kafka.Kafka "$LUNGFLOW_KAFKA_STATE/server.properties")
}
ready_kafka() { node "$HERE/probes/kafkaReady.js" "127.0.0.1:$KAFKA_PORT" 3000; }
describe_kafka() { echo "127.0.0.1:$KAFKA_PORT (KRaft controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"; }

prepare_hapi() {
  compgen -G "$HERE/hapi/target/lib/hapi-base-*.jar" >/dev/null && [ -d "$HERE/hapi/target/classes/org" ] ||
    fail "$1: HAPI peers not built in $HERE/hapi/target; run: npm run setup (deploy/local/install.sh)"
}
prepare_ris() { prepare_hapi ris; mkdir -p "$(dirname "$RIS_MESSAGES_FILE")"; }
start_ris() {
  CMD=(env "MLLP_PORT=$RIS_MLLP_PORT" "MLLP_HOST=127.0.0.1" "MLLP_MESSAGES_FILE=$RIS_MESSAGES_FILE"
    java -Xms32m -Xmx128m -XX:TieredStopAtLevel=1 -cp "$HAPI_CP" org.lungflow.local.MllpReceiver)
}
ready_ris() { port_busy "$RIS_MLLP_PORT"; }
describe_ris() { echo "mllp://127.0.0.1:$RIS_MLLP_PORT (HAPI HL7v2; accepted messages in $RIS_MESSAGES_FILE)"; }

prepare_fhir() { prepare_hapi fhir; }
start_fhir() {
  CMD=(env "FHIR_PORT=$FHIR_HTTP_PORT" "FHIR_HOST=127.0.0.1"
    java -Xms64m -Xmx768m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$HAPI_CP" org.lungflow.local.FhirServer)
}
ready_fhir() { node "$HERE/probes/httpReady.js" "http://127.0.0.1:$FHIR_HTTP_PORT/fhir/metadata"; }
describe_fhir() { echo "http://127.0.0.1:$FHIR_HTTP_PORT/fhir (HAPI FHIR R4, in memory, R4 base-profile validation)"; }

# The services run from their built dist/ (tsc -b is incremental: a no-op when nothing changed), configured only
# through environment variables pointing at the servers above.
build_services() {
  [ -n "${SERVICES_BUILT:-}" ] && return 0
  say "services: building (npx tsc -b)"
  (cd "$ROOT" && npx tsc -b services/ingest services/infer services/report) >>"$LOGS/build.log" 2>&1 ||
    fail "services: build failed; read $LOGS/build.log"
  SERVICES_BUILT=1
}
service_env() { # service_env <name>: CMD prefix with the stack's addresses
  SERVICE_ENV=(env "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT" "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    "DICOMWEB_URL=http://127.0.0.1:$ORTHANC_HTTP_PORT/dicom-web" "DICOMWEB_USERNAME=$ORTHANC_USERNAME"
    "DICOMWEB_PASSWORD=$ORTHANC_PASSWORD" "HTTP_HOST=127.0.0.1")
}
ready_service() { node "$HERE/probes/httpReady.js" "http://127.0.0.1:$1/readyz"; }

prepare_ingest() { build_services; }
start_ingest() {
  service_env
  CMD=("${SERVICE_ENV[@]}" "INGEST_ORTHANC_URL=http://127.0.0.1:$ORTHANC_HTTP_PORT" "INGEST_DIMSE_ENABLED=true"
    "INGEST_DIMSE_HOST=127.0.0.1" "INGEST_DIMSE_PORT=$INGEST_DIMSE_PORT"
    "INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES=$INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES" node services/ingest/dist/main.js)
}
ready_ingest() { ready_service "$INGEST_HTTP_PORT"; }
describe_ingest() { echo "http://127.0.0.1:$INGEST_HTTP_PORT (Orthanc changes, quiet period ${INGEST_QUIET_PERIOD_MS} ms; DIMSE LUNGFLOW@127.0.0.1:$INGEST_DIMSE_PORT)"; }

prepare_infer() { build_services; }
start_infer() {
  service_env
  # Two of the machine's cores at most: the stack shares it with builds and tests.
  CMD=("${SERVICE_ENV[@]}" "INFER_INTRA_OP_THREADS=${INFER_INTRA_OP_THREADS:-2}" node services/infer/dist/main.js)
}
ready_infer() { ready_service "$INFER_HTTP_PORT"; }
describe_infer() { echo "http://127.0.0.1:$INFER_HTTP_PORT (models from ${MODEL_DIR:-models/})"; }

prepare_report() { build_services; }
start_report() {
  service_env
  CMD=("${SERVICE_ENV[@]}" node services/report/dist/main.js)
}
ready_report() { ready_service "$REPORT_HTTP_PORT"; }
describe_report() { echo "http://127.0.0.1:$REPORT_HTTP_PORT/ (worklist page; API /api/v1, OpenAPI /api/v1/openapi.json)"; }

# ---- machinery --------------------------------------------------------------------------------------------------
say() { printf '%s\n' "$*"; }
fail() { printf 'stack: %s\n' "$*" >&2; exit 1; }

# Replace ${NAME} for the listed variables only (no envsubst on a bare Debian).
render() {
  local template=$1 target=$2 text name
  text=$(<"$template")
  shift 2
  for name in "$@"; do text=${text//\$\{$name\}/${!name}}; done
  printf '%s\n' "$text" >"$target"
}

row() { # row <name> -> sets NAME PATTERN TIMEOUT PORTS
  local line
  for line in "${COMPONENTS[@]}"; do
    read -r NAME PATTERN TIMEOUT PORTS <<<"$line"
    [ "$NAME" = "$1" ] && return 0
  done
  fail "unknown component '$1' (known: $(names all | tr '\n' ' '))"
}
names() { # the default set: every component but the optional ones; `names all` includes those
  local line name
  for line in "${COMPONENTS[@]}"; do
    name=${line%% *}
    [ "${1:-}" != all ] && [[ $OPTIONAL == *" $name "* ]] && continue
    echo "$name"
  done
}

pid_of() { # prints the PID of a running component that we started; removes a stale PID file
  local name=$1 pidfile="$RUN/$1.pid" pid
  [ -f "$pidfile" ] || return 1
  pid=$(<"$pidfile")
  if [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$PATTERN"; then
    echo "$pid"
    return 0
  fi
  say "$name: removing stale PID file (PID ${pid:-?} is not running $PATTERN)" >&2
  rm -f "$pidfile"
  return 1
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch() {
  local name=$1 var pid
  for var in $PORTS; do
    port_busy "${!var}" && fail "$name: port ${!var} ($var) is already in use by a process this stack did not start; stop it or set $var"
  done
  if declare -F "prepare_$name" >/dev/null; then "prepare_$name"; fi
  "start_$name"
  say "$name: starting (log: $LOGS/$name.log)"
  # setsid detaches the server from the caller's terminal and signals; exec keeps $! the server's own PID.
  # fd 9 (the stack lock) is closed so the server does not hold the lock for its whole life.
  (cd "$ROOT" && exec setsid "${CMD[@]}" </dev/null >>"$LOGS/$name.log" 2>&1 9>&-) &
  pid=$!
  echo "$pid" >"$RUN/$name.pid"
  # Until the subshell has exec'd, its command line is this script's and pid_of would call the PID file stale.
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$PATTERN" && break
    sleep 0.05
  done
}

await() { # await <name>: poll ready_<name> until the component's deadline; on failure stop it and name the log
  local name=$1 deadline pid
  # STACK_READY_TIMEOUT overrides every component's allowance (slow machines; tests of this very path).
  local allowed=${STACK_READY_TIMEOUT:-$TIMEOUT}
  deadline=$((SECONDS + allowed))
  while [ "$SECONDS" -lt "$deadline" ]; do
    pid=$(pid_of "$name" 2>/dev/null) || {
      tail -n 15 "$LOGS/$name.log" >&2 || true
      fail "$name exited during start-up; read $LOGS/$name.log"
    }
    if "ready_$name" >/dev/null 2>&1; then
      say "$name: healthy at $("describe_$name") (PID $pid)"
      return 0
    fi
    sleep 0.5
  done
  tail -n 15 "$LOGS/$name.log" >&2 || true
  stop "$name" >/dev/null 2>&1 || true
  fail "$name did not become healthy within ${allowed}s; stopped it; read $LOGS/$name.log"
}

stop() {
  local name=$1 pid i
  row "$name"
  if ! pid=$(pid_of "$name"); then say "$name: not running"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  # Kafka's controlled shutdown takes a few seconds; give everyone 40 s before SIGKILL.
  for ((i = 0; i < 400; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name: still running after 40 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
  say "$name: stopped (PID $pid)"
}

write_env() {
  # What a service or script needs to reach this stack: `set -a; . .lungflow/stack.env; set +a`.
  cat >"$STATE/stack.env" <<EOF
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
DICOMWEB_URL=http://127.0.0.1:$ORTHANC_HTTP_PORT/dicom-web
DICOMWEB_USERNAME=$ORTHANC_USERNAME
DICOMWEB_PASSWORD=$ORTHANC_PASSWORD
EOF
}

cmd_up() {
  local name pending_name pending=()
  for name in "$@"; do
    row "$name"
    if [[ $SERVICES == *" $name "* ]]; then
      # A service connects to Kafka, Redis and Orthanc at start-up: wait for what was launched so far first.
      for pending_name in "${pending[@]}"; do row "$pending_name"; await "$pending_name"; done
      pending=()
      row "$name"
    fi
    if pid_of "$name" >/dev/null; then
      # Already ours and running: only confirm health (a no-op for a healthy stack).
      say "$name: already running"
      pending+=("$name")
    else
      launch "$name"
      pending+=("$name")
    fi
  done
  for name in "${pending[@]}"; do row "$name"; await "$name"; done
  write_env
}

cmd_down() {
  local name list=()
  for name in "$@"; do list=("$name" "${list[@]}"); done # reverse start order
  for name in "${list[@]}"; do stop "$name"; done
}

cmd_status() {
  local name pid state all=0
  for name in "$@"; do
    row "$name"
    if pid=$(pid_of "$name" 2>/dev/null); then
      if "ready_$name" >/dev/null 2>&1; then state=healthy; else state=unhealthy; all=1; fi
      printf '%-8s %-9s PID %-7s %s\n' "$name" "$state" "$pid" "$("describe_$name")"
    else
      all=1
      printf '%-8s %-9s %-11s %s\n' "$name" stopped '' "log: $LOGS/$name.log"
    fi
  done
  return $all
}

cmd_check() {
  local name pid
  for name in "$@"; do
    row "$name"
    pid=$(pid_of "$name" 2>/dev/null) || return 1
    "ready_$name" >/dev/null 2>&1 || return 1
  done
}

main() {
  local action=${1:-}
  shift || true
  local targets=("$@")
  if [ ${#targets[@]} -eq 0 ]; then
    local name
    for name in $(names all); do
      # Optional components belong to a plain `up`/`status`/`check` only while they run; `down` always stops them.
      if [[ $OPTIONAL == *" $name "* && $action != down ]]; then row "$name"; pid_of "$name" >/dev/null 2>&1 || continue; fi
      targets+=("$name")
    done
  fi
  mkdir -p "$RUN" "$LOGS"
  case $action in
    up | down)
      # One `up`/`down` at a time: parallel test runs must not launch the same server twice.
      exec 9>"$RUN/stack.lock"
      flock -w 300 9 || fail "another stack.sh up/down has held $RUN/stack.lock for 5 minutes"
      "cmd_$action" "${targets[@]}"
      ;;
    status) cmd_status "${targets[@]}" || exit 3 ;;
    check) cmd_check "${targets[@]}" ;;
    logs)
      [ ${#targets[@]} -eq 1 ] || fail "usage: stack.sh logs <component>"
      row "${targets[0]}"
      exec tail -n 50 -F "$LOGS/${targets[0]}.log"
      ;;
    *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"
