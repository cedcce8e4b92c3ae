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


def equal_site_weights(rows: pd.DataFrame) -> np.ndarray:
    """Each class equal total weight and, inside a class, each site equal weight: the few normals of the COVID-19
    sources (ieee8023, Hannover) then weigh as much as NIH's 560, so a source's look pays less inside a class."""
    w = np.zeros(len(rows))
    classes = rows["label"].unique()
    for c in classes:
        in_c = (rows["label"] == c).to_numpy()
        sites = rows.loc[in_c, "source"].unique()
        for s in sites:
            here = in_c & (rows["source"] == s).to_numpy()
            w[here] = 1.0 / here.sum() / len(sites) / len(classes)
    return w / w.sum()


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight):
        ctx.weight = weight
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.weight * grad, None


class SiteAdversary(torch.nn.Module):
    """Predicts the site (loso_site) from the pooled features *within the true class*, through a reversed gradient.

    Why class-conditional: site and label are confounded (Hannover is COVID-19, NIH is normal), so removing all site
    information would remove the disease too. What must go is the site *inside* a class: a COVID-19 film from
    Hannover (CLAHE, ICU) must look to the features like one from a paper figure, an NIH normal like a paediatric or
    paper-figure normal. Then the look of a source can no longer stand in for its label. Training only; not exported.
    """

    def __init__(self, features: int, classes: int, sites: int) -> None:
        super().__init__()
        self.classes, self.sites = classes, sites
        self.net = torch.nn.Sequential(torch.nn.Linear(features, 64), torch.nn.ReLU(),
                                       torch.nn.Linear(64, classes * sites))

    def loss(self, features: torch.Tensor, label: torch.Tensor, site: torch.Tensor, weight: float) -> torch.Tensor:
        out = self.net(_ReverseGradient.apply(features, weight)).view(-1, self.classes, self.sites)
        return F.cross_entropy(out[torch.arange(len(label)), label], site)


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
    ap.add_argument("--site-adversary", type=float, default=0.0,
                    help="weight of the class-conditional site adversary (gradient reversal on the features); 0: off")
    ap.add_argument("--drop-site", action="append", default=[], choices=LOSO_SITES,
                    help="leave this site out of training and selection (it is still predicted when held out)")
    ap.add_argument("--site-balance", choices=["sqrt", "equal"], default="sqrt",
                    help="within a class, sample each site by sqrt(its count) (default) or equally")
    ap.add_argument("--lowpass", type=float, default=0.0, help="sigma (crop px) of the in-graph low-pass; 0: off")
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
    dropped = np.isin(m["loso_site"].to_numpy(), args.drop_site)
    train, val = train & ~dropped, val & ~dropped
    tr = np.flatnonzero(train)
    rows = m.iloc[tr].assign(source=m.iloc[tr]["site"]).reset_index(drop=True)
    weights = torch.from_numpy(sample_weights(rows) if args.site_balance == "sqrt" else equal_site_weights(rows))
    xt = torch.from_numpy(crops[tr])
    yt = torch.from_numpy(y_all[tr])
    model = Classifier(len(CXR_CLASSES), args.lut, lowpass=args.lowpass)
    site_names = sorted(set(m["loso_site"]))
    site_idx = torch.from_numpy(m["loso_site"].map(site_names.index).to_numpy()[tr])
    # built only when on: its initialisation draws from the global RNG, which the baseline's dropout also uses
    adversary = SiteAdversary(model.head.in_features, len(CXR_CLASSES), len(site_names)) if args.site_adversary > 0 else None
    steps = max(1, len(tr) // args.batch)
    total = args.max_steps or steps * args.epochs
    params = list(model.parameters()) + (list(adversary.parameters()) if args.site_adversary > 0 else [])
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
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
            logits, _, features = model(xb)
            loss = F.cross_entropy(logits, yt[idx], label_smoothing=0.05)
            if args.site_adversary > 0:
                # DANN's ramp: the adversary learns first, the features are pushed away from the site later
                ramp = 2.0 / (1.0 + np.exp(-10.0 * step / total)) - 1.0
                loss = loss + adversary.loss(features, yt[idx], site_idx[idx], args.site_adversary * ramp)
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
              "threads": args.threads, "site_adversary": args.site_adversary,
              "lowpass": args.lowpass, "drop_site": args.drop_site,
              "site_balance": args.site_balance, "limit": args.limit, "max_steps": args.max_steps, "classes": CXR_CLASSES}
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
