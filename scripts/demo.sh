#!/usr/bin/env bash
# The demo (`npm run demo`): set up, start the local stack (Orthanc, Kafka, Redis and LungFlow's ingest, infer and
# report services), store every sample study (samples/) into Orthanc over STOW-RS, wait for LungFlow's results and
# print them (decision, probability, seconds from stored to report) with the worklist's URL. The stack keeps
# running until `npm run stack:down`. Needs nothing from ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${LUNGFLOW_STATE_DIR:-$PWD/.lungflow}

step() { printf '\n== %s\n' "$*"; }

step "set-up (idempotent)"
bash deploy/local/install.sh

step "local stack (Orthanc, Kafka, Redis; ingest, infer, report)"
bash deploy/local/stack.sh up

step "store the sample studies into the PACS and wait for the results"
# The addresses and development credentials of the stack just started.
set -a
# shellcheck source=/dev/null
. "$STATE/stack.env"
set +a
REPORT_URL=http://127.0.0.1:${REPORT_HTTP_PORT:-8083} INGEST_QUIET_PERIOD_MS=${INGEST_QUIET_PERIOD_MS:-2000} \
  npx tsx --tsconfig scripts/tsconfig.json scripts/storeSamples.ts samples

cat <<EOT

Worklist (prioritised, live): http://127.0.0.1:${REPORT_HTTP_PORT:-8083}/   (API: /api/v1/worklist, OpenAPI: /api/v1/openapi.json)
Browse them in Orthanc: http://127.0.0.1:${ORTHANC_HTTP_PORT:-8042}/app/explorer.html (user ${DICOMWEB_USERNAME}, password ${DICOMWEB_PASSWORD})
The stack keeps running; stop it with: npm run stack:down
EOT
