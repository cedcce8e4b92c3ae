"""Patient-level (cluster) bootstrap."""
import numpy as np
import pytest

from lungflow_training.evaluate.bootstrap import bootstrap, patient_index_groups, resample_indices


def test_groups_hold_every_row_once_by_patient():
    ids = ["p2", "p1", "p2", "p3", "p1", "p2"]
    groups = patient_index_groups(ids)
    assert [g.tolist() for g in groups] == [[0, 2, 5], [1, 4], [3]]


def test_a_resample_takes_whole_patients_only():
    rng = np.random.default_rng(0)
    ids = np.array([f"p{i // 3}" for i in range(30)] + ["single"])  # ten patients of 3 images, one of 1
    groups = patient_index_groups(ids)
    for _ in range(200):
        idx = resample_indices(groups, rng)
        assert len(idx) >= len(groups)
        drawn, counts = np.unique(ids[idx], return_counts=True)
        for pid, count in zip(drawn, counts):
            size = int(np.sum(ids == pid))
            # A patient appears k whole times: never a part of its images.
            assert count % size == 0
        # The number of drawn patients (with multiplicity) equals the number of patients.
        assert sum(c // int(np.sum(ids == p)) for p, c in zip(drawn, counts)) == len(groups)


def test_ci_is_seeded_contains_point_and_reflects_patients_not_images():
    rng = np.random.default_rng(1)
    n_pat = 40
    # Each patient is either all-correct or all-wrong over 10 images: 40 independent units, not 400.
    per_patient = rng.random(n_pat) < 0.8
    ids = np.repeat([f"p{i}" for i in range(n_pat)], 10)
    correct = np.repeat(per_patient, 10).astype(float)

    def stat(idx):
        return {"acc": float(correct[idx].mean())}

    a = bootstrap(ids, stat, n_resamples=400, seed=7)
    b = bootstrap(ids, stat, n_resamples=400, seed=7)
    assert a == b
    acc = a["acc"]
    assert acc["ci_low"] <= acc["value"] <= acc["ci_high"]
    width = acc["ci_high"] - acc["ci_low"]
    # Binomial 95% width for n=40 at p~0.8 is about 0.25; image-level resampling would give about 0.08.
    assert 0.15 < width < 0.40


def test_nan_resamples_are_left_out_and_counted():
    ids = ["a", "b", "c", "d"]
    vals = np.array([1.0, np.nan, np.nan, np.nan])

    def stat(idx):
        v = vals[idx]
        v = v[~np.isnan(v)]
        return {"x": float(v.mean()) if v.size else float("nan")}

    out = bootstrap(ids, stat, n_resamples=200, seed=0)["x"]
    assert 0 < out["n_valid"] < 200
    assert out["ci_low"] == pytest.approx(1.0) and out["ci_high"] == pytest.approx(1.0)
