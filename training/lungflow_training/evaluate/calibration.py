"""Reliability diagram data and expected calibration error (ECE).

Top-label calibration: confidence is the largest class probability, correctness is whether that class is the true
one. Bins are equal-width on [0, 1]; a confidence of exactly 1.0 falls in the last bin. ECE is the bin-size
weighted mean of |accuracy - confidence| over non-empty bins.
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np

DEFAULT_BINS = 15


def reliability(probs: np.ndarray, y_true: np.ndarray, n_bins: int = DEFAULT_BINS) -> Dict[str, object]:
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y_true).astype(np.float64)
    return binned_calibration(conf, correct, n_bins)


def binned_calibration(conf: np.ndarray, outcome: np.ndarray, n_bins: int = DEFAULT_BINS) -> Dict[str, object]:
    """Shared by top-label and one-class (P(class) vs is-class) reliability."""
    conf = np.asarray(conf, dtype=np.float64)
    outcome = np.asarray(outcome, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=False), 0, n_bins - 1)
    bins: List[Dict[str, float]] = []
    ece = 0.0
    n = conf.size
    for b in range(n_bins):
        sel = which == b
        count = int(sel.sum())
        if count == 0:
            bins.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": 0,
                         "confidence": float("nan"), "accuracy": float("nan")})
            continue
        c = float(conf[sel].mean())
        a = float(outcome[sel].mean())
        ece += count / n * abs(a - c)
        bins.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": count,
                     "confidence": c, "accuracy": a})
    return {"n_bins": n_bins, "ece": float(ece) if n else float("nan"), "bins": bins}


def expected_calibration_error(probs: np.ndarray, y_true: np.ndarray, n_bins: int = DEFAULT_BINS) -> float:
    return float(reliability(probs, y_true, n_bins)["ece"])  # type: ignore[arg-type]
