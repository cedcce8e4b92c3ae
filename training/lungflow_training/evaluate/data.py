"""Validation and test images of one task as model inputs, through D1's manifest, split file and preprocessing
(the same code path training uses), plus the region masks for the masking audit."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

from ..dataset import load_images
from ..manifest import CLASSES, load_manifest

TASK_CLASSES: Dict[str, List[str]] = CLASSES
POSITIVE_CLASS = "covid19"
SPLITS = ("val", "test")

CXR_MASK_METHOD = (
    "ieee8023 test images with a non-empty V7 Labs lung mask (value 255 = lung, drawn on the original image and "
    "resized to the model input with nearest neighbour; the model input is a plain resize of the whole image, so "
    "the geometry matches). `region_removed`: lung pixels set to the image's mean grey (mean over all pixels before "
    "masking; mean rather than black so no sharp dark shape is added). `region_only`: everything but the lungs set "
    "to that mean. A model that reads the lungs should fall towards chance with the lungs removed.")
CT_MASK_METHOD = (
    "The CT data has no lung masks. Approximate lung masks are made by a threshold heuristic on the 8-bit model "
    "input: pixels darker than the Otsu threshold, not connected to the image border (outside air), components over "
    "1% of the image, holes filled; images where this finds under 3% of the image are left out. Lungs are filled "
    "with the image's mean grey as for CXR. The heuristic can miss consolidated lung (bright), so `region_removed` "
    "may leave some disease visible: read its drop as a lower bound.")


@dataclass
class EvalData:
    task: str
    classes: List[str]
    frames: Dict[str, pd.DataFrame] = field(default_factory=dict)
    images: Dict[str, np.ndarray] = field(default_factory=dict)


def resolve_path(data_dir: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else data_dir / p


def split_frames(task: str, data_dir: Path, split_file: Path) -> Dict[str, pd.DataFrame]:
    manifest = load_manifest(data_dir)
    manifest = manifest[manifest["task"] == task]
    split = pd.read_csv(split_file, dtype=str)
    merged = manifest.merge(split[["patient_id", "split"]], on="patient_id", how="left", validate="many_to_one")
    missing = merged["split"].isna()
    if missing.any():
        raise ValueError(f"{int(missing.sum())} {task} manifest rows have a patient missing from {split_file}")
    return {s: merged[merged["split"] == s].sort_values("path").reset_index(drop=True) for s in SPLITS}


def preprocessing_fingerprint() -> str:
    """Hash of the preprocessing code: cached inputs are only reused while it is unchanged."""
    return hashlib.sha256((Path(__file__).resolve().parent.parent / "preprocess.py").read_bytes()).hexdigest()[:12]


def limit_patients(frame: pd.DataFrame, per_class: Optional[int]) -> pd.DataFrame:
    """Smoke runs: `per_class` patients of each label (a seeded shuffle, so several sources show up), with all
    their images."""
    if not per_class:
        return frame
    patients = frame[["label", "patient_id"]].drop_duplicates().sample(frac=1.0, random_state=0)
    keep = patients.groupby("label").head(per_class)["patient_id"]
    return frame[frame["patient_id"].isin(set(keep))].reset_index(drop=True)


def load_eval_data(task: str, data_dir: Path, split_file: Path, size: int, cache_dir: Optional[Path],
                   per_class: Optional[int] = None) -> EvalData:
    """Inputs go through D1's cached loader (the training code path), in a cache folder named after the
    preprocessing code so a change in preprocessing never reuses stale inputs."""
    frames = {s: limit_patients(f, per_class) for s, f in split_frames(task, data_dir, split_file).items()}
    data = EvalData(task=task, classes=TASK_CLASSES[task], frames=frames)
    cache = cache_dir / f"eval-{preprocessing_fingerprint()}" if cache_dir is not None else None
    for s in SPLITS:
        data.images[s] = load_images(data.frames[s], data_dir, task, size, cache)
    return data


def cxr_lung_mask(mask_path: Path, size: int) -> np.ndarray:
    with Image.open(mask_path) as im:
        small = im.convert("L").resize((size, size), Image.Resampling.NEAREST)
    return np.asarray(small) == 255


def ct_lung_mask(image: np.ndarray) -> np.ndarray:
    smooth = ndimage.gaussian_filter(image.astype(np.float32), 1.0)
    dark = smooth < otsu_threshold(smooth)
    labels, n = ndimage.label(dark)
    border = np.unique(np.r_[labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    sizes = ndimage.sum(np.ones_like(labels), labels, index=np.arange(1, n + 1))
    keep = [i + 1 for i, s in enumerate(sizes) if s >= 0.01 * image.size and (i + 1) not in border]
    return ndimage.binary_fill_holes(np.isin(labels, keep))


def otsu_threshold(values: np.ndarray) -> float:
    hist, edges = np.histogram(values, bins=256, range=(0, 256))
    centers = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centers) / np.maximum(w0, 1)
    m1 = (np.sum(hist * centers) - np.cumsum(hist * centers)) / np.maximum(w1, 1)
    between = w0 * w1 * (m0 - m1) ** 2
    return float(centers[int(np.argmax(between))])


def masking_regions(task: str, data: EvalData, data_dir: Path, size: int) -> Tuple[np.ndarray, np.ndarray, str]:
    """(regions bool [M,S,S], the test rows they belong to, method text)."""
    frame = data.frames["test"]
    regions: List[np.ndarray] = []
    rows: List[int] = []
    for i in range(len(frame)):
        if task == "cxr":
            mask_path = frame["lung_mask_path"].iloc[i]
            if not isinstance(mask_path, str) or not mask_path:
                continue
            region = cxr_lung_mask(resolve_path(data_dir, mask_path), size)
            min_fraction = 0.0
        else:
            region = ct_lung_mask(data.images["test"][i])
            min_fraction = 0.03
        if region.sum() > min_fraction * region.size and region.any():
            regions.append(region)
            rows.append(i)
    method = CXR_MASK_METHOD if task == "cxr" else CT_MASK_METHOD
    stacked = np.stack(regions) if regions else np.zeros((0, size, size), bool)
    return stacked, np.asarray(rows, dtype=np.int64), method
