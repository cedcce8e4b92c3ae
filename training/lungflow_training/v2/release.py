"""Release cxr-v2: choose the LUT arm and the operating point by leave-one-source-out, export the one graph,
evaluate it once on the internal test split, audit it, and write card.json, model-card.md, evaluation.json and
golden.json.

Usage: python -m lungflow_training.v2.release --runs training/runs/cxr-v2 --out models/cxr-v2

Reads <runs>/<lut>-<holdout>/ (train.py) and training/runs/lungseg/ (lungseg.py).
Order of decisions, none of which reads the test split:
1. arm (pseudo-colour `jet` vs `gray`): higher pooled leave-one-source-out COVID-19 ROC AUC;
2. threshold: the highest that keeps sensitivity >= 0.90 on the pooled held-out-source predictions;
3. only then the test split is scored, with the final (all-sites) model.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..dataset import load_images
from ..dicom_input import dicom_model_input
from ..evaluate.audits import fill_region, masking_audit, source_probe, subgroup_table
from ..evaluate.bootstrap import bootstrap
from ..evaluate.metrics import binary_metrics, roc_auc
from ..evaluate.operating_point import choose_threshold
from ..export import export_onnx, max_abs_diff, run_onnx
from ..golden import DICOM_FILES, encode, outputs_json
from ..manifest import CXR_CLASSES
from ..paths import CACHE_DIR, REPO_ROOT, RUNS_DIR, shared_data_dir
from ..preprocess import load_model_input
from .data import LOSO_SITES, load_cxr_manifest, with_split
from .graph import INPUT_SIZE, OUTPUT_NAMES, CxrV2, count_flops

TARGET_SENSITIVITY = 0.90
MIN_LUNG_AREA = 0.05  # lungs below 5 % of the image: the segmentation found no lungs -> indeterminate
RESAMPLES = 1000
SEED = 20261202


def pooled_loso(runs: Path, lut: str, sites: list[str] = LOSO_SITES) -> pd.DataFrame:
    """Every held-out-site prediction of one arm; `loso_site` names the fold that predicted each image."""
    parts = [pd.read_csv(runs / f"{lut}-{s}" / "predictions.csv", dtype={"group_id": str}).assign(loso_site=s)
             for s in sites if (runs / f"{lut}-{s}" / "predictions.csv").exists()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["label", "p_covid19", "loso_site", "group_id"])


def site_table(pred: pd.DataFrame, threshold: float, by: str = "loso_site") -> list[dict]:
    rows = []
    for site, part in pred.groupby(by):
        pos = (part["label"] == "covid19").to_numpy()
        flag = part["p_covid19"].to_numpy() >= threshold
        b = binary_metrics(pos, flag)
        adult_neg = (~pos) & (part["age_group"] != "pediatric").to_numpy()
        rows.append({"site": site, "images": int(len(part)), "groups": int(part["group_id"].nunique()),
                     "covid19": int(pos.sum()), "not_covid19": int((~pos).sum()),
                     "auc": roc_auc(pos, part["p_covid19"].to_numpy()) if 0 < pos.sum() < len(pos) else None,
                     "sensitivity": b["sensitivity"] if pos.any() else None,
                     "specificity": b["specificity"] if (~pos).any() else None,
                     "adult_specificity": float(1 - flag[adult_neg].mean()) if adult_neg.any() else None})
    return rows


def ci_metrics(pos: np.ndarray, score: np.ndarray, flag: np.ndarray, groups: list[str]) -> dict:
    def stat(idx: np.ndarray) -> dict:
        b = binary_metrics(pos[idx], flag[idx])
        return {"sensitivity": b["sensitivity"], "specificity": b["specificity"], "f1": b["f1"], "ppv": b["ppv"],
                "roc_auc": roc_auc(pos[idx], score[idx]) if 0 < pos[idx].sum() < len(idx) else float("nan")}
    return bootstrap(groups, stat, n_resamples=RESAMPLES, seed=SEED)


def build_model(runs: Path, lut: str, seg_path: Path) -> tuple[CxrV2, dict]:
    ck = torch.load(runs / f"{lut}-none" / "classifier.pt", map_location="cpu", weights_only=False)
    model = CxrV2(len(CXR_CLASSES), lut, lowpass=float(ck["config"].get("lowpass", 0.0)))
    model.pre.seg.load_state_dict(torch.load(seg_path, map_location="cpu", weights_only=False)["state_dict"])
    model.cls.load_state_dict(ck["state_dict"])
    model.temperature.fill_(float(ck["temperature"]))
    return model.eval(), ck


def finite(o):
    """JSON has no NaN: undefined numbers (e.g. an AUC on a one-class site) are written as null."""
    if isinstance(o, dict):
        return {k: finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [finite(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return None if o != o else float(o)
    if isinstance(o, np.integer):
        return int(o)
    return o


def decide(probs: np.ndarray, area: np.ndarray, threshold: float) -> np.ndarray:
    """'positive' | 'negative' | 'indeterminate' (no lungs found), as serving decides."""
    return np.where(area < MIN_LUNG_AREA, "indeterminate", np.where(probs[:, 0] >= threshold, "positive", "negative"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=Path, default=RUNS_DIR / "cxr-v2")
    ap.add_argument("--seg", type=Path, default=RUNS_DIR / "lungseg")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "cxr-v2")
    ap.add_argument("--command", default="training/train.sh cxr-v2")
    args = ap.parse_args(argv)
    d = shared_data_dir()
    out = args.out
    (out / "evaluation").mkdir(parents=True, exist_ok=True)
    seg_log = json.loads((args.seg / "train_log.json").read_text())

    # 1. arm by pooled leave-one-source-out AUC
    arms = {}
    for lut in ("jet", "gray"):
        if not (args.runs / f"{lut}-none" / "classifier.pt").exists():
            continue
        pooled = pooled_loso(args.runs, lut)
        pos = (pooled["label"] == "covid19").to_numpy()
        log = json.loads((args.runs / f"{lut}-none" / "train_log.json").read_text())
        arms[lut] = {"pooled_loso_covid_auc": roc_auc(pos, pooled["p_covid19"].to_numpy()) if len(pooled) else float("nan"),
                     "validation_covid_auc": log["val_covid_auc"], "loso_images": int(len(pooled)),
                     "folds": sorted(pooled["loso_site"].unique().tolist()) if len(pooled) else [],
                     "complete": bool(len(pooled)) and set(pooled["loso_site"]) == set(LOSO_SITES)}
    # only arms whose every fold ran compete on the leave-one-site-out figure
    lut = max(arms, key=lambda k: (arms[k]["complete"], arms[k]["pooled_loso_covid_auc"], arms[k]["validation_covid_auc"]))
    pooled = pooled_loso(args.runs, lut)
    pos_l = (pooled["label"] == "covid19").to_numpy()
    # 2. threshold on the held-out-source predictions
    op = choose_threshold(pooled["p_covid19"].to_numpy(), pos_l, TARGET_SENSITIVITY)
    threshold = op["threshold"]
    loso_flag = pooled["p_covid19"].to_numpy() >= threshold
    loso_ci = ci_metrics(pos_l, pooled["p_covid19"].to_numpy(), loso_flag, list(pooled["group_id"]))
    loso_sites = site_table(pooled, threshold)
    # The stricter fold: the whole ieee8023 collection out (COVID-19 then comes from Hannover alone).
    whole = pooled_loso(args.runs, lut, ["ieee8023"])
    whole_collection = site_table(whole, threshold)[0] if len(whole) else None

    # 3. export, then the test split, once
    model, ck = build_model(args.runs, lut, args.seg / "lungseg.pt")
    m = with_split(load_cxr_manifest(d))
    test = m[m["split"] == "test"].reset_index(drop=True)
    x_test = load_images(test, d, "cxr", INPUT_SIZE, CACHE_DIR)
    config = {"id": "cxr-v2", "lut": lut, "segmentation": "lungseg-v1", "classifier": ck["config"]}
    export_onnx(model, INPUT_SIZE, out / "model.onnx", {"lungflow.config": json.dumps(config, sort_keys=True)},
                OUTPUT_NAMES)
    diff = max_abs_diff(model, out / "model.onnx", x_test[:16], OUTPUT_NAMES)
    outs = run_onnx(out / "model.onnx", x_test)
    probs, area = outs["probabilities"], (outs["lungs"][:, 0] > 0.5).mean(axis=(1, 2))
    pos_t = (test["label"] == "covid19").to_numpy()
    decision = decide(probs, area, threshold)
    flag_t = decision == "positive"
    test_ci = ci_metrics(pos_t, probs[:, 0], flag_t, list(test["group_id"]))
    adult = (test["age_group"] != "pediatric").to_numpy()
    adult_ci = ci_metrics(pos_t[adult], probs[adult, 0], flag_t[adult], list(test["group_id"][adult]))
    test_sites = site_table(test.assign(p_covid19=probs[:, 0]), threshold, by="site")
    subgroups = subgroup_table(test, probs, CXR_CLASSES, "covid19", threshold, ["label", "age_group"])
    by_site = subgroup_table(test, probs, CXR_CLASSES, "covid19", threshold, ["label", "site"])

    # 4. audits on the test split
    probe = source_probe(outs["features"], list(test["site"]), list(test["group_id"]), SEED)
    lungs224 = np.stack([np.kron(l[0] > 0.5, np.ones((2, 2), bool)) for l in outs["lungs"]])
    from scipy.ndimage import binary_dilation
    regions = np.stack([binary_dilation(r, iterations=6) for r in lungs224])
    y_t = test["label"].map(CXR_CLASSES.index).to_numpy()
    masking = masking_audit(x_test, regions, y_t, lambda b: run_onnx(out / "model.onnx", b)["probabilities"],
                            CXR_CLASSES, "covid19", threshold)
    masking["region"] = ("the model's own lung mask on the original image (lungs > 0.5, 112 px upsampled to 224, "
                         "dilated by 6 px), filled with the image's mean grey")

    # 5. golden vectors: one test image per (class, site), and the DICOM cases
    picks = test.sort_values("path").drop_duplicates(["label", "site"]).reset_index(drop=True)
    g_inputs = [load_model_input(d / f, "cxr", INPUT_SIZE) for f in picks["path"]]
    d_inputs, d_info = [], []
    for f in DICOM_FILES["cxr"]:
        xi, info = dicom_model_input(d / f, INPUT_SIZE)
        d_inputs.append(xi)
        d_info.append(info)
    g_out = run_onnx(out / "model.onnx", np.stack(g_inputs + d_inputs))
    model_sha = hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest()
    golden = {
        "model": "model.onnx", "modelSha256": model_sha, "task": "cxr", "classes": CXR_CLASSES,
        "input": {"name": "image", "size": INPUT_SIZE, "dtype": "uint8", "layout": "NCHW", "channels": 1},
        "pathsRelativeTo": "../shared/data (LUNGFLOW_SHARED_DIR/data)",
        "tolerance": {"outputs": 1e-5, "note": "outputs recomputed from inputBase64 with onnxruntime CPU"},
        "cases": [{"file": f, "label": lab, **encode(xi), "expected": outputs_json(g_out, i)}
                  for i, (f, lab, xi) in enumerate(zip(picks["path"], picks["label"], g_inputs))],
        "dicom": [{"file": f, "pixelPath": info, **encode(xi), "expected": outputs_json(g_out, len(g_inputs) + i)}
                  for i, (f, xi, info) in enumerate(zip(DICOM_FILES["cxr"], d_inputs, d_info))],
    }
    (out / "golden.json").write_text(json.dumps(finite(golden), allow_nan=False) + "\n")

    # 6. card
    v1 = json.loads((REPO_ROOT / "models" / "cxr-v1" / "card.json").read_text())
    flops = count_flops(model)
    evaluation = {
        "segmentation": seg_log, "arms": arms, "chosenArm": lut,
        "operatingPoint": {**op, "chosenOn": "pooled leave-one-source-out predictions"},
        "leaveOneSourceOut": {"pooled": loso_ci, "sites": loso_sites, "wholeIeee8023Collection": whole_collection},
        "test": {"all": test_ci, "adult": adult_ci, "sites": test_sites, "subgroups": subgroups, "bySite": by_site,
                 "indeterminate": int((decision == "indeterminate").sum()), "images": int(len(test)),
                 "groups": int(test["group_id"].nunique())},
        "audits": {"sourceProbe": probe, "lungMasking": masking},
        "onnxMaxAbsDiff": diff, "flops": flops,
    }
    evaluation = finite(evaluation)
    (out / "evaluation" / "evaluation.json").write_text(json.dumps(evaluation, indent=1, allow_nan=False))
    card = {k: v1[k] for k in ("task", "modality", "intendedUse", "classes")}
    card.update({
        "id": "cxr-v2", "version": "2.0.0",
        "input": {"name": "image", "size": INPUT_SIZE, "dtype": "uint8", "layout": "NCHW", "channels": 1},
        "preprocessing": {**v1["preprocessing"],
                          "effectiveResolution": {"maxSize": 224, "note": "224 px, the NIH normals' size; the lung crop is resampled to 128 px inside the graph"},
                          "resize": {**v1["preprocessing"]["resize"], "size": INPUT_SIZE,
                                     "implementation": "Pillow Image.resize((224, 224), Image.LANCZOS) on the 8-bit grey image (libs/inference pillowResize reproduces it exactly)"},
                          "insideGraph": ["lung segmentation (lungseg-v1, 112 px)", "lung-weighted histogram equalisation",
                                          "crop to the lung bounding box (128 px) and mask outside the dilated lungs",
                                          "LUT", "normalisation", "CNN", "temperature", "softmax",
                                          "CAM warped back to the image frame, zero outside the lungs"]},
        "lut": {"name": lut, "color": "pseudo" if lut == "jet" else "gray", "insideGraph": True,
                "table": "256x3 uint8, see training/lungflow_training/lut.py"},
        "outputs": {"probabilities": "float32 [N,C], temperature-calibrated softmax, class order as `classes`",
                    "logits": "float32 [N,C], before temperature", "features": "float32 [N,F], pooled classifier features",
                    "cam": "float32 [N,C,56,56], class activation maps in the input image's frame, 0 outside the lungs",
                    "lungs": "float32 [N,1,112,112], lung probability in the input image's frame"},
        "segmentation": {"id": "lungseg-v1", "output": "lungs", "threshold": 0.5, "minAreaFraction": MIN_LUNG_AREA,
                         "testDice": seg_log["test"]["dice_full_size"], "rule": "lung area below minAreaFraction of the image: no lungs found, the decision is indeterminate"},
        "temperature": float(ck["temperature"]),
        "operatingPoint": {"className": "covid19", "threshold": threshold,
                           "chosenOn": "pooled leave-one-source-out predictions (each site predicted by a model that never saw it; test split untouched)",
                           "targetSensitivity": TARGET_SENSITIVITY,
                           "looSensitivity": op["validation_sensitivity"], "looSpecificity": op["validation_specificity"],
                           "rule": "flag when P(class) >= threshold; highest threshold reaching the target"},
        "metrics": {"test": test_ci, "testAdult": adult_ci, "leaveOneSourceOut": loso_ci},
        "files": {"model": "model.onnx", "sha256": model_sha, "evaluation": "evaluation/", "golden": "golden.json"},
        "training": {"command": args.command, "segmentation": {k: seg_log[k] for k in ("best_epoch", "seconds", "threads")},
                     "classifier": ck["config"], "flops": flops},
        "limitations": [
            "Not for diagnosis. A triage aid that reorders a worklist; a radiologist reads every study.",
            "Trained on public research images: COVID-19 from paper figures and one German hospital (Hannover), adult normals from one US hospital (NIH), other pneumonia mostly from children (Guangzhou). The leave-one-source-out table is the best estimate of a new hospital; it is still optimistic where a held-out site shares the look of the others.",
            "The lung segmentation was trained on adult COVID-19/pneumonia figures (V7 Labs masks); on children and on films unlike these it is unchecked by a Dice figure.",
            "Studies where no lungs are found are reported indeterminate, never negative.",
        ],
    })
    card = finite(card)
    (out / "card.json").write_text(json.dumps(card, indent=2, allow_nan=False) + "\n")
    from .card import write_model_card
    write_model_card(out / "model-card.md", card, evaluation)
    print(json.dumps({"arm": lut, "threshold": threshold, "loso": {k: v["value"] for k, v in loso_ci.items()},
                      "test": {k: v["value"] for k, v in test_ci.items()},
                      "adult": {k: v["value"] for k, v in adult_ci.items()}, "diff": diff}, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
