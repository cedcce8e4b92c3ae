"""The whole evaluation of one ONNX model: predictions on validation and test, operating point, metrics with
patient-bootstrap CIs, shortcut audits, figures, evaluation.json and report.md."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pandas as pd

from .audits import cam_mass_in_region, fill_region, masking_audit, source_probe, subgroup_table
from .calibration import reliability
from .data import POSITIVE_CLASS, TASK_CLASSES, EvalData, load_eval_data, masking_regions
from .metrics import confusion_matrix
from .operating_point import choose_threshold
from .plots import (plot_bars, plot_confusion, plot_heatmaps, plot_masking_examples, plot_reliability, plot_roc)
from .predict import OnnxModel
from .report import render
from .summary import metrics_with_ci

log = logging.getLogger(__name__)

PROBE_METHOD = (
    "Standardised logistic regression (balanced class weights) on the ONNX `features` output of the validation and "
    "test images, scored out of fold by patient-grouped, source-stratified K-fold CV (no patient in both the fitting "
    "and the scored fold). Balanced accuracy near 1 means the features separate the sources. `all` mixes source with "
    "label (COVID-19 images are nearly all ieee8023), so the within-label probes are the informative ones; within "
    "normals, source is also age (Kermany children vs adult NIH/RSNA films). `thumbnail_baseline` runs the same "
    "probe on 16×16 thumbnails of the model input: how separable the sources are before any network.")
HEATMAP_METHOD = (
    "Overlay of the `cam` output of the predicted class (W_c · final-ReLU features, at the last convolution's "
    "resolution), clipped at 0, scaled to its own maximum, drawn bilinearly over the 8-bit model input. Images are "
    "chosen per true class, correct and wrong predictions first-come by a seeded shuffle.")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def split_counts(frame: pd.DataFrame, classes: List[str]) -> Dict[str, object]:
    return {"images": int(len(frame)), "patients": int(frame["patient_id"].nunique()),
            "by_label": {c: int(np.sum(frame["label"] == c)) for c in classes},
            "by_source": {str(k): int(v) for k, v in frame["source"].value_counts().sort_index().items()}}


def pick_heatmap_examples(frame: pd.DataFrame, y: np.ndarray, pred: np.ndarray, classes: List[str], seed: int,
                          per_class: int = 3) -> List[int]:
    rng = np.random.default_rng(seed)
    chosen: List[int] = []
    for c in range(len(classes)):
        right = rng.permutation(np.flatnonzero((y == c) & (pred == c)))
        wrong = rng.permutation(np.flatnonzero((y == c) & (pred != c)))
        take = list(right[:per_class - 1]) + list(wrong[:1])
        take += [i for i in right[per_class - 1:] if len(take) < per_class][:per_class - len(take)]
        chosen += [int(i) for i in take]
    return chosen


def run_probes(data: EvalData, outputs: Dict[str, Dict[str, np.ndarray]], seed: int) -> Dict[str, object]:
    frame = pd.concat([data.frames["val"], data.frames["test"]], ignore_index=True)
    feats = np.concatenate([outputs["val"]["features"], outputs["test"]["features"]])
    images = np.concatenate([data.images["val"], data.images["test"]])
    block = images.shape[1] // 16
    crop = images[:, :16 * block, :16 * block].astype(np.float32)
    thumbs = crop.reshape(len(images), 16, block, 16, block).mean(axis=(2, 4))
    probes: Dict[str, object] = {
        "all": source_probe(feats, frame["source"], frame["patient_id"], seed),
        "thumbnail_baseline": source_probe(thumbs.reshape(len(thumbs), -1), frame["source"], frame["patient_id"], seed),
    }
    for label in data.classes:
        sel = (frame["label"] == label).to_numpy()
        probes[f"within_{label}"] = source_probe(feats[sel], frame["source"][sel], frame["patient_id"][sel], seed)
    return {"method": PROBE_METHOD, "probes": probes}


def run_masking(name: str, regions: np.ndarray, rows: np.ndarray, method: str, data: EvalData, y_test: np.ndarray,
                outputs_test: Dict[str, np.ndarray], model: OnnxModel, classes: List[str], positive: str, threshold: float, out_dir: Path,
                figures: Dict[str, str]) -> Dict[str, object]:
    if len(rows) == 0:
        return {"method": method, "skipped": "no test images with a region mask"}
    images = data.images["test"][rows]
    result = masking_audit(images, regions, y_test[rows], model.probabilities, classes, positive, threshold)
    result["method"] = method
    cams = outputs_test["cam"][rows, outputs_test["probabilities"][rows].argmax(axis=1)]
    result["cam"] = cam_mass_in_region(cams, regions)
    variants = ["original", "region_removed", "region_only"]
    figures[f"audit_masking_{name}"] = plot_bars(variants, {
        "balanced accuracy": [result[v]["balanced_accuracy"] for v in variants],  # type: ignore[index]
        "mean P(true class)": [result[v]["mean_p_true_class"] for v in variants],  # type: ignore[index]
        f"{positive} flagged (of {positive})": [result[v][f"{positive}_sensitivity_at_threshold"]  # type: ignore
                                                for v in variants]},
        out_dir / f"audit_masking_{name}.png", f"Masking audit ({name}), {result['n_images']} test images", "score",
        reference=result["chance_balanced_accuracy"], reference_label="chance (balanced accuracy)")
    # Spread the examples over the classes present, so the figure is not all one class.
    picks = [int(np.flatnonzero(y_test[rows] == c)[0]) for c in np.unique(y_test[rows])][:3]
    ex, ex_regions = images[picks], regions[picks]
    figures[f"audit_masking_{name}_examples"] = plot_masking_examples(
        ex, np.stack([fill_region(i, r) for i, r in zip(ex, ex_regions)]),
        np.stack([fill_region(i, ~r) for i, r in zip(ex, ex_regions)]), out_dir / f"audit_masking_{name}_examples.png")
    return result


def evaluate(task: str, model_path: Path, out_dir: Path, data_dir: Path, split_file: Path,
             n_resamples: int = 1000, seed: int = 20261126, cache_dir: Optional[Path] = None,
             per_class: Optional[int] = None) -> Dict[str, object]:
    out_dir.mkdir(parents=True, exist_ok=True)
    model = OnnxModel(model_path)
    classes = TASK_CLASSES[task]
    positive = POSITIVE_CLASS
    data = load_eval_data(task, data_dir, split_file, model.size, cache_dir, per_class)
    outputs = {s: model.run(data.images[s]) for s in ("val", "test")}
    y = {s: np.array([classes.index(v) for v in data.frames[s]["label"]]) for s in ("val", "test")}
    pos = classes.index(positive)

    op = choose_threshold(outputs["val"]["probabilities"][:, pos], y["val"] == pos, 0.95)
    test_probs = outputs["test"]["probabilities"]
    test_frame = data.frames["test"]
    test = metrics_with_ci(y["test"], test_probs, test_frame["patient_id"].tolist(), classes, positive,
                           op["threshold"], n_resamples, seed)
    cm = confusion_matrix(y["test"], test_probs.argmax(axis=1), len(classes))
    cal_test = reliability(test_probs, y["test"])
    cal_val = reliability(outputs["val"]["probabilities"], y["val"])

    figures: Dict[str, str] = {}
    figures["roc"] = plot_roc(y["test"], test_probs, classes, out_dir / "roc.png", {
        "threshold": op["threshold"], "sensitivity": test["operating_point"]["sensitivity"]["value"],
        "specificity": test["operating_point"]["specificity"]["value"]})
    figures["confusion"] = plot_confusion(cm, classes, out_dir / "confusion_matrix.png")
    figures["reliability"] = plot_reliability(cal_test, out_dir / "reliability.png")

    audits: Dict[str, object] = {"source_probe": run_probes(data, outputs, seed)}
    probe_items = [(k, v) for k, v in audits["source_probe"]["probes"].items() if "skipped" not in v]  # type: ignore
    figures["audit_source_probe"] = plot_bars(
        [k for k, _ in probe_items], {"balanced accuracy": [v["balanced_accuracy"]["value"] for _, v in probe_items],
                                      "chance": [v["chance"] for _, v in probe_items]},
        out_dir / "audit_source_probe.png", "Source predicted from pooled features (out of fold)", "balanced accuracy")

    audits["masking"] = {}
    for name, (regions, rows, method) in masking_regions(task, data, data_dir, split_file, model.size,
                                                         cache_dir).items():
        audits["masking"][name] = run_masking(name, regions, rows, method, data, y["test"], outputs["test"], model,
                                              classes, positive, op["threshold"], out_dir, figures)
    audits["by_age_group"] = subgroup_table(test_frame, test_probs, classes, positive, op["threshold"],
                                            ["label", "age_group"])
    audits["by_source"] = subgroup_table(test_frame, test_probs, classes, positive, op["threshold"], ["label", "source"])
    audits["by_view"] = subgroup_table(test_frame, test_probs, classes, positive, op["threshold"], ["label", "view"])
    age_rows = audits["by_age_group"]
    figures["audit_age"] = plot_bars(
        [f"{r['label']}/{r['age_group']}" for r in age_rows],  # type: ignore[index]
        {"accuracy": [r["accuracy"] for r in age_rows],  # type: ignore[index]
         f"{positive} flag rate": [r[f"{positive}_flag_rate"] for r in age_rows]},  # type: ignore[index]
        out_dir / "audit_age_groups.png", "Test images by label and age group", "rate")

    picks = pick_heatmap_examples(test_frame, y["test"], test_probs.argmax(axis=1), classes, seed)
    pred = test_probs.argmax(axis=1)
    figures["heatmaps"] = plot_heatmaps(
        data.images["test"][picks], outputs["test"]["cam"][picks, pred[picks]],
        [f"true {classes[y['test'][i]]}\npred {classes[pred[i]]} p={test_probs[i, pred[i]]:.2f} "
         f"[{test_frame['source'].iloc[i]}]" for i in picks], out_dir / "heatmaps.png")

    evaluation: Dict[str, object] = {
        "task": task, "classes": classes, "positive_class": positive,
        "model": {"file": model_path.name, "sha256": sha256(model_path), "input_size": model.size},
        "split_file": str(split_file.name), "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "smoke_per_class": per_class,
        "bootstrap": {"resamples": n_resamples, "seed": seed, "unit": "patient", "interval": "percentile 95%"},
        "counts": {s: split_counts(data.frames[s], classes) for s in ("val", "test")},
        "operating_point": op,
        "test": test,
        "confusion_matrix": {"rows": "true", "columns": "predicted", "classes": classes, "matrix": cm.tolist()},
        "calibration": {"test": cal_test, "validation_ece": cal_val["ece"]},
        "audits": audits,
        "heatmaps": {"method": HEATMAP_METHOD, "n": len(picks)},
        "figures": figures,
    }
    with open(out_dir / "evaluation.json", "w") as f:
        json.dump(jsonable(evaluation), f, indent=2, allow_nan=False)
    (out_dir / "report.md").write_text(render(jsonable(evaluation)))  # type: ignore[arg-type]
    return evaluation


def jsonable(value: object) -> object:
    """NaN/inf become null (strict JSON for the TypeScript side); numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    return value
