"""Release cards: the fields serving needs (libs/inference modelCard.ts), the hash of the shipped file, the
ablation choice on validation, and the readable card's required statements."""
import json
import shutil

import pytest

from lungflow_training.card import REQUIRED_FIELDS, best_on_validation, release
from lungflow_training.evaluate.card_content import limitations
from lungflow_training.evaluate.contract_model import build_contract_model
from lungflow_training.evaluate.runner import evaluate, sha256
from lungflow_training.paths import SPLITS_DIR, shared_data_dir

SCT = {"covid19": "882784691000119100", "other_pneumonia": "233604007", "no_finding": "17621005"}


def make_run(path, lut, color, val_metric, evaluation=None, smoke=False):
    path.mkdir(parents=True)
    build_contract_model(path / "model.onnx", 3, size=64, seed=5 if lut == "jet" else 6)
    config = {"task": "cxr", "lut": lut, "color": color, "seed": 1, "threads": 2, "epochs": 3,
              "per_class": 8 if smoke else None, "max_steps": 20 if smoke else None}
    log = {"config": config, "git_commit": "0" * 40, "command": "train.py --task cxr", "temperature": 1.5,
           "val_metric": val_metric, "val_metric_name": "macro_ovr_auc", "timing": {"duration_seconds": 12.0},
           "best_epoch": 2}
    (path / "train_log.json").write_text(json.dumps(log))
    if evaluation is None:
        evaluate("cxr", path / "model.onnx", path / "evaluation", shared_data_dir(), SPLITS_DIR / "cxr.csv",
                 n_resamples=20, seed=1, cache_dir=None, per_class=2)
    else:
        shutil.copytree(evaluation, path / "evaluation")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    pseudo = make_run(base / "cxr-pseudo", "jet", "pseudo", 0.90)
    gray = make_run(base / "cxr-gray", "gray", "gray", 0.80, evaluation=pseudo / "evaluation", smoke=True)
    return pseudo, gray


def test_card_has_the_serving_fields_and_the_shipped_files_hash(runs, tmp_path):
    pseudo, gray = runs
    rel = tmp_path / "cxr-v1"
    release("cxr", rel, pseudo, [gray, pseudo], shared_data_dir(), SPLITS_DIR / "cxr.csv", "training/train.sh cxr")
    card = json.loads((rel / "card.json").read_text(), parse_constant=lambda c: pytest.fail(f"bad JSON {c}"))
    for field in REQUIRED_FIELDS:
        assert field in card, field
    assert card["id"] == "cxr-v1" and card["task"] == "cxr"
    assert card["input"] == {"name": "image", "size": 64, "dtype": "uint8", "layout": "NCHW", "channels": 1}
    assert [c["name"] for c in card["classes"]] == ["covid19", "other_pneumonia", "no_finding"]
    for c in card["classes"]:
        assert c["code"] == {"value": SCT[c["name"]], "scheme": "SCT", "meaning": c["code"]["meaning"]}
    op = card["operatingPoint"]
    assert op["className"] == "covid19" and op["chosenOn"] == "validation" and op["targetSensitivity"] == 0.95
    assert 0.0 <= op["threshold"] <= 1.0
    assert card["files"]["model"] == "model.onnx"
    assert card["files"]["sha256"] == sha256(rel / "model.onnx") == sha256(pseudo / "model.onnx")
    assert (rel / "evaluation" / "evaluation.json").exists()
    assert card["temperature"] == 1.5 and card["lut"]["name"] == "jet"
    assert set(card["outputs"]) == {"probabilities", "logits", "features", "cam"}
    assert card["preprocessing"]["windowing"] and card["preprocessing"]["resize"]["crop"] is False
    counts = card["data"]["counts"]
    assert set(counts) == {"train", "val", "test"} and all(counts[s]["images"] > 0 for s in counts)
    assert {t["metric"] for t in card["metrics"]["targets"]} == {"COVID-19 vs rest F1",
                                                                 "COVID-19 vs rest specificity"}
    assert card["training"]["commit"] == "0" * 40 and card["training"]["durationSeconds"] == 12.0
    assert [a["run"] for a in card["ablation"]] == ["cxr-gray", "cxr-pseudo"]
    assert card["ablationChoice"]["chosenIsBestOnValidation"] is True
    # Evaluated on a few patients per class only: labelled a placeholder.
    assert card["limitations"][0].startswith("PLACEHOLDER")

    md = (rel / "model-card.md").read_text()
    assert "Not for diagnosis" in md
    assert "overestimate" in md
    assert "| cxr-gray | gray |" in md and "| cxr-pseudo | pseudo |" in md
    assert "≥ 0.993" in md and "≥ 0.97" in md
    assert card["files"]["sha256"] in md


def test_ablation_choice_uses_validation_and_flags_a_worse_ship(runs, tmp_path):
    pseudo, gray = runs
    assert best_on_validation([gray, pseudo]) == pseudo
    card = release("cxr", tmp_path / "cxr-v1", gray, [gray, pseudo], shared_data_dir(), SPLITS_DIR / "cxr.csv",
                   "training/train.sh cxr")
    assert card["ablationChoice"]["chosenIsBestOnValidation"] is False
    assert "not the best on validation" in (tmp_path / "cxr-v1" / "model-card.md").read_text()


def test_only_smoke_runs_are_placeholders():
    full = {"config": {"per_class": None, "max_steps": None}}
    assert not any(x.startswith("PLACEHOLDER") for x in limitations("cxr", {"smoke_per_class": None}, full))
    assert limitations("ct", {"smoke_per_class": None}, {"config": {"max_steps": 20}})[0].startswith("PLACEHOLDER")
    assert limitations("ct", {"smoke_per_class": 3}, full)[0].startswith("PLACEHOLDER")
