"""Patient-level, class- and source-stratified train/val/test split, generated once and frozen in splits/<task>.csv.

Usage: python -m lungflow_training.split --task cxr|ct [--force]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .manifest import CLASSES, load_manifest
from .paths import SPLITS_DIR, shared_data_dir

SEED = 20261126
FRACTIONS = {"val": 0.15, "test": 0.15}


def split_file(task: str) -> Path:
    return SPLITS_DIR / f"{task}.csv"


def patient_strata(manifest: pd.DataFrame, task: str) -> pd.DataFrame:
    """One row per patient: the patient's label (the first class in CLASSES order they have) and source."""
    order = {c: i for i, c in enumerate(CLASSES[task])}
    m = manifest[manifest["task"] == task].copy()
    m["rank"] = m["label"].map(order)
    first = m.sort_values(["patient_id", "rank"]).drop_duplicates("patient_id")
    return first[["patient_id", "label", "source"]].reset_index(drop=True)


def make_split(manifest: pd.DataFrame, task: str, seed: int = SEED) -> pd.DataFrame:
    """Within every (label, source) stratum, shuffle patients with `seed` and cut val and test fractions off."""
    rng = np.random.default_rng(seed)
    patients = patient_strata(manifest, task)
    rows = []
    for (_, _), group in patients.groupby(["label", "source"], sort=True):
        ids = sorted(group["patient_id"])
        rng.shuffle(ids)
        n = len(ids)
        n_test = int(round(n * FRACTIONS["test"]))
        n_val = int(round(n * FRACTIONS["val"]))
        if n >= 3:  # every stratum with at least 3 patients appears in every split
            n_test, n_val = max(n_test, 1), max(n_val, 1)
        for i, pid in enumerate(ids):
            split = "test" if i < n_test else "val" if i < n_test + n_val else "train"
            rows.append({"patient_id": pid, "split": split})
    return pd.DataFrame(rows).sort_values("patient_id").reset_index(drop=True)


def load_split(task: str) -> pd.DataFrame:
    return pd.read_csv(split_file(task), dtype=str)


def with_split(manifest: pd.DataFrame, task: str) -> pd.DataFrame:
    """The task's manifest rows with a `split` column; fails if a patient is missing from the frozen split."""
    m = manifest[manifest["task"] == task]
    out = m.merge(load_split(task), on="patient_id", how="left", validate="many_to_one")
    missing = out["split"].isna()
    if missing.any():
        raise ValueError(f"{int(missing.sum())} {task} images have patients missing from {split_file(task)}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", choices=sorted(CLASSES), required=True)
    ap.add_argument("--force", action="store_true", help="overwrite a frozen split (changes every result)")
    args = ap.parse_args(argv)
    target = split_file(args.task)
    if target.exists() and not args.force:
        print(f"{target} is frozen; leaving it (use --force to regenerate)")
        return 0
    split = make_split(load_manifest(shared_data_dir()), args.task)
    target.parent.mkdir(parents=True, exist_ok=True)
    split.to_csv(target, index=False)
    print(f"wrote {target}: {split['split'].value_counts().to_dict()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
