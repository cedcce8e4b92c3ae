"""What the classifier sees, computed once per image by the frozen segmentation and cached.

Variant 0 is the image itself (exactly what the exported graph computes: the cache stores round(crop * 255), which is
the LUT index the graph's classifier takes, so uint8 loses nothing). Variants 1..K are augmented copies
(augment.geometric + augment.photometric on the 224 px image, BEFORE segmentation, so the mask and the
equalisation see the augmentation as serving would). Training the classifier on the cache costs one classifier
pass per step instead of segmentation + classifier.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from ..paths import CACHE_DIR
from .augment import geometric, photometric
from .graph import Preprocess


def _key(paths: list[str], seg_path: Path, variants: int, seed: int) -> str:
    h = hashlib.sha256(seg_path.read_bytes())
    h.update(f"|{variants}|{seed}|".encode())
    for p in paths:
        h.update(p.encode() + b"\n")
    return h.hexdigest()[:16]


def load_preprocess(seg_path: Path) -> Preprocess:
    pre = Preprocess()
    pre.seg.load_state_dict(torch.load(seg_path, map_location="cpu", weights_only=False)["state_dict"])
    return pre.eval()


def compute_crops(images: np.ndarray, pre: Preprocess, variants: int, seed: int,
                  batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """uint8 crops [N, 1+variants, 128, 128] and lung area fractions [N, 1+variants]."""
    gen = torch.Generator().manual_seed(seed)
    n = len(images)
    crops, areas = [], []
    with torch.no_grad():
        for v in range(variants + 1):
            cv, av = [], []
            for i in range(0, n, batch):
                x = torch.from_numpy(images[i:i + batch, None].copy())
                if v > 0:
                    x, _ = geometric(x, None, gen)
                    x = photometric(x, gen)
                crop, lungs, _ = pre(x)
                cv.append(torch.round(crop[:, 0] * 255).clamp(0, 255).to(torch.uint8).numpy())
                av.append((lungs[:, 0] > 0.5).float().mean(dim=(1, 2)).numpy())
            crops.append(np.concatenate(cv))
            areas.append(np.concatenate(av))
    return np.stack(crops, 1), np.stack(areas, 1)


def cached_crops(paths: list[str], images: np.ndarray, seg_path: Path, variants: int = 4,
                 seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    cache = CACHE_DIR / f"cxr-v2-crops-{_key(paths, seg_path, variants, seed)}.npz"
    if cache.exists():
        z = np.load(cache)
        return z["crops"], z["areas"]
    crops, areas = compute_crops(images, load_preprocess(seg_path), variants, seed)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, crops=crops, areas=areas)
    return crops, areas
