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
ATLAS_MASKS = 64

V7_METHOD = (
    "Exact masks: ieee8023 test images with a non-empty V7 Labs lung mask (255 = lung, drawn on the original image "
    "and resized to the model input with nearest neighbour; the model input is a plain resize of the whole image, "
    "so the geometry matches). In this data only COVID-19 images have V7 masks, so this part shows whether P(COVID-19) "
    "and the flag survive without the lungs; it cannot show a drop to chance on its own.")
ATLAS_METHOD = (
    "Atlas mask: every test image (all classes and sources), with one population lung region: the mean of 64 "
    "train-split V7 masks (a seeded sample) at the model input size, thresholded at 0.5. Frontal films are roughly centred, but the "
    "atlas fits children (Kermany: more arms and abdomen in the field) and cropped figures worse, so read it as "
    "approximate.")
CT_METHOD = (
    "The CT data has no lung masks. Approximate lung masks are made per image by a threshold heuristic on the 8-bit "
    "model input: pixels darker than the Otsu threshold, not connected to the image border (outside air), "
    "components over 1% of the image, holes filled; images where this finds under 3% of the image are left out. "
    "It can miss consolidated (bright) lung, so `region_removed` may leave some disease visible.")
FILL_NOTE = (
    "`region_removed`: region pixels set to the image's mean grey (over all pixels before masking; mean rather than "
    "black so no sharp dark shape is added); `region_only`: everything else set to that mean. A model that reads "
    "the lungs should fall towards chance with the lungs removed.")


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
    merged = split_frames_all(task, data_dir, split_file)
    return {s: merged[merged["split"] == s].sort_values("path").reset_index(drop=True) for s in SPLITS}


def split_frames_all(task: str, data_dir: Path, split_file: Path) -> pd.DataFrame:
    """The task's manifest rows with their split; fails if a patient is missing from the split file."""
    manifest = load_manifest(data_dir)
    manifest = manifest[manifest["task"] == task]
    split = pd.read_csv(split_file, dtype=str)
    merged = manifest.merge(split[["patient_id", "split"]], on="patient_id", how="left", validate="many_to_one")
    missing = merged["split"].isna()
    if missing.any():
        raise ValueError(f"{int(missing.sum())} {task} manifest rows have a patient missing from {split_file}")
    return merged


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


def v7_regions(frame: pd.DataFrame, data_dir: Path, size: int) -> Tuple[np.ndarray, np.ndarray]:
    regions: List[np.ndarray] = []
    rows: List[int] = []
    for i, mask_path in enumerate(frame["lung_mask_path"]):
        if isinstance(mask_path, str) and mask_path:
            region = cxr_lung_mask(resolve_path(data_dir, mask_path), size)
            if region.any():
                regions.append(region)
                rows.append(i)
    stacked = np.stack(regions) if regions else np.zeros((0, size, size), bool)
    return stacked, np.asarray(rows, dtype=np.int64)


def lung_atlas(data_dir: Path, split_file: Path, size: int, cache_dir: Optional[Path]) -> np.ndarray:
    """Mean train-split V7 lung mask at the model size, >= 0.5; cached (loading full-size masks takes seconds)."""
    cache = cache_dir / f"lung-atlas-{size}-{hashlib.sha256(split_file.read_bytes()).hexdigest()[:12]}.npy" \
        if cache_dir is not None else None
    if cache is not None and cache.exists():
        return np.load(cache)
    train = split_frames_all("cxr", data_dir, split_file)
    train = train[(train["split"] == "train") & (train["lung_mask_path"] != "")]
    # A seeded sample of masks is enough for a mean shape, and full-size mask PNGs are slow to decode.
    train = train.sample(n=min(ATLAS_MASKS, len(train)), random_state=0).reset_index(drop=True)
    regions, _ = v7_regions(train, data_dir, size)
    if len(regions) == 0:
        raise ValueError("no train-split lung masks to build the atlas from")
    atlas = regions.mean(axis=0) >= 0.5
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, atlas)
    return atlas


def masking_regions(task: str, data: EvalData, data_dir: Path, split_file: Path, size: int,
                    cache_dir: Optional[Path]) -> Dict[str, Tuple[np.ndarray, np.ndarray, str]]:
    """{audit name: (regions bool [M,S,S], the test rows they belong to, method text)}."""
    frame = data.frames["test"]
    if task == "cxr":
        v7, v7_rows = v7_regions(frame, data_dir, size)
        atlas = lung_atlas(data_dir, split_file, size, cache_dir)
        every = np.arange(len(frame), dtype=np.int64)
        return {"v7_masks": (v7, v7_rows, f"{V7_METHOD} {FILL_NOTE}"),
                "atlas": (np.broadcast_to(atlas, (len(frame), size, size)), every, f"{ATLAS_METHOD} {FILL_NOTE}")}
    regions: List[np.ndarray] = []
    rows: List[int] = []
    for i, image in enumerate(data.images["test"]):
        region = ct_lung_mask(image)
        if region.sum() >= 0.03 * region.size:
            regions.append(region)
            rows.append(i)
    stacked = np.stack(regions) if regions else np.zeros((0, size, size), bool)
    return {"ct_heuristic": (stacked, np.asarray(rows, dtype=np.int64), f"{CT_METHOD} {FILL_NOTE}")}
