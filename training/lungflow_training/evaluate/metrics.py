"""Classification metrics for the evaluation report.

Everything works on plain numpy arrays so the bootstrap can call it thousands of times. Undefined ratios (0/0,
e.g. PPV when nothing is predicted positive) are NaN rather than 0: a resample without positives says nothing
about sensitivity, and the bootstrap drops NaNs instead of pulling the interval towards 0.
"""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else float("nan")


def binary_metrics(is_pos: np.ndarray, pred_pos: np.ndarray) -> Dict[str, float]:
    """Counts and rates for one binary decision (positive = the class of interest)."""
    is_pos = np.asarray(is_pos, dtype=bool)
    pred_pos = np.asarray(pred_pos, dtype=bool)
    tp = int(np.sum(is_pos & pred_pos))
    fp = int(np.sum(~is_pos & pred_pos))
    fn = int(np.sum(is_pos & ~pred_pos))
    tn = int(np.sum(~is_pos & ~pred_pos))
    sens = _ratio(tp, tp + fn)
    spec = _ratio(tn, tn + fp)
    ppv = _ratio(tp, tp + fp)
    npv = _ratio(tn, tn + fn)
    # F1 from counts (2TP / (2TP+FP+FN)) stays defined when PPV is 0/0 but there are misses.
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "sensitivity": sens, "specificity": spec,
            "ppv": ppv, "npv": npv, "f1": f1}


def roc_auc(is_pos: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney U statistic with average ranks for ties (equals sklearn's roc_auc_score)."""
    is_pos = np.asarray(is_pos, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    n_pos = int(is_pos.sum())
    n_neg = int(is_pos.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    # Average rank within each run of equal scores.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    u = ranks[is_pos].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def roc_curve(is_pos: np.ndarray, scores: np.ndarray) -> Dict[str, np.ndarray]:
    """False and true positive rates for every distinct threshold, highest threshold first (starts at 0,0)."""
    is_pos = np.asarray(is_pos, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="mergesort")
    s = scores[order]
    y = is_pos[order]
    distinct = np.where(np.diff(s))[0]
    idx = np.r_[distinct, y.size - 1]
    tps = np.cumsum(y)[idx]
    fps = (idx + 1) - tps
    n_pos = max(int(y.sum()), 1)
    n_neg = max(int((~y).sum()), 1)
    return {"fpr": np.r_[0.0, fps / n_neg], "tpr": np.r_[0.0, tps / n_pos], "thresholds": np.r_[np.inf, s[idx]]}


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows are the true class, columns the predicted class."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return cm


def ppv_at_prevalence(sensitivity: float, specificity: float, prevalence: float) -> float:
    """PPV a site would see at another prevalence (Bayes), since the test split's prevalence is not a clinic's."""
    tp = sensitivity * prevalence
    fp = (1.0 - specificity) * (1.0 - prevalence)
    return _ratio(tp, tp + fp) if not (np.isnan(tp) or np.isnan(fp)) else float("nan")


def per_class_metrics(y_true: np.ndarray, probs: np.ndarray, classes: Sequence[str]) -> Dict[str, Dict[str, float]]:
    """One-vs-rest metrics of the argmax decision, plus ROC AUC of each class's probability."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.argmax(probs, axis=1)
    out: Dict[str, Dict[str, float]] = {}
    for c, name in enumerate(classes):
        m = binary_metrics(y_true == c, y_pred == c)
        m["roc_auc"] = roc_auc(y_true == c, probs[:, c])
        out[name] = m
    return out


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true = np.asarray(y_true)
    return _ratio(float(np.sum(y_true == np.asarray(y_pred))), float(y_true.size))


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean recall over the classes present in y_true; chance is 1/number of those classes."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    recalls = [float(np.mean(y_pred[y_true == c] == c)) for c in np.unique(y_true)]
    return float(np.mean(recalls)) if recalls else float("nan")
