"""DICOM -> model input, mirroring the TypeScript serving path (libs/dicom/src/pixels) for the golden files only.

Stored values -> modality LUT (Rescale Slope/Intercept) -> VOI: CT always the lung window W1500/L-600 HU; else the
data set's first Window Center/Width (VOI LUT Function, default LINEAR); else a 0.5/99.5 percentile window with
LINEAR_EXACT -> MONOCHROME1 inverted -> floor to uint8 -> the image-file contract (Pillow Lanczos to size x size).
VOI LUT sequences are not mirrored (none of the staged files uses one without a window). Arithmetic is float32 as
in the TypeScript, but truncation at integer boundaries can still differ by one gray level on a few pixels.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
from PIL import Image

from .preprocess import resize_contract

LUNG_WINDOW = (-600.0, 1500.0)


def _first(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        value = value[0]
    return float(value)  # type: ignore[arg-type]


def _percentile_window(values: np.ndarray, low: float = 0.5, high: float = 99.5) -> tuple[float, float]:
    flat = values.ravel()
    stride = max(1, -(-flat.size // 2 ** 20))
    sample = np.sort(flat[::stride].astype(np.float32))
    n = sample.size

    def at(p: float) -> float:
        return float(sample[min(n - 1, max(0, int(np.floor(p / 100 * (n - 1) + 0.5))))])

    lo, hi = at(low), at(high)
    return (lo + hi) / 2, max(hi - lo, 1.0)


def dicom_gray8(path: str | Path) -> tuple[np.ndarray, dict]:
    """First frame as display uint8, and a description of the VOI applied."""
    ds = pydicom.dcmread(str(path), force=True)
    if "TransferSyntaxUID" not in ds.file_meta:
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    arr = ds.pixel_array
    if arr.ndim == 3 and int(getattr(ds, "NumberOfFrames", 1) or 1) > 1:
        arr = arr[0]
    slope = _first(getattr(ds, "RescaleSlope", None)) or 1.0
    intercept = _first(getattr(ds, "RescaleIntercept", None)) or 0.0
    x = (arr.astype(np.float32) * np.float32(slope) + np.float32(intercept)).astype(np.float32)
    modality = str(getattr(ds, "Modality", "")).upper()
    c, w = _first(getattr(ds, "WindowCenter", None)), _first(getattr(ds, "WindowWidth", None))
    if modality == "CT":
        (c, w), fn, source = LUNG_WINDOW, "LINEAR", "ct-default"
    elif c is not None and w is not None and w >= 1:
        fn = str(getattr(ds, "VOILUTFunction", "LINEAR") or "LINEAR").upper()
        source = "dataset-window"
    else:
        (c, w), fn, source = _percentile_window(x), "LINEAR_EXACT", "percentile"
    c32, w32 = np.float32(c), np.float32(w)
    if fn == "LINEAR_EXACT":
        y = np.clip(((x - c32) / w32 + np.float32(0.5)) * np.float32(255), 0, 255)
    elif fn == "SIGMOID":
        y = np.float32(255) / (np.float32(1) + np.exp(np.float32(-4) * (x - c32) / w32))
    else:
        lower, upper = c32 - np.float32(0.5) - (w32 - 1) / 2, c32 - np.float32(0.5) + (w32 - 1) / 2
        span = np.float32(max(float(w32) - 1, 1e-6))
        y = np.where(x <= lower, 0, np.where(x > upper, 255, ((x - (c32 - np.float32(0.5))) / span + 0.5) * 255))
    y = y.astype(np.float32)
    invert = str(getattr(ds, "PhotometricInterpretation", "")).upper() == "MONOCHROME1"
    out = np.clip(np.floor(np.float32(255) - y if invert else y), 0, 255).astype(np.uint8)
    info = {"modality": modality, "voi": {"center": float(c), "width": float(w), "function": fn, "source": source},
            "monochrome1": invert, "rows": int(out.shape[0]), "columns": int(out.shape[1])}
    return out, info


def dicom_model_input(path: str | Path, size: int) -> tuple[np.ndarray, dict]:
    gray, info = dicom_gray8(path)
    return resize_contract(Image.fromarray(gray, mode="L"), size), info
