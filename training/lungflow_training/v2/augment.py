"""v2 augmentation on uint8 224 px batches: imitate how the sources differ, so none of it can tell the class.

Photometric: contrast/brightness/gamma, global histogram equalisation (Hannover ships CLAHE-equalised films),
resolution loss (down- and up-sampling: the NIH normals passed through 299 and 224 px), Gaussian blur, noise,
JPEG re-encoding at a random quality (paper figures), black borders (scanned and cropped figures), burned-in text
and markers (arrows, "PORTABLE"), and rare inversion. Geometric: small affine jitter, applied to the mask too.
No flips: the heart's side is anatomy.
"""
from __future__ import annotations

import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..augment import _gaussian_blur


def _u(b: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(b, generator=gen)


def geometric(image: torch.Tensor, mask: torch.Tensor | None, gen: torch.Generator,
              strength: float = 1.0) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Same random affine for uint8 image [B,1,S,S] and float mask [B,1,s,s] (nearest)."""
    b = image.shape[0]
    angle = _u(b, -10, 10, gen) * strength * math.pi / 180
    scale = 1 + _u(b, -0.15, 0.15, gen) * strength
    tx, ty = _u(b, -0.08, 0.08, gen) * strength, _u(b, -0.08, 0.08, gen) * strength
    aspect = 1 + _u(b, -0.1, 0.1, gen) * strength
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos * aspect, -sin, tx], 1), torch.stack([sin, cos / aspect, ty], 1)], 1)
    grid = F.affine_grid(theta, list(image.shape), align_corners=False)
    out = F.grid_sample(image.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    out = out.round().clamp(0, 255).to(torch.uint8)
    if mask is not None:
        g = F.affine_grid(theta, list(mask.shape), align_corners=False)
        mask = F.grid_sample(mask, g, mode="nearest", padding_mode="zeros", align_corners=False)
    return out, mask


def _equalise(x: np.ndarray) -> np.ndarray:
    hist = np.bincount(x.ravel(), minlength=256).astype(np.float64)
    cdf = np.cumsum(hist) / hist.sum()
    return np.round(cdf[x] * 255).astype(np.uint8)


def photometric(image: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """uint8 [B,1,S,S] -> uint8 [B,1,S,S]."""
    b, _, s, _ = image.shape
    x = image.float()
    # resolution loss
    low = torch.rand(b, generator=gen) < 0.35
    if low.any():
        f = float(_u(1, 0.35, 0.8, gen))
        small = F.interpolate(x[low], scale_factor=f, mode="bilinear", antialias=True, align_corners=False)
        x[low] = F.interpolate(small, size=(s, s), mode="bilinear", align_corners=False)
    blur_on = torch.rand(b, generator=gen) < 0.35
    x = torch.where(blur_on[:, None, None, None], _gaussian_blur(x, _u(b, 0.3, 1.6, gen)), x)
    contrast, brightness = _u(b, 0.7, 1.3, gen), _u(b, -30, 30, gen)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast[:, None, None, None] + mean + brightness[:, None, None, None]
    gamma = torch.exp(_u(b, -0.35, 0.35, gen))[:, None, None, None]
    x = 255.0 * (x.clamp(0, 255) / 255.0) ** gamma
    noise_on = (torch.rand(b, generator=gen) < 0.4).float()[:, None, None, None]
    x = x + noise_on * _u(b, 0, 6, gen)[:, None, None, None] * torch.randn(x.shape, generator=gen)
    out = x.round().clamp(0, 255).to(torch.uint8).numpy()
    rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
    for i in range(b):
        img = out[i, 0]
        r = rng.random(6)
        if r[0] < 0.2:
            img = _equalise(img)
        if r[1] < 0.25:  # borders
            t = rng.integers(1, s // 8, size=4)
            img = img.copy()
            img[: t[0]], img[s - t[1]:], img[:, : t[2]], img[:, s - t[3]:] = 0, 0, 0, 0
        if r[2] < 0.3:  # burned-in text / markers: bright small blocks and strokes
            img = img.copy()
            for _ in range(int(rng.integers(1, 4))):
                h, w = int(rng.integers(3, 10)), int(rng.integers(8, 40))
                y0, x0 = int(rng.integers(0, s - h)), int(rng.integers(0, s - w))
                img[y0:y0 + h, x0:x0 + w] = np.where(rng.random((h, w)) < 0.5, 255, img[y0:y0 + h, x0:x0 + w])
        if r[3] < 0.3:  # JPEG re-encoding
            buf = io.BytesIO()
            Image.fromarray(img).save(buf, format="JPEG", quality=int(rng.integers(30, 90)))
            img = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
        if r[4] < 0.04:
            img = 255 - img
        out[i, 0] = img
    return torch.from_numpy(out)
