"""Train one arm (task x LUT) on the frozen split, select on validation, fit the temperature, export ONNX.

Usage: python -m lungflow_training.train --task cxr --lut jet [--epochs 40] [--out training/runs/cxr-pseudo]
Smoke: add --per-class 4 --max-steps 3 (a few real images, a few steps, same export and check).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from .augment import augment
from .dataset import load_images
from .export import export_onnx, max_abs_diff
from .manifest import CLASSES, load_manifest
from .model import DEFAULT_PLAN, STRIDE8_PLAN, LungNet, count_flops
from .paths import CACHE_DIR, REPO_ROOT, RUNS_DIR, shared_data_dir
from .split import with_split
from .temperature import fit_temperature

COLOR = {"jet": "pseudo", "gray": "gray"}
# Sized so one arm fits ~15 min on this shared 2-core machine: ~0.2 s per step of 32 when idle, ~1 s under the
# load of several engineers (measured), 34 CXR / 17 CT steps per epoch. CXR 30: a 20-epoch pair was still
# improving on validation (macro AUC pseudo/gray 0.947/0.950 at 20 epochs, 0.952/0.955 at 30).
DEFAULT_EPOCHS = {"cxr": 30, "ct": 30}


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def sample_weights(rows: pd.DataFrame) -> np.ndarray:
    """Each class gets equal total weight; within a class each source gets weight proportional to sqrt(its count),
    so a small source (e.g. 15 adult ieee8023 normals) is up-weighted without being repeated 50 times."""
    w = np.zeros(len(rows))
    classes = rows["label"].unique()
    for c in classes:
        in_c = rows["label"] == c
        counts = rows[in_c].groupby("source").size()
        share = np.sqrt(counts) / np.sqrt(counts).sum()
        for s, n in counts.items():
            w[(in_c & (rows["source"] == s)).to_numpy()] = share[s] / n / len(classes)
    return w / w.sum()


def selection_metric(task: str, y: np.ndarray, probs: np.ndarray) -> float:
    """CXR: macro one-vs-rest ROC AUC; CT: ROC AUC of COVID-19. Computed on validation only."""
    if len(np.unique(y)) < 2:
        return float("nan")
    if task == "ct":
        return float(roc_auc_score(y == 0, probs[:, 0]))
    aucs = [roc_auc_score(y == k, probs[:, k]) for k in range(probs.shape[1]) if 0 < (y == k).sum() < len(y)]
    return float(np.mean(aucs))


def predict_logits(model: LungNet, images: np.ndarray, batch: int = 128) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out.append(model(torch.from_numpy(images[i:i + batch, None].copy()))[3])
    return torch.cat(out).numpy()


def load_inputs(rows: pd.DataFrame, data_dir: Path, task: str, size: int, cache: Path | None,
                kind: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows trained or validated on and their uint8 inputs. `slice`: the serving contract of v1 (the whole image
    resized). `lungs` (CT v2 experiment): the lung crop of v2/ct_lungs.py; images in which no lungs are found are
    left out (serving calls such a slice no-lungs, it never reaches a decision)."""
    if kind == "slice":
        return rows, load_images(rows, data_dir, task, size, cache)
    from .v2.ct_lungs import load_lung_inputs
    images, has_lungs = load_lung_inputs(list(rows["path"]), data_dir, size, cache)
    return rows[has_lungs], images[has_lungs]


def split_rows(task: str, data_dir: Path, split_file: Path | None) -> pd.DataFrame:
    """The task's manifest rows with a `split` column: from the frozen splits/<task>.csv (per patient) by default, or
    from `split_file`. A file keyed by `group_id` (splits/ct-v2.csv) is joined on the v2 CT groups. Rows whose split
    is neither train nor val are simply not trained or validated on."""
    if split_file is None:
        return with_split(load_manifest(data_dir), task)
    frozen = pd.read_csv(split_file, dtype=str)
    if "group_id" in frozen.columns:
        if task != "ct":
            raise ValueError(f"{split_file}: a group-level split here is the v2 CT one (cxr-v2 trains with v2.train)")
        from .v2.ct_data import load_ct_manifest
        m, key = load_ct_manifest(data_dir), "group_id"
    else:
        m, key = load_manifest(data_dir), "patient_id"
        m = m[m["task"] == task]
    out = m.merge(frozen[[key, "split"]], on=key, how="left", validate="many_to_one")
    if out["split"].isna().any():
        raise ValueError(f"{int(out['split'].isna().sum())} {task} images have a {key} missing from {split_file}")
    return out


