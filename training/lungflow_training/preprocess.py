"""The preprocessing contract shared with the TypeScript serving path (libs/imaging, sharp).

1. Decode to 8-bit grayscale. Palette/RGB/RGBA images become gray with PIL's 'L' conversion
   (ITU-R 601-2 luma, L = R*299/1000 + G*587/1000 + B*114/1000); alpha is dropped, EXIF orientation is ignored.
   16-bit grayscale is scaled to 8 bits by its min/max (the staged data has none; DICOM takes the windowing path).
2. One plain resize to size x size, ignoring aspect ratio, no crop, with Pillow's antialiased Lanczos-3
   (`Image.resize((size, size), Image.LANCZOS)` on the 8-bit image; libs/inference reimplements it Pillow-exactly).
   The model size is at most EFFECTIVE (224 px, the size of the NIH/RSNA normals, the coarsest source), so this one
   step also brings every source to the same effective resolution: nothing reaches the network sharper than the
   normals. (The normals were resized twice by third parties, so they are still softer; training blurs at random.)
3. Return uint8 [size, size]. LUT, normalisation, the CNN, temperature and softmax live in the ONNX graph.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

EFFECTIVE = 224
KERNEL = "lanczos"  # Pillow filter name, as card.json preprocessing.resize.filter


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
    """Step 2 of the contract on an 8-bit gray image."""
    if size > EFFECTIVE:
        raise ValueError(f"model size {size} exceeds the common effective resolution {EFFECTIVE}")
    out = gray.resize((size, size), Image.LANCZOS)
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
