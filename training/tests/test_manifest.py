"""Readers: counts and fields against SOURCES.md (the staged developer set)."""
from __future__ import annotations

import pandas as pd
import pytest

from lungflow_training.manifest import COLUMNS, FRONTAL_VIEWS, load_manifest
from lungflow_training.paths import shared_data_dir

DATA = shared_data_dir()
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")


@pytest.fixture(scope="module")
def manifest() -> pd.DataFrame:
    return load_manifest(DATA)


def counts(m: pd.DataFrame, **eq: str) -> int:
    sel = m
    for k, v in eq.items():
        sel = sel[sel[k] == v]
    return len(sel)


def test_columns_and_every_file_exists(manifest: pd.DataFrame) -> None:
    assert list(manifest.columns) == COLUMNS
    assert manifest["path"].is_unique
    for rel in manifest["path"]:
        assert (DATA / rel).is_file(), rel
    for rel in manifest.loc[manifest["lung_mask_path"] != "", "lung_mask_path"]:
        assert (DATA / rel).is_file(), rel


def test_kermany_counts(manifest: pd.DataFrame) -> None:
    # SOURCES.md: NORMAL 100, BACTERIA 100, VIRUS 99; 225 patients; all children
    k = manifest[manifest["source"] == "kermany_pediatric"]
    assert counts(k, label="no_finding") == 100
    assert counts(k, label="other_pneumonia") == 199
    assert k["patient_id"].nunique() == 225
    assert set(k["age_group"]) == {"pediatric"}


def test_rsna_counts(manifest: pd.DataFrame) -> None:
    # SOURCES.md: 800 images of 800 patients, PA 560 / AP 240, adults 18-90
    r = manifest[manifest["source"] == "rsna_normal"]
    assert len(r) == 800 and r["patient_id"].nunique() == 800
    assert set(r["label"]) == {"no_finding"}
    assert r["view"].value_counts().to_dict() == {"PA": 560, "AP": 240}
    assert set(r["age_group"]) == {"adult"}


def test_ucsd_counts(manifest: pd.DataFrame) -> None:
    # SOURCES.md: CT_COVID 349 images of 213 patients, CT_NonCOVID 397
    u = manifest[manifest["source"] == "ucsd_covid_ct"]
    assert counts(u, label="covid19") == 349
    assert counts(u, label="non_covid") == 397
    assert u[u["label"] == "covid19"]["patient_id"].nunique() == 213
    assert set(u["task"]) == {"ct"}


def test_ieee8023_cxr_frontal_only_and_labels(manifest: pd.DataFrame) -> None:
    i = manifest[(manifest["source"] == "ieee8023") & (manifest["task"] == "cxr")]
    assert set(i["view"]) <= FRONTAL_VIEWS
    # staged X-ray: PA 295 + AP 98 + AP supine 132 frontal rows (a few share a file); lateral 44 excluded
    assert 500 <= len(i) <= 295 + 98 + 132
    # COVID-19 433 + 12 "COVID-19, ARDS" staged rows, other pneumonia 96, No Finding 19, before the view filter
    assert 400 <= counts(i, label="covid19") <= 445
    assert 60 <= counts(i, label="other_pneumonia") <= 96
    assert 10 <= counts(i, label="no_finding") <= 19
    assert i["patient_id"].str.startswith("ieee8023:").all()
    # V7 lung masks exist for most frontal ieee8023 images (445 staged, 24 empty for laterals)
    assert (i["lung_mask_path"] != "").sum() >= 380


def test_ieee8023_ct(manifest: pd.DataFrame) -> None:
    # SOURCES.md: 63 CT rows: COVID-19 59, No Finding 4
    i = manifest[(manifest["source"] == "ieee8023") & (manifest["task"] == "ct")]
    assert counts(i, label="covid19") == 59 and counts(i, label="non_covid") == 4


def test_labels_and_age_groups_are_in_vocabulary(manifest: pd.DataFrame) -> None:
    cxr, ct = manifest[manifest["task"] == "cxr"], manifest[manifest["task"] == "ct"]
    assert set(cxr["label"]) == {"covid19", "other_pneumonia", "no_finding"}
    assert set(ct["label"]) == {"covid19", "non_covid"}
    assert set(manifest["age_group"]) <= {"pediatric", "adult", "unknown"}
    # patient ids are prefixed by source so two sources never share an id
    prefixes = manifest["patient_id"].str.split(":").str[0]
    assert prefixes.groupby(manifest["source"]).nunique().max() == 1
