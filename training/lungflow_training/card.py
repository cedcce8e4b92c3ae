"""Release card: card.json (what serving reads, validated by libs/inference) and model-card.md (for people).

python -m lungflow_training.card --task cxr --release models/cxr-v1 --chosen training/runs/cxr-pseudo \
    --ablation training/runs/cxr-gray training/runs/cxr-pseudo

Each run dir holds D1's `model.onnx` and `train_log.json` and the evaluator's `evaluation/evaluation.json`. The
chosen run's model and evaluation folder are copied into the release, so the card's sha256 and every figure in it
describe the file that ships.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional

from .evaluate.card_content import (CLASS_CODES, DATA_SOURCES, MODALITIES, OUTPUTS, WINDOWING, audit_findings,
                                    limitations, render_markdown)
from .evaluate.runner import jsonable, sha256

REQUIRED_FIELDS = ("id", "version", "task", "modality", "classes", "input", "preprocessing", "lut", "outputs",
                   "temperature", "operatingPoint", "metrics", "data", "training", "files", "limitations")


def read_json(path: Path) -> Dict:
    with open(path) as f:
        return json.load(f)


def arm_summary(run_dir: Path) -> Dict[str, object]:
    """One ablation arm: its colour mapping and test metrics, read from its own evaluation."""
    log = read_json(run_dir / "train_log.json")
    ev = read_json(evaluation_dir(run_dir) / "evaluation.json")
    op = ev["test"]["operating_point"]
    return {"run": run_dir.name, "color": log_value(log, "color"), "lut": log_value(log, "lut"),
            "threshold": op["threshold"],
            "test": {k: op[k] for k in ("sensitivity", "specificity", "f1", "roc_auc")},
            "macroF1": ev["test"]["overall"]["macro_f1"], "ece": ev["test"]["overall"]["ece"],
            "validationSelectionMetric": {"name": log.get("val_metric_name"), "value": log.get("val_metric")}}


def ablation_choice(chosen: Path, ablation: List[Path]) -> Dict[str, object]:
    """The arms compare on their VALIDATION selection metric (the test split must not pick the model)."""
    values = {}
    name = None
    for run in ablation:
        log = read_json(run / "train_log.json")
        name = log.get("val_metric_name")
        values[run.name] = log.get("val_metric")
    best = max((v, k) for k, v in values.items() if v is not None)[1] if any(
        v is not None for v in values.values()) else None
    return {"criterion": f"validation {name}", "values": values, "chosen": chosen.name,
            "chosenIsBestOnValidation": best == chosen.name}


def best_on_validation(ablation: List[Path]) -> Path:
    choice = ablation_choice(ablation[0], ablation)
    values = {k: v for k, v in choice["values"].items() if v is not None}  # type: ignore[union-attr]
    if not values:
        raise ValueError("no ablation arm has a validation metric in its train_log.json")
    best = max(values, key=values.get)  # type: ignore[arg-type]
    return next(a for a in ablation if a.name == best)


def evaluation_dir(run_dir: Path) -> Path:
    """The evaluator's --out for a run: <run>/evaluation by convention, or the run dir itself."""
    for candidate in (run_dir / "evaluation", run_dir):
        if (candidate / "evaluation.json").exists():
            return candidate
    raise FileNotFoundError(f"no evaluation.json in {run_dir}/evaluation or {run_dir}: run "
                            f"python -m lungflow_training.evaluate --out {run_dir}/evaluation first")


def log_value(log: Dict, *keys: str) -> Optional[object]:
    """train_log.json keeps most settings under `config`; look there and at the top level."""
    for key in keys:
        for scope in (log, log.get("config", {})):
            if isinstance(scope, dict) and key in scope:
                return scope[key]
    return None


def data_counts(task: str, data_dir: Path, split_file: Path) -> Dict[str, object]:
    from .evaluate.data import TASK_CLASSES
    from .manifest import load_manifest
    import pandas as pd

    frame = load_manifest(data_dir)
    frame = frame[frame["task"] == task].merge(pd.read_csv(split_file, dtype=str)[["patient_id", "split"]],
                                              on="patient_id", how="left")
    out: Dict[str, object] = {}
    for split in ("train", "val", "test"):
        part = frame[frame["split"] == split]
        out[split] = {
            "images": int(len(part)), "patients": int(part["patient_id"].nunique()),
            "byClass": {c: int((part["label"] == c).sum()) for c in TASK_CLASSES[task]},
            "bySourceAndClass": {f"{s}/{c}": int(n) for (s, c), n in
                                 part.groupby(["source", "label"]).size().sort_index().items()},
        }
    return out


