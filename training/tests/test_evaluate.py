"""The evaluator end to end on real images (a few patients per class) with a tiny random ONNX graph that has the
release I/O contract. It checks the plumbing and the report, not model quality."""
import json

import pytest

from lungflow_training.evaluate.contract_model import build_contract_model
from lungflow_training.evaluate.report import fmt
from lungflow_training.evaluate.runner import evaluate
from lungflow_training.evaluate.summary import unflatten
from lungflow_training.manifest import CLASSES
from lungflow_training.paths import SPLITS_DIR, shared_data_dir

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One evaluation per task, shared by the tests below (each takes seconds)."""
    done = {}
    for task, per_class in (("cxr", 4), ("ct", 3)):
        base = tmp_path_factory.mktemp(task)
        model = build_contract_model(base / "model.onnx", len(CLASSES[task]), size=64, seed=3)
        out = base / "evaluation"
        evaluate(task, model, out, shared_data_dir(), SPLITS_DIR / f"{task}.csv", n_resamples=50, seed=1,
                 cache_dir=None, per_class=per_class)
        text = (out / "evaluation.json").read_text()
        done[task] = (out, json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}")))
    return done


@pytest.mark.parametrize("task", ["cxr", "ct"])
def test_evaluation_writes_json_report_and_figures(task, runs):
    out, ev = runs[task]
    classes = CLASSES[task]
    assert ev["classes"] == classes and ev["positive_class"] == "covid19"
    test_counts = ev["counts"]["test"]
    assert sum(test_counts["by_label"].values()) == test_counts["images"] > 0
    op = ev["test"]["operating_point"]
    assert sum(op["counts"].values()) == test_counts["images"]
    assert ev["operating_point"]["validation_sensitivity"] >= 0.95
    assert 0.0 <= ev["operating_point"]["threshold"] <= 1.0
    for name in classes:
        for metric in ("sensitivity", "specificity", "ppv", "npv", "f1", "roc_auc"):
            assert set(ev["test"]["per_class"][name][metric]) == {"value", "ci_low", "ci_high", "n_valid"}
    assert set(op["ppv_at_prevalence"]) == {"0.01", "0.05", "0.2"}
    assert len(ev["confusion_matrix"]["matrix"]) == len(classes)
    assert sum(map(sum, ev["confusion_matrix"]["matrix"])) == test_counts["images"]
    assert len(ev["calibration"]["test"]["bins"]) == 15
    for fig in ev["figures"].values():
        if fig:
            assert (out / fig).read_bytes()[:8] == PNG
    report = (out / "report.md").read_text()
    assert fmt(ev["operating_point"]["threshold"], 4) in report
    assert fmt(op["f1"]["value"]) in report
    assert set(ev["audits"]) >= {"source_probe", "masking", "by_age_group", "by_source", "by_view"}


def test_cxr_masking_audits_cover_v7_masked_images_and_every_test_image(runs):
    _, ev = runs["cxr"]
    v7, atlas = ev["audits"]["masking"]["v7_masks"], ev["audits"]["masking"]["atlas"]
    assert "V7" in v7["method"] and "atlas" in atlas["method"].lower()
    assert atlas["n_images"] == ev["counts"]["test"]["images"]
    assert atlas["chance_balanced_accuracy"] == pytest.approx(1 / 3)
    if "skipped" not in v7:
        assert 0 < v7["n_images"] == sum(v7["label_counts"].values()) <= ev["counts"]["test"]["by_source"]["ieee8023"]


def test_ct_masking_audit_uses_the_heuristic(runs):
    _, ev = runs["ct"]
    assert list(ev["audits"]["masking"]) == ["ct_heuristic"]


def test_unflatten_keeps_prevalence_keys_whole():
    nested = unflatten({"operating_point.ppv_at_prevalence.0.05": 1.0, "per_class.a.f1": 2.0})
    assert nested == {"operating_point": {"ppv_at_prevalence": {"0.05": 1.0}}, "per_class": {"a": {"f1": 2.0}}}
