"""Lung segmentation (lungseg-v1): train the U-Net of graph.UNet on the ieee8023 lung masks, report Dice.

Usage: python -m lungflow_training.v2.lungseg [--epochs 30] [--out training/runs/lungseg]

Supervision: V7 Labs' human-drawn lung masks (255 lung incl. behind the heart; 127 "ignore" = devices/text over the
lungs, left out of the loss and of Dice), and the lungVAE masks (model-made, then published; used only where an
image has no V7 mask, never in the test Dice). No mask exists for the NIH normals, the children or Hannover, so the
segmentation is trained on adult COVID/pneumonia figures only: its test Dice says nothing about children; the
v2 card shows its masks on those sources for a look by eye (training/runs/lungseg/examples.png).
The split is the v2 group split (data.py): test Dice is on groups the model never saw.
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
from PIL import Image

from ..dataset import load_images
from ..evaluate.bootstrap import bootstrap
from ..paths import CACHE_DIR, RUNS_DIR, shared_data_dir
from .augment import geometric, photometric
from .data import load_cxr_manifest, with_split
from .graph import INPUT_SIZE, SEG_SIZE, UNet, seg_input


def mask_rows(m: pd.DataFrame, d: Path) -> pd.DataFrame:
    """Rows with a lung mask: `mask` path and `mask_kind` (v7 | lungvae)."""
    vae = {p.name[: -len("_mask.png")]: p for p in (d / "cxr/ieee8023/annotations/lungVAE-masks").glob("*_mask.png")}
    rows = []
    for _, r in m.iterrows():
        if r["lung_mask_path"]:
            rows.append({**r, "mask": r["lung_mask_path"], "mask_kind": "v7"})
        elif r["source"] == "ieee8023" and Path(r["path"]).stem in vae:
            rows.append({**r, "mask": str(vae[Path(r["path"]).stem].relative_to(d)), "mask_kind": "lungvae"})
    return pd.DataFrame(rows).reset_index(drop=True)


def load_mask(path: Path, size: int) -> np.ndarray:
    """uint8 [size,size]: 1 lung, 0 background, 255 ignore."""
    with Image.open(path) as img:
        a = np.asarray(img.convert("L").resize((size, size), Image.NEAREST))
    out = np.zeros(a.shape, np.uint8)
    out[a >= 192] = 1
    out[(a > 64) & (a < 192)] = 255
    return out


def loss_fn(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    valid = (target != 255).float()
    t = (target == 1).float()
    bce = (F.binary_cross_entropy_with_logits(logits, t, reduction="none") * valid).sum() / valid.sum().clamp(min=1)
    p = torch.sigmoid(logits) * valid
    dice = 1 - (2 * (p * t).sum(dim=(1, 2, 3)) + 1) / (p.sum(dim=(1, 2, 3)) + (t * valid).sum(dim=(1, 2, 3)) + 1)
    return bce + dice.mean()


def dice_scores(prob: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-image Dice of prob > 0.5 against target (255 ignored)."""
    out = []
    for p, t in zip(prob, target):
        valid = t != 255
        a, b = (p > 0.5) & valid, (t == 1) & valid
        denom = a.sum() + b.sum()
        out.append(1.0 if denom == 0 else 2 * (a & b).sum() / denom)
    return np.asarray(out)


def predict(model: UNet, images: np.ndarray, batch: int = 64) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.from_numpy(images[i:i + batch, None].copy())
            out.append(torch.sigmoid(model(seg_input(x))).numpy()[:, 0])
    return np.concatenate(out)


def full_size_dice(prob112: np.ndarray, rows: pd.DataFrame, d: Path) -> np.ndarray:
    """Dice at each mask's own (original) size: the probability bilinearly upsampled, then > 0.5 — what serving
    writes as <stem>.lungs.png."""
    out = []
    for p, (_, r) in zip(prob112, rows.iterrows()):
        with Image.open(d / r["mask"]) as img:
            a = np.asarray(img.convert("L"))
        h, w = a.shape
        t = np.where(a >= 192, 1, np.where(a > 64, 255, 0)).astype(np.uint8)
        up = F.interpolate(torch.from_numpy(p)[None, None], size=(h, w), mode="bilinear", align_corners=False)[0, 0]
        out.append(dice_scores(up.numpy()[None], t[None])[0])
    return np.asarray(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=None, help="smoke: stop after this many steps")
    ap.add_argument("--limit", type=int, default=None, help="smoke: this many images per split")
    ap.add_argument("--out", type=Path, default=RUNS_DIR / "lungseg")
    args = ap.parse_args(argv)
    started = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    d = shared_data_dir()
    rows = mask_rows(with_split(load_cxr_manifest(d)), d)
    parts = {}
    for split in ("train", "val", "test"):
        r = rows[rows["split"] == split]
        if split != "train":
            r = r[r["mask_kind"] == "v7"]  # human masks only for selection and the reported Dice
        parts[split] = r.head(args.limit).reset_index(drop=True) if args.limit else r.reset_index(drop=True)
    cache = None if args.limit else CACHE_DIR
    x = {k: load_images(v, d, "cxr", INPUT_SIZE, cache) for k, v in parts.items()}
    y = {k: np.stack([load_mask(d / p, SEG_SIZE) for p in v["mask"]]) for k, v in parts.items()}
    model = UNet()
    steps_per_epoch = max(1, len(parts["train"]) // args.batch)
    total = args.max_steps or steps_per_epoch * args.epochs
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.1)
    gen = torch.Generator().manual_seed(args.seed)
    xt, yt = torch.from_numpy(x["train"]), torch.from_numpy(y["train"])
    best, history, step = None, [], 0
    for epoch in range(args.epochs):
        model.train()
        t0, losses = time.time(), []
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(steps_per_epoch):
            idx = perm[i * args.batch:(i + 1) * args.batch]
            img = xt[idx][:, None]
            target = yt[idx][:, None].float()
            img, target = geometric(img, target, gen)
            img = photometric(img, gen)
            loss = loss_fn(model(seg_input(img)), target.round().to(torch.uint8))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
            step += 1
            if step >= total:
                break
        val = float(np.mean(dice_scores(predict(model, x["val"]), y["val"])))
        rec = {"epoch": epoch + 1, "loss": float(np.mean(losses)), "val_dice": val, "seconds": round(time.time() - t0, 1)}
        history.append(rec)
        print(json.dumps(rec), flush=True)
        if best is None or val > best[0]:
            best = (val, epoch + 1, {k: v.clone() for k, v in model.state_dict().items()})
        if step >= total:
            break
    model.load_state_dict(best[2])
    test_prob = predict(model, x["test"])
    d112 = dice_scores(test_prob, y["test"])
    dfull = full_size_dice(test_prob, parts["test"], d)
    groups = list(parts["test"]["group_id"])
    ci = bootstrap(groups, lambda idx: {"dice_112": float(np.mean(d112[idx])), "dice_full_size": float(np.mean(dfull[idx]))})
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "best_epoch": best[1]}, args.out / "lungseg.pt")
    log = {
        "id": "lungseg-v1", "history": history, "best_epoch": best[1], "val_dice": best[0],
        "test": {"images": len(d112), "groups": len(set(groups)), **ci,
                 "dice_below_0.8": int((dfull < 0.8).sum())},
        "supervision": {k: v["mask_kind"].value_counts().to_dict() for k, v in parts.items()},
        "seconds": round(time.time() - started, 1), "threads": args.threads,
    }
    (args.out / "train_log.json").write_text(json.dumps(log, indent=2))
    print(json.dumps(log["test"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
