"""Classical CT lung segmentation: the Python mirror of libs/results/src/ct/ctLungMask.ts.

Serving segments every CT slice in Hounsfield units with these rules (libs/inference/src/lesions/README.md, "CT",
rules 1-6). CT v2 crops its input to those lungs, so training must crop its images the same way; this module is
the same arithmetic in numpy (4-connected components by scipy.ndimage.label, which numbers them in raster order like
the TypeScript breadth-first pass, so ties between equally large bodies go the same way).

The training images are PNG figures, not HU: `pseudo_hu` reads their grey as if the figure had the lung window
serving uses (W1500/L-600), which is only true of some of them; `segment` then finds no lung on the others and
the crop step says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

# The rules' constants: CT_LUNG_RULES in ctLungMask.ts (a test compares them).
MAX_GRID_SIZE = 256
AIR_HU = -320.0
OUTSIDE_MEAN_HU = -900.0
GAS_MEAN_HU = -950.0
MIN_COMPONENT_MM2 = 500.0
MIN_COMPONENT_FRACTION = 0.005
MAX_HOLE_FRACTION = 0.25

# Serving's CT lung window (libs/results ctWindowOf; the CT cards' preprocessing.ctWindow).
WINDOW_CENTER = -600.0
WINDOW_WIDTH = 1500.0


@dataclass
class LungSegmentation:
    factor: int
    lung_mask: np.ndarray  # uint8 [grid_h, grid_w], 1 = lung
    components: int
    lung_pixels: int  # source pixels under the lung cells (holes filled included)
    source_shape: tuple[int, int]


def pseudo_hu(gray: np.ndarray) -> np.ndarray:
    """uint8 grey read as a lung-window rendering: the inverse of serving's window, v = (HU - (c - w/2)) / w * 255."""
    return gray.astype(np.float64) / 255.0 * WINDOW_WIDTH + (WINDOW_CENTER - WINDOW_WIDTH / 2)


