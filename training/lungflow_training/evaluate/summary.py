"""The test-split numbers, as one function of row indices so the patient bootstrap can recompute all of them."""
from __future__ import annotations

from typing import Callable, Dict, Sequence

import numpy as np

from .bootstrap import bootstrap
from .calibration import expected_calibration_error
from .metrics import accuracy, binary_metrics, per_class_metrics, ppv_at_prevalence, roc_auc

PREVALENCES = (0.01, 0.05, 0.20)
RATE_KEYS = ("sensitivity", "specificity", "ppv", "npv", "f1", "roc_auc")


def make_statistic(y_true: np.ndarray, probs: np.ndarray, classes: Sequence[str], positive: str,
                   threshold: float) -> Callable[[np.ndarray], Dict[str, float]]:
    """Returns f(indices) -> flat {"a.b.c": value}; keys are the same for every call."""
    pos = list(classes).index(positive)
    y_true = np.asarray(y_true, dtype=np.int64)
    probs = np.asarray(probs, dtype=np.float64)

    def statistic(idx: np.ndarray) -> Dict[str, float]:
        y = y_true[idx]
        p = probs[idx]
        out: Dict[str, float] = {}
        per_class = per_class_metrics(y, p, classes)
        for name, m in per_class.items():
            for k in RATE_KEYS:
                out[f"per_class.{name}.{k}"] = m[k]
        out["overall.accuracy"] = accuracy(y, p.argmax(axis=1))
        out["overall.macro_f1"] = float(np.nanmean([per_class[c]["f1"] for c in classes]))
        out["overall.ece"] = expected_calibration_error(p, y)
        op = binary_metrics(y == pos, p[:, pos] >= threshold)
        for k in ("sensitivity", "specificity", "ppv", "npv", "f1"):
            out[f"operating_point.{k}"] = op[k]
        out["operating_point.roc_auc"] = roc_auc(y == pos, p[:, pos])
        for prev in PREVALENCES:
            out[f"operating_point.ppv_at_prevalence.{prev:g}"] = ppv_at_prevalence(
                op["sensitivity"], op["specificity"], prev)
        return out

    return statistic


def unflatten(flat: Dict[str, object]) -> Dict[str, object]:
    nested: Dict[str, object] = {}
    for key, value in flat.items():
        node = nested
        parts = key.split(".")
        # Prevalence keys contain a dot ("0.01"): rejoin the tail after the known prefix.
        if parts[:2] == ["operating_point", "ppv_at_prevalence"]:
            parts = parts[:2] + [".".join(parts[2:])]
        for part in parts[:-1]:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[parts[-1]] = value  # type: ignore[index]
    return nested


def metrics_with_ci(y_true: np.ndarray, probs: np.ndarray, patient_ids: Sequence[str], classes: Sequence[str],
                         positive: str, threshold: float, n_resamples: int, seed: int) -> Dict[str, object]:
    """All test numbers with patient-bootstrap 95% CIs, nested like {"per_class": {"covid19": {"f1": {...}}}}."""
    stat = make_statistic(y_true, probs, classes, positive, threshold)
    flat = bootstrap(patient_ids, stat, n_resamples=n_resamples, seed=seed)
    nested = unflatten(flat)  # type: ignore[arg-type]
    pos = list(classes).index(positive)
    counts = binary_metrics(np.asarray(y_true) == pos, np.asarray(probs)[:, pos] >= threshold)
    nested["operating_point"]["counts"] = {k: counts[k] for k in ("tp", "fp", "fn", "tn")}  # type: ignore[index]
    nested["operating_point"]["threshold"] = threshold  # type: ignore[index]
    nested["operating_point"]["className"] = positive  # type: ignore[index]
    return nested
