#!/usr/bin/env bash
# Python tests of the training pipeline (scripts/test.sh passes --junitxml=...). Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/setup.sh"
cd "$here/.."
exec "$here/.venv/bin/python" -m pytest training/tests "$@"
