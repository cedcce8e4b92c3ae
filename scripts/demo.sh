#!/usr/bin/env bash
# The demo (`npm run demo`). First version: set up, start the local stack, store every sample study (samples/)
# into Orthanc over STOW-RS and print what the PACS now holds. Later steps grow this into the full triage demo.
# Needs nothing from ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${LUNGFLOW_STATE_DIR:-$PWD/.lungflow}

step() { printf '\n== %s\n' "$*"; }

step "set-up (idempotent)"
bash deploy/local/install.sh

step "local stack (Orthanc, Kafka, Redis)"
bash deploy/local/stack.sh up

step "store the sample studies into the PACS"
# The addresses and development credentials of the stack just started.
set -a
# shellcheck source=/dev/null
. "$STATE/stack.env"
set +a
npx tsx --tsconfig scripts/tsconfig.json scripts/storeSamples.ts samples

cat <<EOT

Browse them in Orthanc: http://127.0.0.1:${ORTHANC_HTTP_PORT:-8042}/app/explorer.html (user ${DICOMWEB_USERNAME}, password ${DICOMWEB_PASSWORD})
Stop the stack with: npm run stack:down
EOT
