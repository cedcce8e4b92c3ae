"""Metrics against hand-counted examples and against scikit-learn."""
import math

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion, f1_score, roc_auc_score

from lungflow_training.evaluate.metrics import (
    balanced_accuracy, binary_metrics, confusion_matrix, per_class_metrics, ppv_at_prevalence, roc_auc, roc_curve)


def test_binary_metrics_hand_counted():
    # 4 positives (3 found), 6 negatives (1 false alarm).
    is_pos = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], bool)
    pred = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0], bool)
    m = binary_metrics(is_pos, pred)
    assert (m["tp"], m["fn"], m["fp"], m["tn"]) == (3, 1, 1, 5)
    assert m["sensitivity"] == pytest.approx(0.75)
    assert m["specificity"] == pytest.approx(5 / 6)
    assert m["ppv"] == pytest.approx(0.75)
    assert m["npv"] == pytest.approx(5 / 6)
    assert m["f1"] == pytest.approx(0.75)


def test_undefined_rates_are_nan_not_zero():
    m = binary_metrics(np.zeros(5, bool), np.zeros(5, bool))
    assert math.isnan(m["sensitivity"]) and math.isnan(m["ppv"])
    assert m["specificity"] == 1.0


def test_roc_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300).astype(bool)
    s = np.round(rng.random(300) + 0.3 * y, 1)  # rounding makes many ties
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_roc_auc_extremes_and_single_class():
    assert roc_auc(np.array([0, 0, 1, 1], bool), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(np.array([1, 1, 0, 0], bool), np.array([0.1, 0.2, 0.8, 0.9])) == 0.0
    assert roc_auc(np.array([1, 0], bool), np.array([0.5, 0.5])) == 0.5  # a tie counts half
    assert math.isnan(roc_auc(np.ones(3, bool), np.array([0.1, 0.2, 0.3])))


def test_roc_curve_area_equals_auc():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200).astype(bool)
    s = rng.random(200) + 0.5 * y
    c = roc_curve(y, s)
    assert c["fpr"][0] == 0 and c["tpr"][-1] == 1 and c["fpr"][-1] == 1
    assert np.trapezoid(c["tpr"], c["fpr"]) == pytest.approx(roc_auc(y, s), abs=1e-12)


def test_confusion_and_per_class_match_sklearn():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 150)
    probs = rng.dirichlet([1, 1, 1], 150)
    probs[np.arange(150), y] += 0.3
    pred = probs.argmax(1)
    assert (confusion_matrix(y, pred, 3) == sk_confusion(y, pred, labels=[0, 1, 2])).all()
    per = per_class_metrics(y, probs, ["a", "b", "c"])
    f1s = f1_score(y, pred, average=None, labels=[0, 1, 2])
    for c, name in enumerate("abc"):
        assert per[name]["f1"] == pytest.approx(f1s[c])
        assert per[name]["roc_auc"] == pytest.approx(roc_auc_score(y == c, probs[:, c]))


def test_ppv_at_prevalence_bayes():
    # sens 0.9, spec 0.99 at 1%: 0.009 / (0.009 + 0.0099)
    assert ppv_at_prevalence(0.9, 0.99, 0.01) == pytest.approx(0.009 / (0.009 + 0.0099))
    assert ppv_at_prevalence(0.9, 1.0, 0.05) == 1.0
    assert ppv_at_prevalence(0.95, 0.90, 0.20) < ppv_at_prevalence(0.95, 0.99, 0.20)


def test_balanced_accuracy_ignores_class_sizes():
    y = np.array([0] * 90 + [1] * 10)
    pred = np.zeros(100, int)
    assert balanced_accuracy(y, pred) == pytest.approx(0.5)
