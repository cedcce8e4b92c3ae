"""The v2 CT manifest and split: groups that a split never cuts, and the leaks of the v1 CT split (issue 11)."""
from __future__ import annotations

import pandas as pd
import pytest

from lungflow_training.manifest import CT_CLASSES
from lungflow_training.paths import shared_data_dir
from lungflow_training.v2 import ct_data

DATA = shared_data_dir()
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")


@pytest.fixture(scope="module")
def manifest() -> pd.DataFrame:
    if not DATA.exists():
        pytest.skip(f"shared data missing at {DATA}")
    return ct_data.with_split(ct_data.load_ct_manifest(DATA))


def _groups(manifest: pd.DataFrame, column: str, values: list[str]) -> set[str]:
    return set(manifest[manifest[column].isin(values)]["group_id"])


@needs_data
def test_every_row_has_a_split_and_a_site(manifest: pd.DataFrame) -> None:
    assert manifest["split"].isin(["train", "val", "test"]).all()
    assert set(manifest["site"]) == set(ct_data.SITES)
    assert manifest["path"].is_unique and (manifest["task"] == "ct").all()
    frozen = pd.read_csv(ct_data.SPLIT_FILE, dtype=str)
    assert frozen["group_id"].is_unique and set(frozen["group_id"]) == set(manifest["group_id"])


@needs_data
def test_no_group_and_no_patient_spans_two_splits(manifest: pd.DataFrame) -> None:
    assert manifest.groupby("group_id")["split"].nunique().max() == 1
    assert manifest.groupby("patient_id")["split"].nunique().max() == 1


@needs_data
def test_numeric_run_1331_1332_is_one_group(manifest: pd.DataFrame) -> None:
    paths = [f"ct/ucsd_covid_ct/CT_NonCOVID/{n}.png" for n in (1330, 1331, 1332)]
    assert len(_groups(manifest, "path", paths)) == 1


@needs_data
def test_ieee8023_66_and_ucsd_195_196_are_one_group(manifest: pd.DataFrame) -> None:
    assert len(_groups(manifest, "patient_id", ["ieee8023:66", "ucsd:Patient 195", "ucsd:Patient 196"])) == 1


@needs_data
def test_every_stratum_is_in_every_split(manifest: pd.DataFrame) -> None:
    order = {c: i for i, c in enumerate(CT_CLASSES)}
    groups = manifest.assign(rank=manifest["label"].map(order)).sort_values(["group_id", "rank"]).drop_duplicates("group_id")
    for (label, site), part in groups.groupby(["label", "site"]):
        if len(part) >= 3:
            assert set(part["split"]) == {"train", "val", "test"}, (site, label)
    share = groups["split"].value_counts(normalize=True)
    assert 0.10 <= share["val"] <= 0.20 and 0.10 <= share["test"] <= 0.20


def test_numeric_runs_break_where_the_gap_exceeds_the_rule() -> None:
    assert ct_data.numeric_runs([1332, 1330, 1331, 1333, 1336, 1328]) == [[1328, 1330, 1331, 1332, 1333], [1336]]
    assert ct_data.numeric_runs([5, 6, 9], gap=1) == [[5, 6], [9]]


def test_ucsd_paper_and_figure_keys() -> None:
    assert ct_data.ucsd_figure("2020.02.10.20021584-p6-52%3.png") == "2020.02.10.20021584-p6-52"
    assert ct_data.ucsd_paper("2020.02.10.20021584-p6-52%3.png") == "2020.02.10.20021584"
    assert ct_data.ucsd_paper("2020.03.12.20034686-p17-91-4.png") == "2020.03.12.20034686"
    assert ct_data.ucsd_paper("PIIS0140673620301549_0%1.png") == "PIIS0140673620301549"
    assert ct_data.ucsd_paper("kjr-21-e24-p5-29.png") == "kjr-21-e24"


def test_make_split_is_group_level_and_deterministic() -> None:
    rows = [{"path": f"p{i}-{j}", "label": CT_CLASSES[i % 2], "group_id": f"g{i // 2}", "site": "ucsd_covid_ct"}
            for i in range(60) for j in range(2)]
    m = pd.DataFrame(rows)
    a, b = ct_data.make_split(m), ct_data.make_split(m)
    pd.testing.assert_frame_equal(a, b)
    assert a["group_id"].is_unique and len(a) == 30


def test_generator_refuses_to_overwrite(tmp_path, monkeypatch) -> None:
    target = tmp_path / "ct-v2.csv"
    target.write_text("group_id,split\nx,train\n")
    monkeypatch.setattr(ct_data, "SPLIT_FILE", target)
    monkeypatch.setattr(ct_data, "load_ct_manifest", lambda: pd.DataFrame(
        {"patient_id": ["a"], "group_id": ["a"], "path": ["p"], "label": ["covid19"], "site": ["ieee8023"]}))
    assert ct_data.main([]) == 0
    assert target.read_text() == "group_id,split\nx,train\n"


def test_holdout_split_puts_every_group_of_the_site_on_test_only() -> None:
    m = pd.DataFrame({"group_id": ["a", "a", "b", "c", "d"], "site": ["ieee8023", "ucsd_covid_ct", "ucsd_covid_ct",
                                                                     "ucsd_covid_ct", "ucsd_covid_ct"]})
    frozen = pd.DataFrame({"group_id": ["a", "b", "c", "d"], "split": ["train", "val", "test", "train"]})
    out = ct_data.holdout_split(m, frozen, "ieee8023").set_index("group_id")["split"].to_dict()
    assert out == {"a": "test", "b": "val", "c": "unused", "d": "train"}


@needs_data
def test_train_reads_the_group_level_split_file(tmp_path) -> None:
    import json

    from lungflow_training import train

    rows = train.split_rows("ct", DATA, ct_data.SPLIT_FILE)
    assert len(rows) == len(ct_data.load_ct_manifest(DATA)) and rows.groupby("group_id")["split"].nunique().max() == 1
    out = tmp_path / "run"
    assert train.main(["--task", "ct", "--lut", "jet", "--size", "64", "--per-class", "3", "--max-steps", "2",
                       "--epochs", "2", "--batch", "4", "--split-file", str(ct_data.SPLIT_FILE), "--out", str(out)]) == 0
    assert json.loads((out / "train_log.json").read_text())["config"]["split_file"] == "ct-v2.csv"
