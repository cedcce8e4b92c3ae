#!/usr/bin/env bash
# Creates training/.venv and installs the pinned requirements. Idempotent: a stamp holding the hash of
# requirements.txt makes a second run return in well under a second.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
"$VENV/bin/python" -c "import torch, onnxruntime, onnx, pandas, sklearn, PIL" 
echo "$want" > "$STAMP"
echo "training/.venv ready ($(du -sh "$VENV" | cut -f1))"
