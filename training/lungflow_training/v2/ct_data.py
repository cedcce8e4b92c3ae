"""The v2 CT manifest and its group-level split (issue 11, "Fix the split first", CT part).

The v1 CT split (splits/ct.csv) is per patient, and its patients leak:
- ieee8023 CT patient 66 is the figure that UCSD files as patients 195/196 (kjr-21-e24, DOI 10.3348/kjr.2020.0132).
- 230 UCSD non-COVID files have plain numeric names, and each was its own "patient"; consecutive numbers are one case
  (1330/1331/1332.png are one slice, 1332 with arrows).

So patients are merged into groups that a split never cuts (the union-find, thumbnails and duplicate check of
v2/data.py, reused):
- paper or case: the ieee8023 DOI and url, the UCSD COVID DOI (the same DOI joins both sources) and the UCSD COVID
  paper, the file-name stem before `-p<page>-` (or a trailing `_<n>`), when it holds at most MAX_PATIENTS_PER_CASE
  patients (as for the CXR: a larger one is a case series of distinct patients);
- figure: UCSD COVID images of one figure (stem before `%`) always;
- numeric run: UCSD non-COVID `<n>.png` files whose numbers are at most RUN_GAP apart (see RUN_GAP). The `<n>.jpg` and
  `<n>%<k>.jpg` files are a separate numbering, one case per number (the v1 patient id), and are not chained;
- picture: the perceptual duplicate check of v2/data.py across both sources and both classes.
The split is frozen per group in splits/ct-v2.csv; splits/ct.csv stays for the v1 release.

Usage: python -m lungflow_training.v2.ct_data [--force]
       python -m lungflow_training.v2.ct_data --holdout ieee8023 --out runs/ct-v2-loso-ieee8023/split.csv
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..manifest import CT_CLASSES, load_manifest
from ..paths import SPLITS_DIR, shared_data_dir
from . import data as cxr_v2

SEED = 20261204
SPLIT_FILE = SPLITS_DIR / "ct-v2.csv"
SITES = ["ieee8023", "ucsd_covid_ct"]
MAX_PATIENTS_PER_CASE = cxr_v2.MAX_PATIENTS_PER_CASE
# Two `<n>.png` non-COVID files are one case when their numbers differ by at most this. Checked by eye: every pair
# with a gap of 1 that was looked at is one patient (1330/1331/1332 one slice; 23-26, 43/44, 1307-1310), and so are
# two gap-2 pairs (1328/1330, 887/889: one patient, one number missing from the folder); the gap-3 pairs looked at
# (171/174, 378/381, 580/583, 706/709) are different patients. Thumbnail r of gap-1 pairs has median 0.80 against
# 0.55 for gaps > 1 and 0.54 for all pairs, but some same-case pairs are below 0.4 (43/44: 0.32), so r does not
# decide and the rule is by number alone. Merging too much costs only sample size; merging too little leaks.
RUN_GAP = 2
_NUMERIC_PNG = re.compile(r"ct/ucsd_covid_ct/CT_NonCOVID/(\d+)\.png")


def _doi(value: str) -> str:
    return re.sub(r"\s+", "", value).lower()


def ucsd_paper(file_name: str) -> str:
    """The paper of a UCSD COVID file: `2020.02.10.20021584-p6-52%3.png` -> `2020.02.10.20021584`,
    `PIIS0140673620301549_0%1.png` -> `PIIS0140673620301549`."""
    return re.sub(r"(-p\d+-.*|_\d+)$", "", ucsd_figure(file_name))


def ucsd_figure(file_name: str) -> str:
    """The figure of a UCSD file: the stem before `%` (`...-p6-52%3.png` -> `...-p6-52`)."""
    return Path(file_name).stem.split("%")[0]


def numeric_runs(numbers: list[int], gap: int = RUN_GAP) -> list[list[int]]:
    """Sorted numbers cut into runs wherever two neighbours differ by more than `gap`."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n - runs[-1][-1] <= gap:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def _case_keys(d: Path, m: pd.DataFrame) -> pd.DataFrame:
    """One row per (image, key) for the paper/case keys that merge patients up to MAX_PATIENTS_PER_CASE."""
    ieee = m[m["source"] == "ieee8023"].join(cxr_v2._ieee_cases(d, "CT").set_index("path"), on="path")
    meta = pd.read_csv(d / "ct/ucsd_covid_ct/covid_metainfo_from_xlsx.csv", dtype=str).fillna("")
    doi = meta.drop_duplicates("image_file").set_index("image_file")["DOI"]
    covid = m[m["path"].str.startswith("ct/ucsd_covid_ct/CT_COVID/")]
    names = covid["path"].str.rsplit("/", n=1).str[-1]
    keys = [
        pd.DataFrame({"patient_id": ieee["patient_id"], "key": "doi:" + ieee["doi"].map(_doi)}),
        pd.DataFrame({"patient_id": ieee["patient_id"], "key": "url:" + ieee["url"]}),
        pd.DataFrame({"patient_id": covid["patient_id"], "key": "doi:" + names.map(doi).fillna("").map(_doi)}),
        pd.DataFrame({"patient_id": covid["patient_id"], "key": "ucsd-paper:" + names.map(ucsd_paper)}),
    ]
    out = pd.concat(keys, ignore_index=True)
    return out[~out["key"].isin(["doi:", "url:"])]


