"""Score a v1-recipe CT run (train.py --split-file) on a group-level split: COVID-19 ROC AUC on validation and test
with a group-level bootstrap CI, and the operating point chosen on VALIDATION (highest threshold with sensitivity
>= target) applied unchanged to test. Nothing is chosen on test.

Usage: python -m lungflow_training.v2.ct_eval --run runs/ct-v2-split [--split-file splits/ct-v2.csv]
The result goes to <run>/ct_eval.json. For leave-one-source-out, `ct_data.holdout_split` writes a split whose test
side is the held-out site; score it with --test-site SITE.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..evaluate.bootstrap import DEFAULT_RESAMPLES, bootstrap
from ..evaluate.metrics import binary_metrics, roc_auc
from ..evaluate.operating_point import choose_threshold
from ..model import LungNet
from ..paths import CACHE_DIR, shared_data_dir
from ..train import load_inputs, split_rows
from .ct_data import SPLIT_FILE


def load_run(run: Path) -> tuple[LungNet, dict]:
    """The run's model.pt, ready to score, and its training config."""
    ckpt = torch.load(run / "model.pt", weights_only=False)
    cfg = ckpt["config"]
    model = LungNet(len(cfg["classes"]), lut=cfg["lut"], plan=[tuple(p) for p in cfg["plan"]])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, cfg


def covid_scores(model: LungNet, cfg: dict, x: np.ndarray) -> np.ndarray:
    """Calibrated P(covid19) of uint8 inputs [N, S, S]."""
    with torch.no_grad():
        probs = torch.cat([model(torch.from_numpy(x[i:i + 128, None].copy()))[0] for i in range(0, len(x), 128)])
    return probs[:, cfg["classes"].index("covid19")].numpy().astype(np.float64)


