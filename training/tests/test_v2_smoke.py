"""The whole v2 path on a few real images: segmentation, classifier folds, release (card, golden, model card)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lungflow_training.export import TOLERANCE, run_onnx
from lungflow_training.paths import shared_data_dir
from lungflow_training.v2 import lungseg, release, train
from lungflow_training.v2.graph import OUTPUT_NAMES

DATA = shared_data_dir()
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")


def test_smoke_release(tmp_path: Path) -> None:
    seg = tmp_path / "lungseg"
    assert lungseg.main(["--epochs", "1", "--max-steps", "2", "--limit", "8", "--threads", "1", "--out", str(seg)]) == 0
    runs = tmp_path / "runs"
    for holdout in ("none", "hannover", "rsna_normal"):
        assert train.main(["--lut", "gray", "--holdout", holdout, "--limit", "2", "--epochs", "1", "--max-steps", "2",
                           "--threads", "1", "--seg", str(seg / "lungseg.pt"), "--out", str(runs / f"gray-{holdout}")]) == 0
    loso = json.loads((runs / "gray-rsna_normal" / "train_log.json").read_text())
    assert loso["predicted_images"] > 0
    out = tmp_path / "release"
    assert release.main(["--runs", str(runs), "--seg", str(seg), "--out", str(out), "--command", "smoke"]) == 0
    card = json.loads((out / "card.json").read_text())
    assert card["id"] == "cxr-v2" and card["input"]["size"] == 224
    assert card["segmentation"]["output"] == "lungs" and 0 < card["operatingPoint"]["threshold"] < 1
    assert card["operatingPoint"]["chosenOn"].startswith("pooled leave-one-source-out")
    golden = json.loads((out / "golden.json").read_text())
    assert golden["cases"] and golden["dicom"]
    case = golden["cases"][0]
    x = np.frombuffer(__import__("base64").b64decode(case["inputBase64"]), np.uint8).reshape(1, 1, 224, 224)
    got = run_onnx(out / "model.onnx", x)
    assert list(got) == OUTPUT_NAMES
    assert np.max(np.abs(got["probabilities"][0] - np.asarray(case["expected"]["probabilities"]))) < TOLERANCE
    md = (out / "model-card.md").read_text()
    assert "leave-one-source-out" in md.lower() and "held-out site" in md
