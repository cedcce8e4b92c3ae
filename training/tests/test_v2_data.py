"""The v2 CXR manifest and split: Hannover joins, groups that a split never cuts, and the leaks issue 11 found."""
from __future__ import annotations

import pandas as pd
import pytest

from lungflow_training.manifest import CXR_CLASSES
from lungflow_training.paths import shared_data_dir
from lungflow_training.v2 import data

DATA = shared_data_dir()
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")


@pytest.fixture(scope="module")
def manifest() -> pd.DataFrame:
    return data.with_split(data.load_cxr_manifest(DATA))


def test_hannover_is_its_own_site_and_source(manifest: pd.DataFrame) -> None:
    staged = manifest[manifest["source"] == "hannover"]
    assert len(staged) == 84 and staged["patient_id"].nunique() == 25  # SOURCES.md
    assert set(staged["label"]) == {"covid19"}
    # ieee8023 films that cite the Hannover repository count as the Hannover site for leave-one-site-out
    via_ieee = manifest[(manifest["source"] == "ieee8023") & (manifest["site"] == "hannover")]
    assert via_ieee["patient_id"].nunique() >= 40


def test_no_group_and_no_patient_spans_two_splits(manifest: pd.DataFrame) -> None:
    assert manifest.groupby("group_id")["split"].nunique().max() == 1
    assert manifest.groupby("patient_id")["split"].nunique().max() == 1


@pytest.mark.parametrize("a,b", [("137", "202"), ("192", "196")])
def test_known_same_patient_pairs_share_a_group(manifest: pd.DataFrame, a: str, b: str) -> None:
    ga = set(manifest[manifest["patient_id"] == f"ieee8023:{a}"]["group_id"])
    gb = set(manifest[manifest["patient_id"] == f"ieee8023:{b}"]["group_id"])
    assert ga and ga == gb


def test_every_stratum_is_in_every_split(manifest: pd.DataFrame) -> None:
    # strata as make_split draws them: a group's first label in class order, and its site
    order = {c: i for i, c in enumerate(CXR_CLASSES)}
    groups = manifest.assign(rank=manifest["label"].map(order)).sort_values(["group_id", "rank"]).drop_duplicates("group_id")
    for (label, site), part in groups.groupby(["label", "site"]):
        if len(part) >= 3:
            assert set(part["split"]) == {"train", "val", "test"}, (site, label)


def test_reviewed_cases_join_as_their_own_site_without_moving_the_frozen_split(tmp_path, monkeypatch) -> None:
    from PIL import Image

    rows = []
    for i, (patient, label) in enumerate([("pacs:aa", "covid19"), ("pacs:aa", "no_finding"), ("pacs:bb", "other_pneumonia")]):
        Image.new("L", (64, 64), 40 + i).save(tmp_path / f"r{i}.png")
        rows.append({"path": f"r{i}.png", "task": "cxr", "label": label, "patient_id": patient, "source": "reviewed",
                     "view": "PA", "age_group": "adult", "lung_mask_path": ""})
    rows.append({**rows[0], "path": "ct0.png", "task": "ct"})  # a CT review is not a CXR row
    pd.DataFrame(rows).to_csv(tmp_path / "manifest.csv", index=False)

    public = data.with_split(data.load_cxr_manifest(DATA))
    monkeypatch.setenv(data.REVIEWED_ENV, str(tmp_path))
    both = data.with_split(data.load_cxr_manifest(DATA))

    reviewed = both[both["site"] == data.REVIEWED_SITE]
    assert sorted(reviewed["label"]) == ["covid19", "no_finding", "other_pneumonia"]
    assert all(p.startswith(str(tmp_path.resolve())) for p in reviewed["path"])
    assert reviewed.groupby("patient_id")["split"].nunique().max() == 1  # a patient's reviews stay on one side
    assert set(reviewed["split"]) <= {"train", "val", "test"}
    kept = both[both["site"] != data.REVIEWED_SITE].set_index("path")["split"]
    assert kept.equals(public.set_index("path")["split"].loc[kept.index])  # public rows keep their frozen split


def test_reviewed_split_is_a_fixed_function_of_the_group() -> None:
    splits = [data.reviewed_split(f"pacs:{i:04x}") for i in range(2000)]
    assert splits == [data.reviewed_split(f"pacs:{i:04x}") for i in range(2000)]
    share = {s: splits.count(s) / len(splits) for s in ("train", "val", "test")}
    assert abs(share["test"] - data.FRACTIONS["test"]) < 0.03 and abs(share["val"] - data.FRACTIONS["val"]) < 0.03