def scored_inputs(rows: pd.DataFrame, cfg: dict, data_dir: Path, only_with_lungs: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows scored and their inputs, made as train.py makes them (load_inputs): a `lungs` run's lung crops, where
    lungs are found; a whole-slice run's images, of every row or (`only_with_lungs`) of the rows with lungs."""
    kind = cfg.get("input", "slice")
    if only_with_lungs and kind == "slice":
        rows = load_inputs(rows, data_dir, "ct", cfg["size"], CACHE_DIR, "lungs")[0]
    rows, x = load_inputs(rows, data_dir, "ct", cfg["size"], CACHE_DIR, kind)
    return rows.reset_index(drop=True), x


def score(m: pd.DataFrame, run: Path, data_dir: Path, target: float = 0.95,
          resamples: int = DEFAULT_RESAMPLES, test_site: str | None = None, only_with_lungs: bool = False) -> dict:
    """`test_site`: score only that site's test rows (a held-out group can hold another site's copies of its
    images; they are kept out of training by the group, and out of the held-out figure by this).
    `only_with_lungs` (always so for a `lungs` run): score only the images in which the lung crop finds lungs (the
    others are no-lungs in serving and get no decision; their count is reported), so two arms compare on the same
    images."""
    model, cfg = load_run(run)
    only_with_lungs = only_with_lungs or cfg.get("input", "slice") == "lungs"
    out: dict = {"target_sensitivity": target, "resamples": resamples, "bootstrap_unit": "group_id",
                 "test_site": test_site, "only_with_lungs": only_with_lungs, "no_lungs_images": {}}
    frames = {s: m[m["split"] == s].sort_values("path").reset_index(drop=True) for s in ("val", "test")}
    if test_site:
        frames["test"] = frames["test"][frames["test"]["site"] == test_site].reset_index(drop=True)
    scores = {}
    for s, f in list(frames.items()):
        frames[s], x = scored_inputs(f, cfg, data_dir, only_with_lungs)
        if only_with_lungs:
            out["no_lungs_images"][s] = len(f) - len(frames[s])
        scores[s] = covid_scores(model, cfg, x)
    is_pos = {s: (f["label"] == "covid19").to_numpy() for s, f in frames.items()}
    op = choose_threshold(scores["val"], is_pos["val"], target)
    out["operating_point"] = op
    for s, f in frames.items():
        y, p = is_pos[s], scores[s]

        def stat(idx: np.ndarray, y: np.ndarray = y, p: np.ndarray = p) -> dict:
            b = binary_metrics(y[idx], p[idx] >= op["threshold"])
            return {"auc": roc_auc(y[idx], p[idx]), "sensitivity": b["sensitivity"], "specificity": b["specificity"]}
        out[s] = {"images": len(f), "groups": int(f["group_id"].nunique()), "covid_images": int(y.sum()),
                  "non_covid_images": int((~y).sum()),
                  "non_covid_groups": int(f.loc[~y, "group_id"].nunique()),
                  "sites": f["site"].value_counts().to_dict(),
                  "metrics": bootstrap(list(f["group_id"]), stat, n_resamples=resamples)}
    return out


def cam_in_lungs(rows: pd.DataFrame, run: Path, data_dir: Path) -> dict:
    """Where the covid19 CAM points: the share of its positive mass inside the classical lungs of each figure
    (ct_lungs, read as lung window), against the share of the slice those lungs cover (what an even map scores).
    Images without lungs are left out. A check of what the heatmap shows, not a performance figure."""
    from PIL import Image

    from . import ct_lungs
    from ..preprocess import load_model_input

    model, cfg = load_run(run)
    k = cfg["classes"].index("covid19")
    inside, area = [], []
    for path in sorted(rows["path"]):
        gray = np.asarray(Image.open(data_dir / path).convert("L"))
        seg = ct_lungs.segment(ct_lungs.pseudo_hu(gray), gas_mean_hu=-np.inf)
        if seg.components == 0:
            continue
        x = load_model_input(data_dir / path, "ct", cfg["size"])
        with torch.no_grad():
            cam = model(torch.from_numpy(x[None, None].copy()))[1][0, k].numpy()
        lung = np.asarray(Image.fromarray(seg.lung_mask * 255).resize(cam.shape[::-1], Image.BILINEAR)) / 255.0
        positive = np.maximum(cam, 0)
        if positive.sum() > 0:
            inside.append(float((positive * lung).sum() / positive.sum()))
            area.append(float(lung.mean()))
    return {"images": len(inside), "cam_grid": list(cam.shape), "positive_cam_mass_in_lungs": float(np.mean(inside)),
            "lung_share_of_slice": float(np.mean(area))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--split-file", type=Path, default=SPLIT_FILE)
    ap.add_argument("--target-sensitivity", type=float, default=0.95)
    ap.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--test-site", default=None, help="score only this site's test rows (leave-one-source-out)")
    ap.add_argument("--only-with-lungs", action="store_true",
                    help="score only images in which the lung crop finds lungs (always so for an --input lungs run)")
    ap.add_argument("--cam-in-lungs", action="store_true",
                    help="also: the share of the positive covid19 CAM inside the lungs, on validation (cam_in_lungs)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    data_dir = args.data_dir or shared_data_dir()
    m = split_rows("ct", data_dir, args.split_file)
    result = {"run": str(args.run), "split_file": args.split_file.name,
              **score(m, args.run, data_dir, args.target_sensitivity, args.resamples, args.test_site,
                           args.only_with_lungs)}
    if args.cam_in_lungs:
        result["cam_in_lungs_val"] = cam_in_lungs(m[m["split"] == "val"], args.run, data_dir)
        print("val CAM in lungs:", result["cam_in_lungs_val"])
    (args.run / "ct_eval.json").write_text(json.dumps(result, indent=2))
    for s in ("val", "test"):
        r = result[s]["metrics"]
        print(f"{s}: {result[s]['images']} images / {result[s]['groups']} groups; AUC {r['auc']['value']:.3f} "
              f"[{r['auc']['ci_low']:.3f}, {r['auc']['ci_high']:.3f}]; at t={result['operating_point']['threshold']:.4f} "
              f"sens {r['sensitivity']['value']:.3f} [{r['sensitivity']['ci_low']:.3f}, {r['sensitivity']['ci_high']:.3f}] "
              f"spec {r['specificity']['value']:.3f} [{r['specificity']['ci_low']:.3f}, {r['specificity']['ci_high']:.3f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