def load_ct_manifest(data_dir: Path | None = None, dedupe: bool = True) -> pd.DataFrame:
    """Every CT image with the v1 manifest's columns plus `site` (ieee8023 or ucsd_covid_ct, the leave-one-source-out
    unit) and `group_id` (the unit a split never cuts). `attrs["merges"]` counts the unions each rule made and
    `attrs["duplicates"]` lists the perceptual pairs that joined two patients."""
    d = Path(data_dir or shared_data_dir())
    m = load_manifest(d)
    m = m[m["task"] == "ct"].sort_values("path", kind="stable").reset_index(drop=True)
    m["site"] = m["source"]
    groups = cxr_v2._Groups(list(m["patient_id"].unique()))
    merges = {"case": 0, "figure": 0, "numeric_run": 0, "duplicate": 0}

    for patients in _case_keys(d, m).groupby("key")["patient_id"].unique():
        if 1 < len(patients) <= MAX_PATIENTS_PER_CASE:
            merges["case"] += sum(groups.union(patients[0], p) for p in patients[1:])
    covid = m[m["path"].str.startswith("ct/ucsd_covid_ct/CT_COVID/")]
    figure = covid["path"].str.rsplit("/", n=1).str[-1].map(ucsd_figure)
    for patients in covid.groupby(figure)["patient_id"].unique():
        merges["figure"] += sum(groups.union(patients[0], p) for p in patients[1:])
    numbered = {int(g): pid for pid, g in
                zip(m["patient_id"], m["path"].str.extract(_NUMERIC_PNG.pattern + "$")[0]) if g == g}
    for run in numeric_runs(list(numbered)):
        merges["numeric_run"] += sum(groups.union(numbered[run[0]], numbered[n]) for n in run[1:])

    m.attrs["duplicates"] = []
    if dedupe:
        full, crops = cxr_v2.thumbnails([d / p for p in m["path"]])
        for i, j, r in cxr_v2.duplicate_pairs(full, crops):
            a, b = m.at[i, "patient_id"], m.at[j, "patient_id"]
            if a != b:
                merges["duplicate"] += groups.union(a, b)
                m.attrs["duplicates"].append((m.at[i, "path"], m.at[j, "path"], round(r, 4)))
    m["group_id"] = m["patient_id"].map(groups.find)
    m.attrs["merges"] = merges
    return m.astype(str)


