"""Train the v2 classifier for one fold on cached lung crops (crops.py), the segmentation frozen.

Usage: python -m lungflow_training.v2.train --lut jet --holdout none|<site> [--epochs 14] --out DIR

- `--holdout none`: train on the train split, select the epoch and fit the temperature on validation, and write
  predictions for validation and test (test is only read by release.py for the card, never for a choice).
- `--holdout <site>`: leave one hospital out: train on the train split of the other sites, select on their
  validation split, and predict the held-out site's train+val images (its test images stay untouched, so the
  internal test split is never used for the threshold). This is what a new hospital looks like to the model.
Writes `classifier.pt`, `predictions.csv`, `train_log.json`.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from ..dataset import load_images
from ..manifest import CXR_CLASSES
from ..paths import CACHE_DIR, RUNS_DIR, shared_data_dir
from ..temperature import fit_temperature
from ..train import sample_weights
from .crops import cached_crops
from .data import LOSO_SITES, SITES, load_cxr_manifest, with_split
from .graph import CLS_PLAN, INPUT_SIZE, Classifier

SEG_PATH = RUNS_DIR / "lungseg" / "lungseg.pt"


def load_all(limit: int | None = None, seg_path: Path = SEG_PATH):
    d = shared_data_dir()
    m = with_split(load_cxr_manifest(d))
    if limit:
        m = m.groupby(["label", "site", "split"], group_keys=False).head(limit).reset_index(drop=True)
    images = load_images(m, d, "cxr", INPUT_SIZE, None if limit else CACHE_DIR)
    crops, areas = cached_crops(list(m["path"]), images, seg_path, variants=1 if limit else 4)
    return m, images, crops, areas


def logits_of(model: Classifier, crops: np.ndarray, batch: int = 256) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(crops), batch):
            x = torch.from_numpy(crops[i:i + batch, None].astype(np.float32) / 255.0)
            out.append(model(x)[0])
    return torch.cat(out).numpy()


def covid_auc(y: np.ndarray, p: np.ndarray) -> float:
    pos = y == 0
    return float(roc_auc_score(pos, p[:, 0])) if 0 < pos.sum() < len(y) else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lut", choices=["jet", "gray"], default="jet")
    ap.add_argument("--holdout", choices=["none", *SITES, *LOSO_SITES], default="none")
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="smoke: this many images per (label, site, split)")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--seg", type=Path, default=SEG_PATH, help="lungseg.pt of lungseg.py")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    started = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    m, _, crops, areas = load_all(args.limit, args.seg)
    y_all = m["label"].map(CXR_CLASSES.index).to_numpy()
    # the whole-collection fold `ieee8023` holds out every ieee8023 row; the others are loso_site units
    site = (m["site"] if args.holdout in SITES else m["loso_site"]).to_numpy()
    split = m["split"].to_numpy()
    if args.holdout == "none":
        train, val, predict = split == "train", split == "val", np.isin(split, ["val", "test"])
    else:
        other = site != args.holdout
        train, val = other & (split == "train"), other & (split == "val")
        predict = (~other) & np.isin(split, ["train", "val"])
    tr = np.flatnonzero(train)
    weights = torch.from_numpy(sample_weights(m.iloc[tr].assign(source=m.iloc[tr]["site"]).reset_index(drop=True)))
    xt = torch.from_numpy(crops[tr])
    yt = torch.from_numpy(y_all[tr])
    model = Classifier(len(CXR_CLASSES), args.lut)
    steps = max(1, len(tr) // args.batch)
    total = args.max_steps or steps * args.epochs
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    variants = crops.shape[1]
    best, history, step = None, [], 0
    for epoch in range(args.epochs):
        model.train()
        t0, losses = time.time(), []
        for _ in range(steps):
            idx = torch.multinomial(weights, args.batch, replacement=True, generator=gen)
            # mostly augmented variants, sometimes the clean one
            var = torch.where(torch.rand(args.batch, generator=gen) < 0.2, 0,
                              torch.randint(1, max(2, variants), (args.batch,), generator=gen).clamp(max=variants - 1))
            xb = xt[idx, var][:, None].float() / 255.0
            loss = F.cross_entropy(model(xb)[0], yt[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
            step += 1
            if step >= total:
                break
        vl = logits_of(model, crops[val, 0])
        metric = covid_auc(y_all[val], torch.softmax(torch.from_numpy(vl), 1).numpy())
        rec = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "val_covid_auc": metric,
               "seconds": round(time.time() - t0, 1)}
        history.append(rec)
        print(json.dumps(rec), flush=True)
        score = metric if metric == metric else -1.0
        if best is None or score > best[0]:
            best = (score, epoch + 1, {k: v.clone() for k, v in model.state_dict().items()})
        if step >= total:
            break
    model.load_state_dict(best[2])
    vl = logits_of(model, crops[val, 0])
    temperature, nll_before, nll_after = fit_temperature(vl, y_all[val])
    pl = logits_of(model, crops[predict, 0]) / temperature
    probs = torch.softmax(torch.from_numpy(pl), 1).numpy()
    pred = m[predict][["path", "label", "site", "loso_site", "source", "group_id", "patient_id", "split", "age_group", "view"]].copy()
    for k, c in enumerate(CXR_CLASSES):
        pred[f"p_{c}"] = probs[:, k]
    pred["lung_area"] = areas[predict, 0]
    args.out.mkdir(parents=True, exist_ok=True)
    pred.to_csv(args.out / "predictions.csv", index=False)
    config = {"lut": args.lut, "holdout": args.holdout, "plan": [list(p) for p in CLS_PLAN], "epochs": args.epochs,
              "batch": args.batch, "lr": args.lr, "weight_decay": args.weight_decay, "seed": args.seed,
              "threads": args.threads, "limit": args.limit, "max_steps": args.max_steps, "classes": CXR_CLASSES}
    torch.save({"config": config, "state_dict": model.state_dict(), "temperature": temperature},
               args.out / "classifier.pt")
    log = {"config": config, "history": history, "best_epoch": best[1], "val_covid_auc": best[0],
           "temperature": temperature, "val_nll_before": nll_before, "val_nll_after": nll_after,
           "train_images": int(train.sum()), "val_images": int(val.sum()), "predicted_images": int(predict.sum()),
           "seconds": round(time.time() - started, 1)}
    (args.out / "train_log.json").write_text(json.dumps(log, indent=2))
    print(f"{args.holdout}/{args.lut}: best epoch {best[1]} val COVID AUC {best[0]:.4f} T={temperature:.3f} "
          f"({log['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
