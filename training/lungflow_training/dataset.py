"""Decode + resize every image of a task once (the preprocessing contract) into a uint8 cache, then train from memory."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from .paths import CACHE_DIR
from .preprocess import load_model_input


def _key(paths: list[str], task: str, size: int) -> str:
    h = hashlib.sha256(f"{task}|{size}|".encode())
    for p in paths:
        h.update(p.encode() + b"\n")
    return h.hexdigest()[:16]


def load_images(rows: pd.DataFrame, data_dir: str | Path, task: str, size: int,
                cache_dir: Path | None = CACHE_DIR) -> np.ndarray:
    """uint8 [N, size, size] for rows['path'] (relative to data_dir), cached by the exact list of paths."""
    paths = list(rows["path"])
    cache = None
    if cache_dir is not None:
        cache = Path(cache_dir) / f"{task}-{size}-{_key(paths, task, size)}.npy"
        if cache.exists():
            return np.load(cache)
    out = np.empty((len(paths), size, size), dtype=np.uint8)
    for i, rel in enumerate(paths):
        out[i] = load_model_input(Path(data_dir) / rel, task, size)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npy")
        np.save(tmp, out)
        tmp.replace(cache)
    return out
