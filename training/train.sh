#!/usr/bin/env bash
# One command per model: training/train.sh cxr|ct|cxr-v2|lesions [--include-reviewed DIR]
# set-up -> frozen split -> train both LUT arms (pseudo-colour 'jet' and the gray ablation; same seed, budget,
# split) -> evaluate each exported ONNX on the test split -> card (ships the arm best on VALIDATION) -> golden vectors.
# LUNGFLOW_REUSE_RUNS=1 keeps an arm whose training/runs/<task>-<colour>/train_log.json already exists.
set -euo pipefail
usage="usage: training/train.sh cxr|ct|cxr-v2|lesions [--include-reviewed DIR]"
task=${1:?$usage}
shift
case "$task" in cxr|ct|cxr-v2|lesions) ;; *) echo "unknown task $task" >&2; exit 2 ;; esac
here="$(cd "$(dirname "$0")" && pwd)"
# --include-reviewed DIR: add the reviewed cases exported from a PACS by `python -m lungflow_training.reviewed --out DIR`
# (the review feedback loop) to cxr-v2 training as their own site; their split is fixed per patient by a hash.
while [ $# -gt 0 ]; do
  case "$1" in
    --include-reviewed)
      [ "$task" = cxr-v2 ] || { echo "--include-reviewed applies to cxr-v2" >&2; exit 2; }
      dir=${2:?$usage}
      [ -f "$dir/manifest.csv" ] || { echo "no manifest.csv in $dir (export it with python -m lungflow_training.reviewed)" >&2; exit 2; }
      export LUNGFLOW_REVIEWED_DIR="$(cd "$dir" && pwd)"
      shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
cd "$here"
bash setup.sh
PY="$here/.venv/bin/python"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

if [ "$task" = lesions ]; then
  # issue 12: lesion measurements from the released cxr-v2 graph (CAM inside its lungs, no lesion masks exist), severity
  # and clinical-indicator regressions with patient-group nested CV -> models/cxr-v2/lesions.json, lesions-golden.json,
  # evaluation/lesions.json and the model card's section. Needs only models/cxr-v2 and ../shared/data (a few minutes).
  "$PY" -m lungflow_training.v2.lesions --release ../models/cxr-v2
  echo "== models/cxr-v2 lesions"
  exit 0
fi

if [ "$task" = cxr-v2 ]; then
  # v2 (issue 11): frozen group-level split -> lung segmentation -> classifier per LUT arm, on all sites and with each
  # site held out (leave-one-source-out) -> release (arm and threshold chosen on the held-out-site predictions; the
  # test split is scored once, at the end). The two arms train side by side, one thread each.
  "$PY" -m lungflow_training.v2.data
  [ "${LUNGFLOW_REUSE_RUNS:-0}" = 1 ] && [ -f runs/lungseg/lungseg.pt ] || "$PY" -m lungflow_training.v2.lungseg --epochs "${SEG_EPOCHS:-18}"
  # every leave-one-source-out unit that release.py pools (ieee8023's cases by publishing site, Hannover, NIH, the
  # children), plus the stricter whole-ieee8023 fold (release.py ranks an arm whose folds are incomplete last)
  loso_sites=$("$PY" -c "from lungflow_training.v2.data import LOSO_SITES; print(' '.join(LOSO_SITES))")
  arm() {
    for holdout in none ieee8023 $loso_sites; do
      run="runs/cxr-v2/$1-$holdout"
      if [ "${LUNGFLOW_REUSE_RUNS:-0}" = 1 ] && [ -f "$run/classifier.pt" ]; then echo "== reusing $run"; continue; fi
      "$PY" -m lungflow_training.v2.train --lut "$1" --holdout "$holdout" --epochs "${EPOCHS:-12}" --threads 1 --out "$run"
    done
  }
  "$PY" -c "from lungflow_training.v2.train import load_all; load_all()"  # segmentation crops, cached once for both arms
  arm jet & jet=$!
  arm gray & gray=$!
  wait $jet && wait $gray
  "$PY" -m lungflow_training.v2.release --runs runs/cxr-v2 --out ../models/cxr-v2 --command "training/train.sh cxr-v2"
  mkdir -p released && "$PY" - <<'PYEOF'
import json, shutil
from pathlib import Path
card = json.loads(Path("../models/cxr-v2/card.json").read_text())
lut = card["lut"]["name"]
shutil.copyfile("runs/lungseg/lungseg.pt", "released/lungseg-v1.pt")
shutil.copyfile(f"runs/cxr-v2/{lut}-none/classifier.pt", "released/cxr-v2-classifier.pt")
print(f"shipped arm {lut}; weights -> training/released/")
PYEOF
  # a new graph invalidates lesions.json (it names the model's sha) and release.py rewrote the model card: refit
  "$PY" -m lungflow_training.v2.lesions --release ../models/cxr-v2
  echo "== released models/cxr-v2"
  exit 0
fi

"$PY" -m lungflow_training.split --task "$task"
arms=()
for lut in jet gray; do
  color=$([ "$lut" = jet ] && echo pseudo || echo gray)
  run="runs/$task-$color"
  arms+=("$run")
  if [ "${LUNGFLOW_REUSE_RUNS:-0}" = 1 ] && [ -f "$run/train_log.json" ]; then
    echo "== reusing $run"
  else
    echo "== training $run"
    "$PY" -m lungflow_training.train --task "$task" --lut "$lut" --out "$run"
  fi
  echo "== evaluating $run"
  "$PY" -m lungflow_training.evaluate --task "$task" --model "$run/model.onnx" --out "$run/evaluation"
done

release="$here/../models/$task-v1"
mkdir -p "$release"
"$PY" -m lungflow_training.card --task "$task" --release "$release" --ablation "${arms[@]}" \
  --command "training/train.sh $task"
# Keep the PyTorch weights of the arm that shipped, so a test can compare ONNX and PyTorch outputs.
"$PY" - "$task" "$release" "${arms[@]}" <<'PYEOF'
import hashlib, shutil, sys
from pathlib import Path
task, release, arms = sys.argv[1], Path(sys.argv[2]), [Path(a) for a in sys.argv[3:]]
digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
shipped = digest(release / "model.onnx")
arm = next(a for a in arms if digest(a / "model.onnx") == shipped)
dest = Path("released") / f"{task}-v1.pt"
dest.parent.mkdir(exist_ok=True)
shutil.copyfile(arm / "model.pt", dest)
print(f"shipped arm {arm.name}; weights -> training/{dest}")
PYEOF
"$PY" -m lungflow_training.golden --task "$task" --model "$release/model.onnx" --out "$release/golden.json"
echo "== released models/$task-v1"
