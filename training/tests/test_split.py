"""The frozen patient-level split: no patient in two splits, every patient assigned, strata sane."""
from __future__ import annotations

import pandas as pd
import pytest

from lungflow_training import split as split_mod
from lungflow_training.manifest import load_manifest
from lungflow_training.paths import shared_data_dir

DATA = shared_data_dir()
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")


@pytest.fixture(scope="module")
def manifest() -> pd.DataFrame:
    return load_manifest(DATA)


@needs_data
@pytest.mark.parametrize("task", ["cxr", "ct"])
def test_no_patient_in_two_splits(manifest: pd.DataFrame, task: str) -> None:
    frozen = split_mod.load_split(task)
    assert frozen["patient_id"].is_unique
    assert set(frozen["split"]) == {"train", "val", "test"}
    joined = split_mod.with_split(manifest, task)  # raises if a patient is missing
    per_patient = joined.groupby("patient_id")["split"].nunique()
    assert (per_patient == 1).all()
    # and the same check on images: no image path is in two splits
    assert joined["path"].is_unique
    for a, b in [("train", "val"), ("train", "test"), ("val", "test")]:
        assert not set(joined.loc[joined["split"] == a, "patient_id"]) & set(joined.loc[joined["split"] == b,
                                                                                         "patient_id"])


@needs_data
@pytest.mark.parametrize("task", ["cxr", "ct"])
def test_split_is_stratified(manifest: pd.DataFrame, task: str) -> None:
    joined = split_mod.with_split(manifest, task)
    patients = joined.drop_duplicates("patient_id")
    for label, group in patients.groupby("label"):
        share = group["split"].value_counts(normalize=True)
        for s in ("val", "test"):
            assert 0.08 <= share.get(s, 0) <= 0.25, (label, s, share.to_dict())


def test_make_split_is_deterministic_and_patient_level() -> None:
    rows = [{"path": f"p{i}-{j}", "task": "cxr", "label": ["covid19", "no_finding"][i % 2], "patient_id": f"s:{i}",
             "source": "src", "view": "", "age_group": "adult", "lung_mask_path": ""}
            for i in range(40) for j in range(3)]
    m = pd.DataFrame(rows)
    a, b = split_mod.make_split(m, "cxr", seed=7), split_mod.make_split(m, "cxr", seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert a["patient_id"].is_unique and len(a) == 40
    assert not a.equals(split_mod.make_split(m, "cxr", seed=8))


def test_generator_refuses_to_overwrite(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(split_mod, "SPLITS_DIR", tmp_path)
    (tmp_path / "cxr.csv").write_text("patient_id,split\nx,train\n")
    assert split_mod.main(["--task", "cxr"]) == 0
    assert (tmp_path / "cxr.csv").read_text() == "patient_id,split\nx,train\n"
