"""Cluster (patient-level) bootstrap confidence intervals.

Images of one patient are correlated, so resampling images would make the intervals too narrow. Each resample
draws patients with replacement and takes every image of each drawn patient (a patient drawn twice counts twice).
"""
from __future__ import annotations

from typing import Callable, Dict, List, Sequence

import numpy as np

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20261126


def patient_index_groups(patient_ids: Sequence[str]) -> List[np.ndarray]:
    """Row indices of each distinct patient, in first-seen order."""
    ids = np.asarray(patient_ids, dtype=object)
    _, first, inverse, counts = np.unique(ids, return_index=True, return_inverse=True, return_counts=True)
    rows = np.argsort(inverse, kind="stable")
    by_id = np.split(rows, np.cumsum(counts)[:-1])
    return [by_id[g] for g in np.argsort(first)]


def resample_indices(groups: List[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """One bootstrap resample: as many patients as there are, drawn with replacement."""
    picks = rng.integers(0, len(groups), size=len(groups))
    return np.concatenate([groups[p] for p in picks])


def bootstrap(
    patient_ids: Sequence[str],
    statistic: Callable[[np.ndarray], Dict[str, float]],
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
) -> Dict[str, Dict[str, float]]:
    """Point estimate (all rows) and percentile CI for every number `statistic(indices)` returns.

    Resamples where a number is undefined (NaN, e.g. no positives drawn) are left out of that number's interval;
    `n_valid` says how many remained.
    """
    groups = patient_index_groups(patient_ids)
    if not groups:
        raise ValueError("bootstrap needs at least one patient")
    rng = np.random.default_rng(seed)
    point = statistic(np.arange(sum(len(g) for g in groups)))
    draws: Dict[str, List[float]] = {k: [] for k in point}
    for _ in range(n_resamples):
        stats = statistic(resample_indices(groups, rng))
        for k in point:
            draws[k].append(float(stats.get(k, float("nan"))))
    out: Dict[str, Dict[str, float]] = {}
    for k, v in point.items():
        arr = np.asarray(draws[k], dtype=np.float64)
        arr = arr[~np.isnan(arr)]
        lo, hi = (np.quantile(arr, [alpha / 2, 1 - alpha / 2]) if arr.size else (np.nan, np.nan))
        out[k] = {"value": float(v), "ci_low": float(lo), "ci_high": float(hi), "n_valid": int(arr.size)}
    return out
