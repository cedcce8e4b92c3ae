"""Reliability bins, ECE and the operating-point rule."""
import numpy as np
import pytest

from lungflow_training.evaluate.calibration import binned_calibration, expected_calibration_error, reliability
from lungflow_training.evaluate.operating_point import choose_threshold


def test_ece_zero_when_confidence_equals_accuracy():
    # 10 images at confidence 0.8 of which 8 are right.
    probs = np.tile([0.8, 0.2], (10, 1))
    y = np.array([0] * 8 + [1] * 2)
    assert expected_calibration_error(probs, y) == pytest.approx(0.0, abs=1e-12)


def test_ece_hand_computed_two_bins():
    # 5 images at 0.95 all right (gap 0.05); 5 at 0.55, 1 right (gap 0.35): ECE = 0.5*0.05 + 0.5*0.35 = 0.2
    probs = np.array([[0.95, 0.05]] * 5 + [[0.55, 0.45]] * 5)
    y = np.array([0] * 5 + [0] + [1] * 4)
    assert expected_calibration_error(probs, y) == pytest.approx(0.2)


def test_bins_cover_all_images_and_confidence_one_lands_in_last_bin():
    out = binned_calibration(np.array([0.0, 0.5, 1.0, 1.0]), np.array([0, 1, 1, 1]), n_bins=15)
    assert sum(b["count"] for b in out["bins"]) == 4
    assert out["bins"][-1]["count"] == 2
    assert len(reliability(np.tile([0.6, 0.4], (3, 1)), np.zeros(3, int))["bins"]) == 15


def test_threshold_is_highest_reaching_target():
    # 20 positives with scores 0.05..1.00; 95% of 20 = 19, so the 19th highest = 0.10.
    pos = np.linspace(0.05, 1.0, 20)
    neg = np.array([0.0, 0.07, 0.2, 0.5])
    scores = np.r_[pos, neg]
    is_pos = np.r_[np.ones(20, bool), np.zeros(4, bool)]
    op = choose_threshold(scores, is_pos, 0.95)
    assert op["threshold"] == pytest.approx(0.10)
    assert op["validation_sensitivity"] == pytest.approx(0.95)
    # Any higher threshold falls below target.
    assert np.mean(pos >= op["threshold"] + 1e-9) < 0.95
    assert op["validation_specificity"] == pytest.approx(0.5)


def test_threshold_ties_are_flagged():
    scores = np.array([0.9, 0.9, 0.9, 0.9, 0.3, 0.1])
    is_pos = np.array([1, 1, 1, 1, 1, 0], bool)  # 5 positives: need ceil(4.75)=5
    op = choose_threshold(scores, is_pos, 0.95)
    assert op["threshold"] == pytest.approx(0.3) and op["validation_sensitivity"] == 1.0
    op = choose_threshold(scores, is_pos, 0.8)  # need 4: the 0.9 tie
    assert op["threshold"] == pytest.approx(0.9)


def test_threshold_requires_positives():
    with pytest.raises(ValueError):
        choose_threshold(np.array([0.1, 0.2]), np.array([False, False]))