def _grid(hu: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    h, w = hu.shape
    factor = max(1, -(-max(w, h) // MAX_GRID_SIZE))
    gh, gw = -(-h // factor), -(-w // factor)
    padded = np.zeros((gh * factor, gw * factor), dtype=np.float64)
    padded[:h, :w] = hu
    counts = np.zeros_like(padded)
    counts[:h, :w] = 1.0
    sums = padded.reshape(gh, factor, gw, factor).sum(axis=(1, 3))
    pixels = counts.reshape(gh, factor, gw, factor).sum(axis=(1, 3))
    return factor, (sums / pixels).astype(np.float32), pixels


def _border_labels(labels: np.ndarray, count: int) -> np.ndarray:
    """bool [count + 1]: which labels touch the grid's edge (label 0, no component, never)."""
    border = np.zeros(count + 1, bool)
    border[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = True
    border[0] = False
    return border


def _per_label(values: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """float [count + 1]: the sum of `values` over each label (index 0, no component, stays 0)."""
    out = np.zeros(count + 1)
    if count:
        out[1:] = ndimage.sum(values, labels, np.arange(1, count + 1))
    return out


def segment(hu: np.ndarray, pixel_area_mm2: float | None = None, gas_mean_hu: float = GAS_MEAN_HU) -> LungSegmentation:
    """Rules 1-6 on one slice of HU values (2-D array); `gas_mean_hu` only for figures (png_lung_crop)."""
    h, w = hu.shape
    factor, mean, pixels = _grid(np.asarray(hu, dtype=np.float64))
    no_lungs = LungSegmentation(factor, np.zeros(mean.shape, np.uint8), 0, 0, (h, w))

    # Rules 2-3: air regions, and those of them outside the patient.
    air_labels, air_count = ndimage.label(mean < AIR_HU)
    size = _per_label(pixels, air_labels, air_count)
    mean_hu = np.divide(_per_label(mean.astype(np.float64) * pixels, air_labels, air_count), size,
                        out=np.zeros_like(size), where=size > 0)
    outside = _border_labels(air_labels, air_count) & (mean_hu < OUTSIDE_MEAN_HU)

    # Rule 4: the body, the largest region of what is not outside air (first of equal sizes, as the TypeScript loop).
    body_labels, body_count = ndimage.label(~outside[air_labels])
    if body_count == 0:
        return no_lungs
    body = int(np.argmax(_per_label(pixels, body_labels, body_count)[1:])) + 1

    # Rule 5: lung regions.
    min_pixels = MIN_COMPONENT_MM2 / pixel_area_mm2 if pixel_area_mm2 and pixel_area_mm2 > 0 else MIN_COMPONENT_FRACTION * w * h
    in_body = np.zeros(air_count + 1, bool)
    in_body[air_labels[body_labels == body]] = True
    keep = ~outside & in_body & (size >= min_pixels) & (mean_hu >= gas_mean_hu)
    keep[0] = False
    components = int(keep.sum())
    if components == 0:
        return no_lungs
    lung = keep[air_labels]
    lung_pixels = float(pixels[lung].sum())

    # Rule 6: fill enclosed holes up to a share of the lung area.
    rest_labels, rest_count = ndimage.label(~lung)
    rest_size = _per_label(pixels, rest_labels, rest_count)
    fill = ~_border_labels(rest_labels, rest_count) & (rest_size <= MAX_HOLE_FRACTION * lung_pixels)
    fill[0] = False
    lung_mask = (lung | fill[rest_labels]).astype(np.uint8)
    return LungSegmentation(factor, lung_mask, components, int(round(lung_pixels + rest_size[fill].sum())), (h, w))


# CT v2's input (experiment, 4 December 2026): the slice with everything outside the dilated lungs set to 0, cropped
# to the square around them. Dilation by a few grid cells keeps the pleura and a thin band of disease at the chest
# wall (dense consolidation touching the wall is not air-like, rule 5 leaves it out of the lungs).
DILATE_CELLS = 4


def lung_crop(gray: np.ndarray, seg: LungSegmentation, size: int) -> np.ndarray | None:
    """uint8 [size, size]: the lungs of `gray` (the same slice `seg` was made from), None when it has no lungs."""
    if seg.components == 0:
        return None
    from PIL import Image

    h, w = gray.shape
    grown = ndimage.binary_dilation(seg.lung_mask.astype(bool), structure=np.ones((3, 3), bool), iterations=DILATE_CELLS)
    mask = np.kron(grown.astype(np.uint8), np.ones((seg.factor, seg.factor), np.uint8))[:h, :w].astype(bool)
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    side = max(y1 - y0, x1 - x0)
    cy, cx = (y0 + y1) // 2, (x0 + x1) // 2
    top, left = cy - side // 2, cx - side // 2
    canvas = np.zeros((side, side), np.uint8)
    sy0, sx0 = max(0, top), max(0, left)
    sy1, sx1 = min(h, top + side), min(w, left + side)
    canvas[sy0 - top:sy1 - top, sx0 - left:sx1 - left] = np.where(mask, gray, 0)[sy0:sy1, sx0:sx1]
    return np.asarray(Image.fromarray(canvas).resize((size, size), Image.LANCZOS))


def png_lung_crop(gray: np.ndarray, size: int) -> np.ndarray | None:
    """A training figure's lung crop: its grey read as lung window, without the gas rule (figures in darker windows
    render aerated lung below -950 'HU'; trachea and bowel gas then count as lung, a small error in a crop box)."""
    return lung_crop(gray, segment(pseudo_hu(gray), gas_mean_hu=-np.inf), size)


def load_lung_inputs(paths: list[str], data_dir: Path, size: int, cache_dir: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """uint8 [N, size, size] lung crops of the figures at `paths` (relative to data_dir) and bool [N], whether lungs
    were found (the crop is all 0 where not); cached by the exact list of paths and this module's rules."""
    from PIL import Image

    from ..dataset import _key

    rules = f"ct-lungs|{DILATE_CELLS}|{AIR_HU}|{OUTSIDE_MEAN_HU}|{MIN_COMPONENT_FRACTION}|{MAX_HOLE_FRACTION}"
    cache = Path(cache_dir) / f"ct-lungs-{size}-{_key(paths, rules, size)}.npz" if cache_dir is not None else None
    if cache is not None and cache.exists():
        z = np.load(cache)
        return z["images"], z["has_lungs"]
    images = np.zeros((len(paths), size, size), np.uint8)
    has_lungs = np.zeros(len(paths), bool)
    for i, rel in enumerate(paths):
        crop = png_lung_crop(np.asarray(Image.open(Path(data_dir) / rel).convert("L")), size)
        if crop is not None:
            images[i], has_lungs[i] = crop, True
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.stem + ".tmp.npz")
        np.savez(tmp, images=images, has_lungs=has_lungs)
        tmp.replace(cache)
    return images, has_lungs
