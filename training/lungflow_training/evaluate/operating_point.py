"""Operating point for the COVID-19 flag, chosen on the validation split.

Rule: flag an image when P(covid19) >= threshold. The threshold is the HIGHEST value that still flags at least
`target` of the validation COVID-19 images. With k = ceil(target * n_pos), that is the k-th largest validation
COVID-19 score. Ties: images whose score equals the threshold are flagged, so tied positives can push validation
sensitivity above the target, never below it. The threshold is then applied unchanged to the test split.
"""
from __future__ import annotations

import math
from typing import Dict

import numpy as np

from .metrics import binary_metrics


def choose_threshold(scores: np.ndarray, is_pos: np.ndarray, target_sensitivity: float = 0.95) -> Dict[str, float]:
    scores = np.asarray(scores, dtype=np.float64)
    is_pos = np.asarray(is_pos, dtype=bool)
    pos = np.sort(scores[is_pos])[::-1]
    if pos.size == 0:
        raise ValueError("cannot choose an operating point without positive validation images")
    if not 0.0 < target_sensitivity <= 1.0:
        raise ValueError(f"target sensitivity must be in (0, 1], got {target_sensitivity}")
    # The epsilon keeps 0.95 * 20 from rounding up to 20 through floating-point error.
    k = max(1, math.ceil(target_sensitivity * pos.size - 1e-9))
    threshold = float(pos[k - 1])
    achieved = binary_metrics(is_pos, scores >= threshold)
    return {"threshold": threshold, "target_sensitivity": float(target_sensitivity),
            "validation_sensitivity": achieved["sensitivity"], "validation_specificity": achieved["specificity"],
            "validation_positives": int(pos.size)}
