"""The preprocessing contract shared with the TypeScript serving path (libs/imaging, sharp).

1. Decode to 8-bit grayscale. Palette/RGB/RGBA images become gray with PIL's 'L' conversion
   (ITU-R 601-2 luma, L = R*299/1000 + G*587/1000 + B*114/1000); alpha is dropped, EXIF orientation is ignored.
   16-bit grayscale is scaled to 8 bits by its min/max (the staged data has none; DICOM takes the windowing path).
2. Bring every source to the same effective resolution: resize to EFFECTIVE x EFFECTIVE (224, the size of the
   NIH/RSNA normals, the coarsest source) ignoring aspect ratio, Lanczos-3 (PIL Image.LANCZOS; sharp
   `resize(224, 224, {fit: 'fill', kernel: 'lanczos3'})`).
3. Resize to size x size with the same kernel (skipped when size == EFFECTIVE). Plain resize, no crop.
4. Return uint8 [size, size]. LUT, normalisation, the CNN, temperature and softmax live in the ONNX graph.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

EFFECTIVE = 224
KERNEL = "lanczos3"


def to_gray8(img: Image.Image) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        scaled = np.zeros_like(a) if hi <= lo else (a - lo) * (255.0 / (hi - lo))
        return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), mode="L")
    if img.mode == "L":
        return img
    if img.mode in ("P", "PA", "LA", "RGBA", "CMYK", "YCbCr", "F", "1"):
        img = img.convert("RGB") if img.mode != "F" else img.convert("L")
    return img.convert("L")


def resize_contract(gray: Image.Image, size: int) -> np.ndarray:
    """Steps 2-3 of the contract on an 8-bit gray image."""
    out = gray.resize((EFFECTIVE, EFFECTIVE), Image.LANCZOS)
    if size != EFFECTIVE:
        out = out.resize((size, size), Image.LANCZOS)
    return np.asarray(out, dtype=np.uint8).copy()


def load_model_input(path: str | Path, task: str, size: int) -> np.ndarray:
    """uint8 [size, size] model input for an image file (task is accepted for symmetry with DICOM windowing,
    which differs by modality; the staged PNG/JPEG files are already 8-bit display images for both tasks)."""
    if task not in ("cxr", "ct"):
        raise ValueError(f"unknown task {task!r}")
    with Image.open(path) as img:
        img.load()
        gray = to_gray8(img)
    return resize_contract(gray, size)
