"""Shortcut audits: can the network's features tell the data source, does it still work without lungs, and does
it behave differently by age group, source or view. Each returns plain dicts for evaluation.json."""
from __future__ import annotations

from typing import Callable, Dict, List, Sequence

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .bootstrap import bootstrap
from .metrics import balanced_accuracy, binary_metrics, confusion_matrix, roc_auc

MIN_PATIENTS_PER_SOURCE = 5


def source_probe(features: np.ndarray, sources: Sequence[str], patient_ids: Sequence[str], seed: int,
                 n_splits: int = 5, n_resamples: int = 500) -> Dict[str, object]:
    """Linear probe (standardised logistic regression, balanced class weights) predicting the source.

    Out-of-fold predictions from patient-grouped, source-stratified K-fold CV: no patient is in both the fitting
    and the scoring fold. Sources with fewer than MIN_PATIENTS_PER_SOURCE patients are left out (listed).
    Balanced accuracy near 1 means the features encode the source; chance is 1 / number of sources.
    """
    src = np.asarray(sources, dtype=object)
    pids = np.asarray(patient_ids, dtype=object)
    feats = np.asarray(features, dtype=np.float64)
    keep_names: List[str] = []
    dropped: Dict[str, int] = {}
    for s in sorted(set(src.tolist())):
        n_pat = len(set(pids[src == s].tolist()))
        (keep_names.append(s) if n_pat >= MIN_PATIENTS_PER_SOURCE else dropped.__setitem__(s, n_pat))
    if len(keep_names) < 2:
        return {"skipped": "fewer than two sources with enough patients", "sources_dropped": dropped}
    sel = np.isin(src, keep_names)
    feats, src, pids = feats[sel], src[sel], pids[sel]
    y = np.array([keep_names.index(s) for s in src])
    n_patients_min = min(len(set(pids[y == k].tolist())) for k in range(len(keep_names)))
    folds = max(2, min(n_splits, n_patients_min))
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    oof = np.full(y.size, -1)
    for fit_idx, score_idx in cv.split(feats, y, groups=pids):
        if len(np.unique(y[fit_idx])) < 2:
            continue
        clf = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000))
        clf.fit(feats[fit_idx], y[fit_idx])
        oof[score_idx] = clf.predict(feats[score_idx])
    scored = oof >= 0
    y_s, p_s, pid_s = y[scored], oof[scored], pids[scored]
    ci = bootstrap(pid_s, lambda idx: {"balanced_accuracy": balanced_accuracy(y_s[idx], p_s[idx])},
                   n_resamples=n_resamples, seed=seed)["balanced_accuracy"]
    return {
        "sources": keep_names,
        "sources_dropped": dropped,
        "n_images": int(scored.sum()),
        "n_patients": int(len(set(pid_s.tolist()))),
        "folds": folds,
        "balanced_accuracy": ci,
        "chance": 1.0 / len(keep_names),
        "confusion_matrix": confusion_matrix(y_s, p_s, len(keep_names)).tolist(),
    }


def fill_region(image: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Replaces `region` pixels by the image's mean grey (of all pixels, before masking): no edge of black or white
    is added that the network could read as a finding."""
    out = image.copy()
    out[region] = np.uint8(round(float(image.mean())))
    return out


def masking_audit(images: np.ndarray, regions: np.ndarray, y_true: np.ndarray,
                  predict: Callable[[np.ndarray], np.ndarray], classes: Sequence[str], positive: str,
                  threshold: float) -> Dict[str, object]:
    """Runs the model on the images as they are, with `regions` (e.g. lungs) filled, and with everything but
    `regions` filled. A model that reads the lungs should fall towards chance without them."""
    pos = list(classes).index(positive)
    y_true = np.asarray(y_true, dtype=np.int64)
    variants = {
        "original": images,
        "region_removed": np.stack([fill_region(im, r) for im, r in zip(images, regions)]),
        "region_only": np.stack([fill_region(im, ~r) for im, r in zip(images, regions)]),
    }
    out: Dict[str, object] = {"n_images": int(len(images)),
                              "label_counts": {c: int(np.sum(y_true == i)) for i, c in enumerate(classes)},
                              # A uniform random guess over the model's classes has recall 1/C for every class.
                              "chance_balanced_accuracy": 1.0 / len(classes)}
    for name, batch in variants.items():
        probs = predict(batch)
        pred = probs.argmax(axis=1)
        flag = binary_metrics(y_true == pos, probs[:, pos] >= threshold)
        out[name] = {
            "accuracy": float(np.mean(pred == y_true)),
            "balanced_accuracy": balanced_accuracy(y_true, pred),
            "mean_p_true_class": float(np.mean(probs[np.arange(len(y_true)), y_true])),
            f"mean_p_{positive}": float(np.mean(probs[:, pos])),
            f"{positive}_sensitivity_at_threshold": flag["sensitivity"],
            f"{positive}_specificity_at_threshold": flag["specificity"],
            f"{positive}_roc_auc": roc_auc(y_true == pos, probs[:, pos]),
            "predicted_counts": {c: int(np.sum(pred == i)) for i, c in enumerate(classes)},
        }
    return out


def subgroup_table(frame: pd.DataFrame, probs: np.ndarray, classes: Sequence[str], positive: str, threshold: float,
                   by: Sequence[str]) -> List[Dict[str, object]]:
    """One row per combination of `by` (e.g. label x age_group): how often the true class wins, the mean
    probability of the true class and how often the COVID-19 flag fires (for non-COVID rows, 1 - that is the
    specificity within the group)."""
    pos = list(classes).index(positive)
    y = np.array([list(classes).index(v) for v in frame["label"]])
    pred = probs.argmax(axis=1)
    flagged = probs[:, pos] >= threshold
    rows: List[Dict[str, object]] = []
    frame = frame.reset_index(drop=True).copy()
    for col in by:
        frame[col] = frame[col].replace("", "unknown")
    for key, part in frame.groupby(list(by), sort=True):
        idx = part.index.to_numpy()
        keys = key if isinstance(key, tuple) else (key,)
        row: Dict[str, object] = {col: str(val) for col, val in zip(by, keys)}
        row.update({
            "n_images": int(idx.size),
            "n_patients": int(part["patient_id"].nunique()),
            "accuracy": float(np.mean(pred[idx] == y[idx])),
            "mean_p_true_class": float(np.mean(probs[idx, y[idx]])),
            f"{positive}_flag_rate": float(np.mean(flagged[idx])),
            f"mean_p_{positive}": float(np.mean(probs[idx, pos])),
        })
        rows.append(row)
    return rows



def cam_mass_in_region(cams: np.ndarray, regions: np.ndarray) -> Dict[str, float]:
    """Share of each (clipped at 0) class activation map that falls inside the region, after bilinear upsampling to
    the input size, against the region's share of the image (what a map spread evenly would give)."""
    from scipy.ndimage import zoom

    inside: List[float] = []
    area: List[float] = []
    for cam, region in zip(cams, regions):
        up = zoom(np.clip(cam.astype(np.float64), 0, None), (region.shape[0] / cam.shape[0],
                                                              region.shape[1] / cam.shape[1]), order=1)
        up = up[:region.shape[0], :region.shape[1]]
        total = up.sum()
        if total > 0 and up.shape == region.shape:
            inside.append(float(up[region].sum() / total))
            area.append(float(region.mean()))
    return {"cam_mass_in_region": float(np.mean(inside)) if inside else float("nan"),
            "region_area_fraction": float(np.mean(area)) if area else float("nan"), "n_maps": len(inside)}
