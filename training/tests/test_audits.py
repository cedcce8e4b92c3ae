"""Shortcut audits on constructed data where the right answer is known."""
import numpy as np
import pandas as pd
import pytest

from lungflow_training.evaluate.audits import (cam_mass_in_region, fill_region, masking_audit, source_probe,
                                               subgroup_table)
from lungflow_training.evaluate.data import ct_lung_mask


def _patients(n_per_source, images_per_patient, sources):
    src, pid = [], []
    for s in sources:
        for p in range(n_per_source):
            src += [s] * images_per_patient
            pid += [f"{s}:{p}"] * images_per_patient
    return np.array(src), np.array(pid)


def test_probe_finds_a_source_written_into_the_features():
    rng = np.random.default_rng(0)
    src, pid = _patients(15, 2, ["a", "b", "c"])
    feats = rng.normal(size=(len(src), 6))
    feats[:, 0] += 4.0 * (src == "a") - 4.0 * (src == "b")
    out = source_probe(feats, src, pid, seed=0, n_resamples=100)
    assert out["chance"] == pytest.approx(1 / 3)
    assert out["balanced_accuracy"]["value"] > 0.9
    assert np.array(out["confusion_matrix"]).sum() == len(src)


def test_probe_is_patient_grouped_so_patient_identity_is_not_source():
    # Each patient has its own feature vector, shared by all its images, unrelated to source. An image-level CV
    # would recognise the patient and its source; grouped CV must stay near chance.
    rng = np.random.default_rng(1)
    src, pid = _patients(20, 4, ["a", "b"])
    per_patient = {p: rng.normal(size=16) for p in np.unique(pid)}
    feats = np.stack([per_patient[p] + rng.normal(scale=0.01, size=16) for p in pid])
    out = source_probe(feats, src, pid, seed=0, n_resamples=100)
    assert out["balanced_accuracy"]["value"] < 0.75


def test_probe_skips_sources_with_too_few_patients():
    src, pid = _patients(10, 1, ["a"])
    src = np.r_[src, ["b", "b"]]
    pid = np.r_[pid, ["b:0", "b:1"]]
    out = source_probe(np.random.default_rng(0).normal(size=(len(src), 3)), src, pid, seed=0)
    assert "skipped" in out and out["sources_dropped"] == {"b": 2}


def test_fill_region_uses_image_mean():
    img = np.zeros((4, 4), np.uint8)
    img[:2] = 200
    region = np.zeros((4, 4), bool)
    region[0, 0] = True
    out = fill_region(img, region)
    assert out[0, 0] == 100 and out[3, 3] == 0 and img[0, 0] == 200


def test_masking_audit_shows_a_model_that_reads_the_region_drops_to_chance():
    rng = np.random.default_rng(2)
    n, size = 40, 16
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    regions = np.zeros((n, size, size), bool)
    regions[:, 4:12, 4:12] = True
    images = rng.integers(90, 110, (n, size, size)).astype(np.uint8)
    images[y == 1, 4:12, 4:12] = 250  # class 1 is bright in the region only

    def predict(batch):
        score = batch[:, 4:12, 4:12].mean(axis=(1, 2)) > 170
        return np.stack([1.0 - score, score.astype(float)], axis=1)

    out = masking_audit(images, regions, y, predict, ["neg", "pos"], "pos", 0.5)
    assert out["original"]["balanced_accuracy"] == 1.0
    assert out["region_removed"]["balanced_accuracy"] == pytest.approx(0.5)
    assert out["region_only"]["balanced_accuracy"] == 1.0
    assert out["label_counts"] == {"neg": 20, "pos": 20}


def test_subgroup_table_counts_and_flag_rates():
    frame = pd.DataFrame({"label": ["no_finding"] * 4 + ["covid19"] * 2,
                          "age_group": ["pediatric", "pediatric", "adult", "adult", "adult", "adult"],
                          "patient_id": ["k1", "k2", "r1", "r1", "i1", "i2"]})
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.1, 0.9], [0.7, 0.3], [0.6, 0.4]])
    rows = subgroup_table(frame, probs, ["covid19", "no_finding"], "covid19", 0.5, ["label", "age_group"])
    by = {(r["label"], r["age_group"]): r for r in rows}
    assert by[("no_finding", "pediatric")]["covid19_flag_rate"] == 0.5
    assert by[("no_finding", "adult")]["n_patients"] == 1 and by[("no_finding", "adult")]["accuracy"] == 1.0
    assert by[("covid19", "adult")]["mean_p_true_class"] == pytest.approx(0.65)


def test_ct_lung_heuristic_finds_dark_lungs_inside_the_body_not_the_outside_air():
    yy, xx = np.mgrid[:128, :128]
    img = np.full((128, 128), 10, np.uint8)  # outside air
    img[((yy - 64) / 55) ** 2 + ((xx - 64) / 60) ** 2 < 1] = 180  # body
    left = ((yy - 64) / 30) ** 2 + ((xx - 40) / 15) ** 2 < 1
    right = ((yy - 64) / 30) ** 2 + ((xx - 88) / 15) ** 2 < 1
    img[left | right] = 30
    img[64, 40] = 200  # a vessel inside the lung: filled as lung
    mask = ct_lung_mask(img)
    truth = left | right
    assert mask[0, 0] == False  # noqa: E712 - numpy bool
    assert (mask & truth).sum() / truth.sum() > 0.9
    assert (mask & ~truth).sum() / truth.sum() < 0.1


def test_cam_mass_in_region_against_area():
    regions = np.zeros((2, 16, 16), bool)
    regions[:, :, :8] = True  # left half
    inside = np.zeros((4, 4))
    inside[:, :1] = 1.0  # all activation in the leftmost quarter
    even = np.ones((4, 4))
    out = cam_mass_in_region(np.stack([inside, even]), regions)
    assert out["region_area_fraction"] == pytest.approx(0.5)
    # (1.0 for the left-only map + 0.5 for the even map) / 2, up to bilinear spill over the mid line
    assert 0.7 < out["cam_mass_in_region"] <= 0.75 + 1e-9
    assert out["n_maps"] == 2
