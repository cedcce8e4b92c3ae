#!/usr/bin/env bash
# The README's test command (`npm test`), also what CI runs (.ci/run). On a fresh clone it does its own set-up:
# Debian packages, npm dependencies, Kafka jars, Python environment; then starts the real local stack (Orthanc,
# Kafka, Redis), runs every suite, and prints one closing line `lungflow: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/test-output
rm -rf "$OUT" && mkdir -p "$OUT"
started_at=$(date +%s)

step() { printf '\n== %s\n' "$*"; }

step "set-up (idempotent)"
bash deploy/local/install.sh
# The Python environment is set up here, not only before the pytest step: the review browser test runs
# training/.venv's python to export reviewed studies for training.
bash training/setup.sh

step "typecheck and lint"
npx tsc -b
npx eslint .

step "unit tests"
status=0
npx jest --selectProjects unit --json --outputFile="$OUT/jest-unit.json" || status=1

step "local stack"
# Start the stack unless it already runs; stop it at the end only if this run started it.
stack_was_up=0
bash deploy/local/stack.sh check >/dev/null 2>&1 && stack_was_up=1
bash deploy/local/stack.sh up
# The result outputs' peers (HAPI MLLP receiver, HAPI FHIR server) are optional components: only
# services/report/src/outputs/outputs.int.test.ts needs them. Stopped at the end if this run started them.
peers_were_up=0
bash deploy/local/stack.sh check ris fhir >/dev/null 2>&1 && peers_were_up=1
bash deploy/local/stack.sh up ris fhir
stop_stack() {
  if [ "$stack_was_up" = 0 ]; then bash deploy/local/stack.sh down >/dev/null 2>&1 || true
  elif [ "$peers_were_up" = 0 ]; then bash deploy/local/stack.sh down fhir ris >/dev/null 2>&1 || true; fi
}
if [ "${LUNGFLOW_KEEP_STACK:-0}" != 1 ]; then trap stop_stack EXIT; fi

step "integration and end-to-end tests (real Orthanc, Kafka, Redis; HAPI MLLP and FHIR peers)"
npx jest --selectProjects integration --runInBand --forceExit --json --outputFile="$OUT/jest-integration.json" || status=1

step "soak at CI size (issue 16): two replicas per service, faults at random moments, nothing lost or twice"
# npm run soak at the issue's CI size, 1,000 studies and 20 faults (the first 10 cover every fault kind and every
# replica), ~13 minutes on the 2-core machine, most of it the faults, one after another; the fixed seed replays the
# same studies and fault schedule (the timing is the machine's). The 5,000-study run and its figures: test/soak/README.md.
soak_rc=0
SOAK_STUDIES="${SOAK_STUDIES:-1000}" SOAK_FAULTS="${SOAK_FAULTS:-20}" SOAK_SPAN_MS="${SOAK_SPAN_MS:-180000}" \
  SOAK_SEED="${SOAK_SEED:-20261203}" npm run --silent soak 2>&1 | tee "$OUT/soak.log" || soak_rc=$?
soak_line=$(grep '^soak: ' "$OUT/soak.log" | tail -1 | sed 's/&/\&amp;/g; s/</\&lt;/g; s/"/\&quot;/g' || true)
{
  echo '<testsuite name="soak">'
  if [ "$soak_rc" = 0 ] && [ -n "$soak_line" ]; then echo "<testcase name=\"$soak_line\"/>"
  else echo "<testcase name=\"npm run soak\"><failure message=\"exit $soak_rc: ${soak_line:-no summary line}\"/></testcase>"; fi
  echo '</testsuite>'
} > "$OUT/soak.xml"
[ "$soak_rc" = 0 ] || status=1
# the soak leaves the stack's own ingest/infer/report stopped; a stack that was up before this run is given back whole
if [ "$stack_was_up" = 1 ]; then bash deploy/local/stack.sh up >/dev/null || status=1; fi

if [ -x training/test.sh ]; then
  step "training tests (Python)"
  training/test.sh --junitxml="$OUT/pytest.xml" || status=1
fi

if [ -x deploy/k8s/validate.sh ]; then
  step "Kubernetes chart validation"
  deploy/k8s/validate.sh --junit "$OUT/k8s.xml" || status=1
fi

step "summary"
node scripts/summarizeTests.js "$OUT" "$(( $(date +%s) - started_at ))" || status=1
exit $status