def train_lung_masks(x: np.ndarray) -> torch.Tensor:
    """float [N, S, S]: the classical CT lungs (v2/ct_lungs, figure grey read as lung window) of each model input;
    all 0 where none are found."""
    from .v2 import ct_lungs

    return torch.from_numpy(np.stack([ct_lungs.segment(ct_lungs.pseudo_hu(img), gas_mean_hu=-np.inf).lung_mask
                                      for img in x]).astype(np.float32))


def cam_outside_penalty(cam: torch.Tensor, lungs: torch.Tensor) -> torch.Tensor:
    """Mean positive CAM (logit units) outside the lungs, over the images that have lungs ("right for the right
    reasons": evidence may lie only where the lungs are). `lungs` [B,1,S,S] is pooled to the CAM grid."""
    inside = F.adaptive_avg_pool2d(lungs, cam.shape[-2:])
    has = (lungs.flatten(1).amax(1) > 0).float()
    per_image = (F.relu(cam) * (1 - inside)).mean(dim=(1, 2, 3))
    return (per_image * has).sum() / has.sum().clamp(min=1)


def pick_rows(m: pd.DataFrame, per_class: int | None, split: str) -> pd.DataFrame:
    rows = m[m["split"] == split]
    if per_class:
        n = per_class if split == "train" else max(1, per_class // 2)
        rows = rows.groupby("label", group_keys=False).head(n)
    return rows.reset_index(drop=True)


def counts_table(m: pd.DataFrame) -> list[dict]:
    g = m.groupby(["split", "label", "source"]).size().reset_index(name="images")
    p = m.groupby(["split", "label", "source"])["patient_id"].nunique().reset_index(name="patients")
    return g.merge(p).to_dict(orient="records")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", choices=sorted(CLASSES), required=True)
    ap.add_argument("--lut", choices=sorted(COLOR), default="jet")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=None, help="default: %s" % DEFAULT_EPOCHS)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=1)
    # One thread: on an oversubscribed machine two OpenMP threads ran 3x slower than one (measured 6.8 s vs 1.9 s per
    # step at load 12); on an idle machine two are ~1.6x faster. The count is recorded; results depend on it.
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--per-class", type=int, default=None, help="smoke: this many train images per class")
    ap.add_argument("--max-steps", type=int, default=None, help="smoke: stop after this many optimiser steps")
    ap.add_argument("--output-stride", type=int, choices=[16, 8], default=16,
                    help="8: no last downsampling, a CAM twice as fine (16x16 at 128 px); an experiment")
    ap.add_argument("--cam-outside", type=float, default=0.0,
                    help="CT experiment: weight of a penalty on positive CAM outside the lungs (ct_lungs on the input)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--input", choices=["slice", "lungs"], default="slice",
                    help="lungs: CT only, the classical lung crop (v2/ct_lungs.py); default the whole image")
    ap.add_argument("--split-file", type=Path, default=None,
                    help="default: splits/<task>.csv; e.g. splits/ct-v2.csv (group-level, issue 11)")
    args = ap.parse_args(argv)

    started = time.time()
    if args.epochs is None:
        args.epochs = DEFAULT_EPOCHS[args.task]
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:  # settable once per process; a second run in the same process (tests) keeps the first
        pass
    torch.use_deterministic_algorithms(True)
    classes = CLASSES[args.task]
    out = args.out or RUNS_DIR / f"{args.task}-{COLOR[args.lut]}"
    out.mkdir(parents=True, exist_ok=True)
    data_dir = args.data_dir or shared_data_dir()

    m = split_rows(args.task, data_dir, args.split_file)
    train_rows, val_rows = pick_rows(m, args.per_class, "train"), pick_rows(m, args.per_class, "val")
    cache = None if args.per_class else CACHE_DIR
    if args.input == "lungs" and args.task != "ct":
        raise SystemExit("--input lungs is the CT lung crop; CXR v2 crops inside its graph (v2.train)")
    train_rows, x_train = load_inputs(train_rows, data_dir, args.task, args.size, cache, args.input)
    val_rows, x_val = load_inputs(val_rows, data_dir, args.task, args.size, cache, args.input)
    y_train = train_rows["label"].map(classes.index).to_numpy()
    y_val = val_rows["label"].map(classes.index).to_numpy().copy()
    prep_s = time.time() - started

    plan = STRIDE8_PLAN if args.output_stride == 8 else DEFAULT_PLAN
    model = LungNet(len(classes), lut=args.lut, plan=plan)
    steps_per_epoch = max(1, len(train_rows) // args.batch)
    total_steps = args.max_steps or steps_per_epoch * args.epochs
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total_steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    weights = torch.from_numpy(sample_weights(train_rows))
    xt, yt = torch.from_numpy(x_train.copy()), torch.from_numpy(y_train.copy())
    lungs_t = train_lung_masks(x_train) if args.cam_outside > 0 else None

    history, best, step = [], None, 0
    for epoch in range(args.epochs):
        t0, model_losses = time.time(), []
        model.train()
        for _ in range(steps_per_epoch):
            idx = torch.multinomial(weights, args.batch, replacement=True, generator=gen)
            if lungs_t is None:
                xb = augment(xt[idx][:, None], gen)
                loss = F.cross_entropy(model(xb)[3], yt[idx])
            else:
                xb, lungs = augment(xt[idx][:, None], gen, lungs_t[idx][:, None])
                _, cam, _, logits = model(xb)
                loss = F.cross_entropy(logits, yt[idx]) + args.cam_outside * cam_outside_penalty(cam, lungs)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            model_losses.append(loss.item())
            step += 1
            if step >= total_steps:
                break
        val_logits = predict_logits(model, x_val)
        val_loss = float(F.cross_entropy(torch.from_numpy(val_logits), torch.from_numpy(y_val)))
        metric = selection_metric(args.task, y_val, torch.softmax(torch.from_numpy(val_logits), 1).numpy())
        rec = {"epoch": epoch + 1, "train_loss": float(np.mean(model_losses)), "val_loss": val_loss,
               "val_metric": metric, "seconds": round(time.time() - t0, 2)}
        history.append(rec)
        print(json.dumps(rec), flush=True)
        score = (metric if metric == metric else -1.0, -val_loss)
        if best is None or score > best[0]:
            best = (score, epoch + 1, {k: v.clone() for k, v in model.state_dict().items()})
        if step >= total_steps:
            break

    assert best is not None
    model.load_state_dict(best[2])
    val_logits = predict_logits(model, x_val)
    temperature, nll_before, nll_after = fit_temperature(val_logits, y_val)
    model.temperature.fill_(temperature)
    config = {
        "task": args.task, "classes": classes, "lut": args.lut, "color": COLOR[args.lut], "size": args.size,
        "plan": [list(p) for p in plan], "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
        "weight_decay": args.weight_decay, "seed": args.seed, "threads": args.threads,
        "per_class": args.per_class, "max_steps": args.max_steps, "torch": torch.__version__,
        "optimizer": "AdamW + OneCycle", "sampling": "class-balanced, sqrt(source count) within class",
        "input": args.input, "cam_outside": args.cam_outside,
        "split_file": args.split_file.name if args.split_file else f"{args.task}.csv",
    }
    torch.save({"config": config, "state_dict": model.state_dict()}, out / "model.pt")
    export_onnx(model, args.size, out / "model.onnx", {"lungflow.config": json.dumps(config, sort_keys=True)})
    diff = max_abs_diff(model, out / "model.onnx", x_val[:16])
    val_probs = torch.softmax(torch.from_numpy(val_logits), 1).numpy()
    log = {
        "config": config, "git_commit": git_commit(), "command": " ".join(sys.argv),
        "history": history, "best_epoch": best[1], "val_metric": selection_metric(args.task, y_val, val_probs),
        "val_metric_name": "covid19_auc" if args.task == "ct" else "macro_ovr_auc",
        "temperature": temperature, "val_nll_before": nll_before, "val_nll_after": nll_after,
        "onnx_max_abs_diff": diff, "flops_per_image": count_flops(model, args.size),
        "parameters": int(sum(p.numel() for p in model.parameters())), "counts": counts_table(m),
        "timing": {"preprocess_seconds": round(prep_s, 1), "duration_seconds": round(time.time() - started, 1)},
    }
    (out / "train_log.json").write_text(json.dumps(log, indent=2))
    print(f"best epoch {best[1]} val {log['val_metric_name']}={log['val_metric']:.4f} T={temperature:.3f} "
          f"onnx diff {max(diff.values()):.2e} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