def build_card(task: str, release: Path, chosen: Path, ablation: List[Path], data_dir: Path, split_file: Path,
               command: str) -> Dict[str, object]:
    log = read_json(chosen / "train_log.json")
    ev = read_json(evaluation_dir(chosen) / "evaluation.json")
    classes = ev["classes"]
    op = ev["operating_point"]
    temperature = log_value(log, "temperature")
    card: Dict[str, object] = {
        "id": release.name,
        "version": "1.0.0",
        "task": task,
        "modality": MODALITIES[task],
        "intendedUse": "Worklist triage aid: flags studies for earlier reading. Not for diagnosis; every study is "
                       "still read by a radiologist.",
        "classes": [{"name": c, **CLASS_CODES[c]} for c in classes],
        "input": {"name": "image", "size": ev["model"]["input_size"], "dtype": "uint8", "layout": "NCHW",
                  "channels": 1},
        "preprocessing": preprocessing_contract(task, int(ev["model"]["input_size"])),
        "lut": lut_description(log),
        "outputs": OUTPUTS,
        "temperature": float(temperature) if temperature is not None else None,
        "operatingPoint": {"className": ev["positive_class"], "threshold": op["threshold"],
                           "chosenOn": "validation", "targetSensitivity": op["target_sensitivity"],
                           "validationSensitivity": op["validation_sensitivity"],
                           "validationSpecificity": op["validation_specificity"],
                           "rule": "flag when P(class) >= threshold; highest threshold reaching the target"},
        "metrics": {"split": "test (patient-level)", "ci": ev["bootstrap"], "perClass": ev["test"]["per_class"],
                    "operatingPoint": ev["test"]["operating_point"], "overall": ev["test"]["overall"],
                    "confusionMatrix": ev["confusion_matrix"], "targets": targets(task, ev)},
        "audits": audit_summary(ev),
        "ablation": [arm_summary(a) for a in ablation],
        "ablationChoice": ablation_choice(chosen, ablation),
        "data": {"sources": DATA_SOURCES[task], "splitFile": f"training/splits/{split_file.name}",
                 "counts": data_counts(task, data_dir, split_file)},
        "training": {"command": command, "runCommand": log.get("command"), "commit": log.get("git_commit"),
                     "seed": log_value(log, "seed"), "durationSeconds": (log.get("timing") or {}).get("duration_seconds"),
                     "device": log_value(log, "device") or f"CPU (torch threads: {log_value(log, 'threads')})",
                     "epochs": log_value(log, "epochs"), "bestEpoch": log.get("best_epoch"),
                     "maxSteps": log_value(log, "max_steps"), "perClassLimit": log_value(log, "per_class"),
                     "flopsPerImage": log.get("flops_per_image"), "parameters": log.get("parameters"),
                     "onnxMaxAbsDiff": log.get("onnx_max_abs_diff")},
        "files": {"model": "model.onnx", "sha256": sha256(release / "model.onnx"), "evaluation": "evaluation/"},
        "limitations": limitations(task, ev, log),
    }
    return jsonable(card)  # type: ignore[return-value]


def preprocessing_contract(task: str, size: int) -> Dict[str, object]:
    """What serving must do before the graph; the numbers come from D1's preprocessing module itself."""
    from . import preprocess

    return {
        "decode": "8-bit grey; colour files by ITU-R 601-2 luma (PIL 'L'), alpha dropped",
        "windowing": WINDOWING[task],
        # One resize only; `filter` is the key libs/inference reads (it falls back to bilinear without it).
        "effectiveResolution": {"maxSize": preprocess.EFFECTIVE,
                                "note": "the model size never exceeds the coarsest source's 224 px, so the one "
                                        "resize below brings every source to the same effective resolution"},
        "resize": {"size": size, "filter": preprocess.KERNEL, "kernel": preprocess.KERNEL, "fit": "fill",
                   "crop": False, "steps": 1,
                   "implementation": f"Pillow Image.resize(({size}, {size}), Image.LANCZOS) on the 8-bit grey "
                                     "image (libs/inference pillowResize reproduces it exactly)"},
        "insideGraph": ["LUT (grey to RGB)", "normalisation", "CNN", "temperature", "softmax", "CAM"],
    }


