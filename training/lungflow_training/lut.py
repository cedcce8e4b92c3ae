"""Grayscale-to-RGB lookup tables applied as the first operation of the network (inside the ONNX graph).

`jet` is the pseudo-colouring arm: the classic 'jet' colour map (matplotlib's piecewise-linear definition,
dark blue -> cyan -> yellow -> dark red), quantised to uint8 so the table is exact and serving can reproduce it.
`gray` is the ablation arm: the gray value replicated to three channels.
"""
from __future__ import annotations

import numpy as np

# (x, value) break points of matplotlib's 'jet' segment data, per channel.
_JET = {
    "r": [(0.0, 0.0), (0.35, 0.0), (0.66, 1.0), (0.89, 1.0), (1.0, 0.5)],
    "g": [(0.0, 0.0), (0.125, 0.0), (0.375, 1.0), (0.64, 1.0), (0.91, 0.0), (1.0, 0.0)],
    "b": [(0.0, 0.5), (0.11, 1.0), (0.34, 1.0), (0.65, 0.0), (1.0, 0.0)],
}
LUT_NAMES = ("jet", "gray")
DESCRIPTIONS = {
    "jet": "pseudo-colour: matplotlib 'jet' colour map sampled at v/255 and rounded to uint8 (256x3 table)",
    "gray": "gray replicated to three channels (identity 256x3 table)",
}


def lut_table(name: str) -> np.ndarray:
    """uint8 [256, 3] table: RGB for each gray level."""
    x = np.arange(256) / 255.0
    if name == "gray":
        return np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    if name != "jet":
        raise ValueError(f"unknown LUT {name!r}; expected one of {LUT_NAMES}")
    chans = []
    for c in "rgb":
        xs, ys = zip(*_JET[c])
        chans.append(np.interp(x, xs, ys))
    return np.clip(np.rint(np.stack(chans, axis=1) * 255.0), 0, 255).astype(np.uint8)


def apply_lut(gray: np.ndarray, name: str) -> np.ndarray:
    """uint8 [...] -> uint8 [..., 3]."""
    if gray.dtype != np.uint8:
        raise TypeError("LUT input must be uint8")
    return lut_table(name)[gray]
