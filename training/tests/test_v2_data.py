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