def lut_description(log: Dict) -> Dict[str, object]:
    from .lut import DESCRIPTIONS

    name = str(log_value(log, "lut"))
    return {"name": name, "description": DESCRIPTIONS.get(name, "unknown"), "color": log_value(log, "color"),
            "table": "256x3 uint8, see training/lungflow_training/lut.py", "insideGraph": True}


def targets(task: str, ev: Dict) -> List[Dict[str, object]]:
    from .evaluate.report import TARGETS

    rows = []
    for name, (group, key), target in TARGETS[task]:
        m = ev["test"][group][key]
        rows.append({"metric": name, "target": target, "test": m,
                     "metPointEstimate": m["value"] is not None and m["value"] >= target,
                     "metLowerBound": m["ci_low"] is not None and m["ci_low"] >= target})
    return rows


def audit_summary(ev: Dict) -> Dict[str, object]:
    a = ev["audits"]
    probes = {k: ({"skipped": v["skipped"]} if "skipped" in v else
                  {"balancedAccuracy": v["balanced_accuracy"], "chance": v["chance"], "sources": v["sources"]})
              for k, v in a["source_probe"]["probes"].items()}
    return {"sourceProbe": probes, "masking": a["masking"], "byAgeGroup": a["by_age_group"],
            "bySource": a["by_source"], "findings": audit_findings(a, ev["positive_class"],
                                             ev["test"]["operating_point"]["specificity"]["value"])}


def release(task: str, release_dir: Path, chosen: Path, ablation: List[Path], data_dir: Path, split_file: Path,
            command: str) -> Dict[str, object]:
    release_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(chosen / "model.onnx", release_dir / "model.onnx")
    target_eval = release_dir / "evaluation"
    if target_eval.exists():
        shutil.rmtree(target_eval)
    source_eval = evaluation_dir(chosen)
    shutil.copytree(source_eval, target_eval,
                    ignore=None if source_eval.name == "evaluation" else shutil.ignore_patterns("*.onnx", "*.pt", "*.log",
                                                                                               "train_log.json"))
    card = build_card(task, release_dir, chosen, ablation, data_dir, split_file, command)
    missing = [f for f in REQUIRED_FIELDS if f not in card]
    if missing:
        raise ValueError(f"card lacks {missing}")
    (release_dir / "card.json").write_text(json.dumps(card, indent=2, allow_nan=False) + "\n")
    (release_dir / "model-card.md").write_text(render_markdown(card))
    return card


def main(argv: Optional[List[str]] = None) -> int:
    from .paths import TRAINING_DIR, shared_data_dir

    p = argparse.ArgumentParser(prog="python -m lungflow_training.card", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", choices=["cxr", "ct"], required=True)
    p.add_argument("--release", type=Path, required=True, help="e.g. models/cxr-v1")
    p.add_argument("--chosen", type=Path, default=None,
                   help="run dir of the arm that ships (default: the ablation arm best on validation)")
    p.add_argument("--ablation", type=Path, nargs="*", default=[], help="run dirs of every ablation arm")
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--split-file", type=Path, default=None)
    p.add_argument("--command", default=None, help="training command recorded in the card")
    args = p.parse_args(argv)
    if args.chosen is None and not args.ablation:
        p.error("give --chosen, --ablation, or both")
    chosen = args.chosen or best_on_validation(args.ablation)
    card = release(args.task, args.release, chosen, args.ablation or [chosen],
                   args.data_dir or shared_data_dir(), args.split_file or TRAINING_DIR / "splits" / f"{args.task}.csv",
                   args.command or f"training/train.sh {args.task}")
    print(f"wrote {args.release}/card.json and model-card.md (model sha256 {card['files']['sha256'][:12]}…)")  # type: ignore
    return 0


if __name__ == "__main__":
    sys.exit(main())
