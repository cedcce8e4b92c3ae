"""Compare classifier variants on their leave-one-source-out folds (issue 11's ablations); never reads the test split.

Usage: python -m lungflow_training.v2.compare --runs runs/exp base adv05 ...
Each variant is a set of train.py runs named `<variant>-<holdout>` (':' in a holdout written as '_'): `none` and every
site of LOSO_SITES. Prints, per variant: the pooled held-out-site COVID-19 AUC; the threshold that keeps pooled
sensitivity >= 0.90 and the pooled specificity there (the shipped rule); the mean AUC over the held-out sites that
have both classes (calibration-free: each fold's own ranking); each site's AUC and specificity; and the all-sites
model's validation AUC.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..evaluate.metrics import roc_auc
from ..paths import RUNS_DIR
from .data import LOSO_SITES
from .release import TARGET_SENSITIVITY, site_table


def run_dir(runs: Path, variant: str, holdout: str) -> Path:
    return runs / f"{variant}-{holdout.replace(':', '_')}"


def summarise(runs: Path, variant: str) -> dict:
    parts = [pd.read_csv(run_dir(runs, variant, s) / "predictions.csv", dtype={"group_id": str}).assign(loso_site=s)
             for s in LOSO_SITES if (run_dir(runs, variant, s) / "predictions.csv").exists()]
    if len(parts) != len(LOSO_SITES):
        raise SystemExit(f"{variant}: {len(parts)} of {len(LOSO_SITES)} folds in {runs}")
    pred = pd.concat(parts, ignore_index=True)
    pos, p = (pred["label"] == "covid19").to_numpy(), pred["p_covid19"].to_numpy()
    threshold = float(np.sort(p[pos])[int(np.floor((1 - TARGET_SENSITIVITY) * pos.sum()))])
    sites = site_table(pred, threshold)
    within = [r["auc"] for r in sites if r["auc"] is not None]
    out = {"variant": variant, "pooled_auc": roc_auc(pos, p), "threshold": threshold,
           "pooled_specificity": float(1 - (p[~pos] >= threshold).mean()), "mean_site_auc": float(np.mean(within)),
           "sites": sites}
    none = run_dir(runs, variant, "none") / "predictions.csv"
    if none.exists():
        val = pd.read_csv(none).query("split == 'val'")
        out["validation_auc"] = roc_auc((val["label"] == "covid19").to_numpy(), val["p_covid19"].to_numpy())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=Path, default=RUNS_DIR / "exp")
    ap.add_argument("variants", nargs="+")
    args = ap.parse_args(argv)
    print("| variant | pooled LOSO AUC | specificity at pooled sensitivity 0.90 | mean held-out-site AUC | NIH held out: specificity | validation AUC |")
    print("|---|---|---|---|---|---|")
    for v in args.variants:
        s = summarise(args.runs, v)
        nih = next(r["specificity"] for r in s["sites"] if r["site"] == "rsna_normal")
        print(f"| {v} | {s['pooled_auc']:.3f} | {s['pooled_specificity']:.3f} | {s['mean_site_auc']:.3f} | {nih:.3f} | "
              f"{s.get('validation_auc', float('nan')):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
