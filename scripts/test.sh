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
