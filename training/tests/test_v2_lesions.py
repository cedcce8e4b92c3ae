"""Lesion measurements (the README rules), the grouped nested CV (no label of a held-out fold reaches its
predictions) and the released lesions.json / lesions-golden.json of cxr-v2."""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lungflow_training.paths import MODELS_DIR, shared_data_dir
from lungflow_training.v2 import lesions as L

CLASSES = ["covid19", "other_pneumonia", "no_finding"]
RELEASE = MODELS_DIR / "cxr-v2"
DATA = shared_data_dir()


def _lungs(boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """Lung probability 0.9 inside (y0, y1, x0, x1) boxes (inclusive), 0.1 elsewhere."""
    p = np.full((112, 112), 0.1, np.float32)
    for y0, y1, x0, x1 in boxes:
        p[y0:y1 + 1, x0:x1 + 1] = 0.9
    return p


def test_sides_split_at_the_bounding_box_centre_and_zones_in_thirds_of_each_side() -> None:
    # right lung (image left) rows 20-79, cols 10-29; left lung rows 30-39 (h = 10: thirds at 3.33 and 6.67), cols 60-89
    lung = _lungs([(20, 79, 10, 29), (30, 39, 60, 89)]) > 0.5
    r = L.region_masks(lung)
    mid = (10 + 89 + 1) / 2
    xs = np.arange(112)
    assert np.array_equal(r["right"], lung & (xs[None, :] < mid)) and np.array_equal(r["left"], lung & (xs[None, :] >= mid))
    rows = lambda m: sorted(set(np.nonzero(m)[0]))  # noqa: E731
    assert rows(r["rightUpper"]) == list(range(20, 40)) and rows(r["rightMiddle"]) == list(range(40, 60))
    assert rows(r["rightLower"]) == list(range(60, 80))
    assert rows(r["leftUpper"]) == [30, 31, 32, 33] and rows(r["leftMiddle"]) == [34, 35, 36]
    assert rows(r["leftLower"]) == [37, 38, 39]
    assert sum(int(r[z].sum()) for z in L.ZONES) == int(lung.sum())


def test_lesion_pixels_normalisation_and_features() -> None:
    lungs = _lungs([(20, 79, 10, 29), (20, 79, 60, 89)])
    lungs[20, 10] = 0.5  # exactly the threshold: not lung (lungs > 0.5)
    cam = np.zeros((3, 56, 56), np.float32)
    cam[0] = 1.0
    cam[0, 10, 5] = 2.0  # 2x2 on the grid: rows 20-21, cols 10-11 (one of them not lung)
    x = np.zeros((224, 224), np.uint8)
    lung = lungs > 0.5
    n = int(lung.sum())
    m = L.measure(x, lungs, cam, CLASSES, L.LesionMap("covid19", "maxInLungs", 0.6))
    assert m.lesionPixels["total"] == 3 and m.features["total.lesionFraction"] == pytest.approx(3 / n)
    assert m.features["total.meanCam"] == pytest.approx(((n - 3) * 0.5 + 3 * 1.0) / n)
    assert m.features["total.lungFraction"] == pytest.approx(n / 112 ** 2)
    assert m.features["left.lesionFraction"] == 0.0 and m.features["rightUpper.lesionFraction"] > 0
    # >= threshold: every normalised value 0.5 counts at threshold 0.5
    assert L.measure(x, lungs, cam, CLASSES, L.LesionMap("covid19", "maxInLungs", 0.5)).features["total.lesionFraction"] == 1.0
    raw = L.measure(x, lungs, cam, CLASSES, L.LesionMap("covid19", "none", 1.5))
    assert raw.lesionPixels["total"] == 3 and raw.features["total.meanCam"] == pytest.approx((n - 3 + 6) / n)
    # a class whose lung maximum is <= 0 is not divided
    neg = L.measure(x, lungs, -cam, CLASSES, L.LesionMap("covid19", "maxInLungs", -1.5))
    assert neg.features["total.meanCam"] == pytest.approx(-(n - 3 + 6) / n) and neg.lesionPixels["total"] == n - 3
    assert list(m.features) == L.FEATURES


def test_mean_intensity_is_the_input_averaged_2x2_over_255() -> None:
    lungs = _lungs([(0, 0, 0, 0), (0, 0, 111, 111)])  # two single pixels: (0,0) right, (0,111) left
    x = np.zeros((224, 224), np.uint8)
    x[0, 0], x[1, 1] = 255, 255  # the 2x2 block of grid pixel (0,0): mean 127.5
    x[0:2, 222:224] = 51
    f = L.measure(x, lungs, np.zeros((3, 56, 56), np.float32), CLASSES, L.LesionMap("covid19", "none", 0.5)).features
    assert f["right.meanIntensity"] == pytest.approx(0.5) and f["left.meanIntensity"] == pytest.approx(0.2)
    assert f["total.meanIntensity"] == pytest.approx(0.35) and f["total.lesionFraction"] == 0.0


def test_peak_is_the_first_maximum_in_row_major_order_and_none_without_lungs() -> None:
    lungs = _lungs([(10, 50, 10, 50)])
    cam = np.zeros((3, 56, 56), np.float32)
    cam[0, 12, 20] = cam[0, 12, 8] = cam[0, 20, 5] = 3.0  # ties; row 24 (grid) comes first, then column 16
    m = L.measure(np.zeros((224, 224), np.uint8), lungs, cam, CLASSES, L.LesionMap("covid19", "maxInLungs", 0.5))
    assert m.peak == ((16 + 0.5) / 112, (24 + 0.5) / 112)
    empty = L.measure(np.zeros((224, 224), np.uint8), np.zeros((112, 112), np.float32), cam, CLASSES,
                      L.LesionMap("covid19", "maxInLungs", 0.5))
    assert empty.peak is None and all(v == 0.0 for v in empty.features.values())


def test_regressions_clip_and_brixia_global_is_the_sum_of_zones() -> None:
    f = {name: 0.0 for name in L.FEATURES}
    f["rightUpper.lesionFraction"], f["leftLower.lesionFraction"], f["total.lesionFraction"] = 1.0, 0.1, 0.3
    lesions = {"brixiaZone": {"intercept": 0.5, "weights": {"lesionFraction": 10.0}, "range": [0, 3]},
               "extent": {"intercept": -1.0, "weights": {"total.lesionFraction": 10.0}, "range": [0, 8]},
               "opacity": {"intercept": -1.0, "weights": {"total.lesionFraction": 1.0}, "range": [0, 6]}}
    s = L.severity(lesions, f)
    assert s["brixiaZones"]["rightUpper"] == 3.0 and s["brixiaZones"]["leftLower"] == pytest.approx(1.5)
    assert s["brixiaGlobal"] == pytest.approx(3.0 + 1.5 + 4 * 0.5)
    assert s["extent"] == pytest.approx(2.0) and s["opacity"] == 0.0


def test_area_in_mm2_only_with_a_known_spacing() -> None:
    assert L.area_mm2(10, 2240, 1120, None) is None
    assert L.area_mm2(10, 2240, 1120, (0.1, 0.2)) == pytest.approx(10 * (2240 * 0.1 / 112) * (1120 * 0.2 / 112))


def test_group_folds_keep_each_group_in_one_fold() -> None:
    rng = np.random.default_rng(0)
    groups = np.array([f"g{i}" for i in rng.integers(0, 40, 300)])
    folds = L.group_folds(groups, 5, 1)
    assert all(len(set(folds[groups == g])) == 1 for g in set(groups))
    sizes = np.bincount(folds)
    assert len(sizes) == 5 and sizes.max() - sizes.min() <= np.bincount(np.unique(groups, return_inverse=True)[1]).max()


def _synthetic(n_groups: int = 40, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Images whose targets depend on their features, in groups of 1-3 images."""
    rng = np.random.default_rng(seed)
    rows, feats = [], []
    for g in range(n_groups):
        for _ in range(rng.integers(1, 4)):
            f = rng.uniform(0, 1, len(L.FEATURES))
            zones = [np.clip(3 * f[L.FEATURES.index(f"{z}.lesionFraction")] + rng.normal(0, 0.2), 0, 3) for z in L.ZONES]
            tot = f[L.FEATURES.index("total.lesionFraction")]
            row = {"path": f"img{len(rows)}", "patient_id": f"p{g}", "group_id": f"g{g}", "classifier_split": "train",
                   "brixiaS": sum(zones), "brixiaJ": sum(zones) + 1, "brixiaReadersAbsDiff": 1.0, "brixiaScorings": 1,
                   **{f"brixia{k}": v for k, v in zip("ABCDEF", zones)},
                   "extent": 8 * tot, "opacity": 6 * tot ** 2, "lab_crp": 100 * tot + 5}
            for ident, *_ in L.LABS[1:]:
                row[f"lab_{ident}"] = np.nan
            rows.append(row)
            feats.append(f)
    F = np.array(feats)
    tables = {L.LesionMap("covid19", "none", 0.0): F, L.LesionMap("covid19", "none", 1.0): F[:, ::-1].copy()}
    return pd.DataFrame(rows), tables


def test_held_out_predictions_never_see_their_own_labels() -> None:
    images, tables = _synthetic()
    indicators = L.choose_indicators(images)
    assert [i["id"] for i in indicators][0] == "crp" and indicators[0]["estimable"]
    a = L.cross_validate(images, tables, indicators, resamples=20, folds=4)
    outer = L.group_folds(images["group_id"].to_numpy(), 4, L.SEED)
    held = outer == 0
    changed = images.copy()
    for col in [f"brixia{z}" for z in "ABCDEF"] + ["extent", "opacity", "lab_crp"]:
        changed.loc[held, col] = changed.loc[held, col][::-1].to_numpy()  # scramble fold 0's labels
    b = L.cross_validate(changed, tables, indicators, resamples=20, folds=4)
    for key in ("brixiaZones", "extent", "opacity", "crp"):
        pa, pb = np.asarray(a["oof"][key]), np.asarray(b["oof"][key])
        assert np.array_equal(pa[held], pb[held]), key  # fold 0 is predicted from the other folds only
        assert not np.array_equal(pa[~held], pb[~held]), key  # ...whose models did learn from fold 0's labels
    # and the model learnt something real: it beats the training-mean baseline on held-out folds
    assert a["extent"]["mae"]["value"] < a["extent"]["baselineMae"]["value"]
    assert a["brixiaGlobal"]["mae"]["value"] < a["brixiaGlobal"]["baselineMae"]["value"]


def test_indicators_with_too_few_patients_are_not_estimable_and_get_no_weights() -> None:
    images, tables = _synthetic(n_groups=40)
    few = images["patient_id"].isin([f"p{g}" for g in range(L.MIN_PATIENTS - 1)])
    images["lab_ldh"] = np.where(few, 300.0, np.nan)
    ind = L.choose_indicators(images)
    ldh = next(i for i in ind if i["id"] == "ldh")
    assert ldh["nPatients"] == L.MIN_PATIENTS - 1 and not ldh["estimable"]
    models, _ = L.fit_final(images, tables, ind)
    entry = next(c for c in models["clinical"] if c["id"] == "ldh")
    assert entry["estimable"] is False and "weights" not in entry and entry["nPatients"] == L.MIN_PATIENTS - 1
    cv = L.cross_validate(images, tables, ind, resamples=10, folds=4)
    assert "ldh" not in cv and "crp" in cv


def test_card_section_is_replaced_on_a_rerun(tmp_path: Path) -> None:
    card = tmp_path / "model-card.md"
    card.write_text("# card\n\nbody\n")
    L.write_card(card, L.CARD_HEADING + "\n\nfirst\n")
    L.write_card(card, L.CARD_HEADING + "\n\nsecond\n")
    text = card.read_text()
    assert text.startswith("# card\n\nbody\n") and text.count(L.CARD_HEADING) == 1 and "second" in text
    assert "first" not in text


@pytest.fixture(scope="module")
def released() -> tuple[dict, dict]:
    if not (RELEASE / "lesions.json").exists():
        pytest.skip("models/cxr-v2/lesions.json not written yet (training/train.sh lesions)")
    return json.loads((RELEASE / "lesions.json").read_text()), json.loads((RELEASE / "lesions-golden.json").read_text())


def test_released_lesions_apply_to_the_shipped_model(released: tuple[dict, dict]) -> None:
    lesions, _ = released
    card = json.loads((RELEASE / "card.json").read_text())
    assert lesions["schema"] == L.SCHEMA and lesions["appliesTo"]["model"] == card["id"]
    assert lesions["appliesTo"]["sha256"] == hashlib.sha256((RELEASE / "model.onnx").read_bytes()).hexdigest()
    assert "no lesion masks" in lesions["supervision"] and "weakly supervised" in lesions["supervision"]
    assert set(lesions["brixiaZone"]["weights"]) <= set(L.MEASURES)
    for name in ("extent", "opacity"):
        assert set(lesions[name]["weights"]) <= set(L.FEATURES)
    assert len(lesions["clinical"]) == L.N_INDICATORS
    cv = json.loads((RELEASE / "evaluation" / "lesions.json").read_text())["crossValidation"]
    for c in lesions["clinical"]:
        assert ("weights" in c) == c["estimable"]
        # shipped only with enough patients and when cross-validation shows it beats predicting the mean
        beats = c["id"] in cv and cv[c["id"]]["maeMinusBaseline"]["ci_high"] < 0
        assert c["estimable"] == (c["nPatients"] >= L.MIN_PATIENTS and beats), c["id"]
        if not c["estimable"] and c["nPatients"] >= L.MIN_PATIENTS:
            assert c["reason"].startswith("withheld")


def test_a_regression_that_does_not_beat_the_mean_is_withheld() -> None:
    entry = {"id": "crp", "display": "CRP", "unit": "mg/L", "estimable": True, "nPatients": 40, "intercept": 1.0, "weights": {"total.lesionFraction": 2.0}}
    worse = {"maeMinusBaseline": {"value": 0.2, "ci_low": -0.5, "ci_high": 0.9}}
    better = {"maeMinusBaseline": {"value": -2.0, "ci_low": -3.0, "ci_high": -0.1}}
    assert L.shipped_or_withheld(entry, better) == entry
    withheld = L.shipped_or_withheld(entry, worse)
    assert withheld["estimable"] is False and "weights" not in withheld and withheld["reason"].startswith("withheld")
    few = {**entry, "estimable": False, "nPatients": 12}
    assert L.shipped_or_withheld(few, better) == few


def test_lesions_golden_is_recomputed_from_the_golden_inputs(released: tuple[dict, dict]) -> None:
    lesions, lgold = released
    golden = json.loads((RELEASE / "golden.json").read_text())
    assert [c["file"] for c in lgold["cases"]] == [c["file"] for c in golden["cases"]]
    inputs = [np.frombuffer(base64.b64decode(c["inputBase64"]), np.uint8).reshape(224, 224) for c in golden["cases"]]
    outs = L.model_outputs(RELEASE / "model.onnx", inputs, [c["file"] for c in golden["cases"]], None)
    lm = L.LesionMap(**lesions["lesionMap"])
    for case, x, o in zip(lgold["cases"], inputs, outs):
        f = L.measure(x, o["lungs"], o["cam"], CLASSES, lm).features
        assert set(case["features"]) == set(L.FEATURES)
        assert max(abs(f[k] - case["features"][k]) for k in f) < 1e-4, case["file"]
        s = L.severity(lesions, f)
        for k in ("brixiaGlobal", "extent", "opacity"):
            assert abs(s[k] - case[k]) < 1e-4, (case["file"], k)


@pytest.mark.skipif(not DATA.exists(), reason="shared data missing")
def test_labelled_images_join_the_three_label_files() -> None:
    im = L.labelled_images(DATA)
    b = im[im["brixiaA"].notna()]
    # SOURCES.md: 169 staged scored rows of 117 patients; two images are scored twice (old and new file name)
    assert len(b) == 167 and b["brixiaScorings"].sum() == 169 and b["patient_id"].nunique() == 117
    twice = im[im["path"] == "cxr/ieee8023/images/extubation-1.jpg"].iloc[0]
    assert twice["brixiaScorings"] == 2 and twice["brixiaS"] == (4 + 8) / 2 and twice["brixiaReadersAbsDiff"] == (1 + 8) / 2
    ann = pd.read_csv(DATA / "cxr/ieee8023/annotations/brixia/public-annotations.csv", encoding="utf-8-sig")
    row = ann[ann["filename"] == "6C94A287-C059-46A0-8600-AFB95F4727B7.jpeg"].iloc[0]
    got = im[im["path"] == "cxr/ieee8023/images/6C94A287-C059-46A0-8600-AFB95F4727B7.jpeg"].iloc[0]
    assert got["brixiaA"] == (row["S-A"] + row["J-A"]) / 2 and got["brixiaS"] == row["S-Global"]
    assert im["extent"].notna().sum() > 80 and im["path"].is_unique
    assert im["hannover"].sum() == 84 + 82  # SOURCES.md: 84 staged under cxr/hannover, 82 held by ieee8023
    labs = im[[f"lab_{i}" for i, *_ in L.LABS]]
    assert np.isfinite(labs.to_numpy()[labs.notna().to_numpy()]).all()


@pytest.mark.skipif(not DATA.exists(), reason="shared data missing")
def test_smoke_writes_the_release_files(tmp_path: Path) -> None:
    assert L.main(["--out", str(tmp_path), "--limit", "10", "--resamples", "20", "--folds", "3",
                   "--cache", str(tmp_path / "cache")]) == 0
    lesions = json.loads((tmp_path / "lesions.json").read_text())
    assert lesions["lesionMap"] in [asdict(L.LesionMap(*g)) for g in L.LESION_MAP_GRID]
    assert all(not c["estimable"] for c in lesions["clinical"])  # 10 Hannover images: too few patients
    ev = json.loads((tmp_path / "evaluation" / "lesions.json").read_text())
    assert ev["data"]["limit"] == 10 and "brixiaGlobal" in ev["crossValidation"]
    card = (tmp_path / "model-card.md").read_text()
    assert card.startswith("# Model card: cxr-v2") and card.count(L.CARD_HEADING) == 1 and "not estimable" in card
    gold = json.loads((tmp_path / "lesions-golden.json").read_text())
    assert len(gold["cases"]) == len(json.loads((RELEASE / "golden.json").read_text())["cases"])