def make_split(m: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """Group-level 70/15/15 split stratified by (the group's first label in CT class order, its site)."""
    return cxr_v2.make_split(m, seed=seed, classes=CT_CLASSES)


def with_split(m: pd.DataFrame, split_file: Path | None = None) -> pd.DataFrame:
    """The manifest with a `split` column from the frozen group-level split; fails if a group is missing."""
    return cxr_v2.with_split(m, split_file or SPLIT_FILE)


def holdout_split(m: pd.DataFrame, frozen: pd.DataFrame, site: str) -> pd.DataFrame:
    """A leave-one-source-out split derived from the frozen one: every group with an image of `site` is `test` (scored,
    never trained on); the other groups keep their frozen train/val side, and the frozen test groups become `unused`
    (neither trained on nor scored), so the held-out figure is the held-out site alone."""
    held = set(m.loc[m["site"] == site, "group_id"])
    out = frozen[["group_id", "split"]].copy()
    out.loc[out["split"] == "test", "split"] = "unused"
    out.loc[out["group_id"].isin(held), "split"] = "test"
    return out


def v1_leaks(m: pd.DataFrame, v1_split: pd.DataFrame) -> dict[str, int]:
    """How the per-patient v1 split cuts the v2 groups: groups on more than one v1 side, and image pairs of one group
    on two different v1 sides (each unordered pair once)."""
    s = m.merge(v1_split[["patient_id", "split"]], on="patient_id", how="left")
    pairs = 0
    for _, counts in s.groupby("group_id")["split"].value_counts().groupby(level=0):
        c = counts.to_numpy()
        pairs += int((c.sum() ** 2 - (c ** 2).sum()) // 2)
    return {"groups_cut": int((s.groupby("group_id")["split"].nunique() > 1).sum()), "image_pairs_cut": pairs}


def summary(m: pd.DataFrame) -> pd.DataFrame:
    """Groups and images per split x label x site (a group counts under its stratum: first label, first site)."""
    order = {c: i for i, c in enumerate(CT_CLASSES)}
    g = m.assign(rank=m["label"].map(order)).sort_values(["group_id", "rank"]).drop_duplicates("group_id")
    groups = g.groupby(["split", "label", "site"]).size().rename("groups")
    images = m.groupby(["split", "label", "site"]).size().rename("images")
    return pd.concat([groups, images], axis=1).fillna(0).astype(int)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="freeze the v2 CT group-level split")
    ap.add_argument("--force", action="store_true", help="overwrite the frozen split (changes every result)")
    ap.add_argument("--holdout", choices=SITES, help="write a leave-this-site-out split (see holdout_split) to --out")
    ap.add_argument("--out", type=Path, help="with --holdout: where to write it (not under splits/)")
    args = ap.parse_args(argv)
    m = load_ct_manifest()
    if args.holdout:
        if not args.out:
            ap.error("--holdout needs --out")
        split = holdout_split(m, pd.read_csv(SPLIT_FILE, dtype=str), args.holdout)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        split.to_csv(args.out, index=False)
        print(f"wrote {args.out} (hold out {args.holdout}): {split['split'].value_counts().to_dict()}")
        return 0
    dups = m.attrs.get("duplicates", [])
    print(f"{len(m)} images, {m['patient_id'].nunique()} patients, {m['group_id'].nunique()} groups; "
          f"unions by rule {m.attrs.get('merges')}; {len(dups)} cross-patient duplicate pairs")
    for a, b, r in dups:
        print(f"  dup r={r}: {a} ~ {b}")
    v1 = SPLITS_DIR / "ct.csv"
    if v1.exists():
        print(f"v1 split {v1.name} under the v2 groups: {v1_leaks(m, pd.read_csv(v1, dtype=str))}")
    if SPLIT_FILE.exists() and not args.force:
        print(f"{SPLIT_FILE} is frozen; leaving it (use --force to regenerate)")
        return 0
    split = make_split(m)
    SPLIT_FILE.parent.mkdir(parents=True, exist_ok=True)
    split.to_csv(SPLIT_FILE, index=False)
    print(f"wrote {SPLIT_FILE}: {split['split'].value_counts().to_dict()}")
    print(summary(with_split(m)).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
