"""Training-time augmentation on uint8 batches, returning uint8 so the network sees exactly what serving feeds it.

Aimed at the confounders: small affine jitter (framing, cropping of paper figures), brightness/contrast/gamma
(scanner and figure processing), Gaussian blur and noise (hides the sharpness gap between the 224 px normals and the
other sources). No horizontal flips: cardiac and mediastinal position are real anatomy, not nuisance.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Per-image separable Gaussian blur; sigma [B] in pixels (0 = unchanged)."""
    radius = 3
    t = torch.arange(-radius, radius + 1, dtype=x.dtype)
    s = sigma.clamp(min=1e-3)[:, None]
    k = torch.exp(-(t[None, :] ** 2) / (2 * s ** 2))
    k = k / k.sum(dim=1, keepdim=True)  # [B, 7]
    b = x.shape[0]
    xp = F.pad(x, (radius, radius, radius, radius), mode="replicate")
    # grouped conv: one kernel per image
    xh = F.conv2d(xp.transpose(0, 1), k.view(b, 1, 1, -1), groups=b)
    xv = F.conv2d(xh, k.view(b, 1, -1, 1), groups=b)
    return xv.transpose(0, 1)


def augment(batch: torch.Tensor, gen: torch.Generator, masks: torch.Tensor | None = None):
    """uint8 [B,1,S,S] -> augmented uint8 [B,1,S,S]. With `masks` (float [B,1,S,S]), also those masks moved by the
    same affine (and nothing else), as a pair; the random draws are the same either way."""
    b = batch.shape[0]
    x = batch.float()

    def u(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(b, generator=gen)

    angle = u(-8, 8) * math.pi / 180
    scale = u(0.88, 1.12)
    tx, ty = u(-0.06, 0.06), u(-0.06, 0.06)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    moved = None if masks is None else F.grid_sample(masks, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    blur_on = torch.rand(b, generator=gen) < 0.5
    x = torch.where(blur_on[:, None, None, None], _gaussian_blur(x, u(0.3, 1.5)), x)

    contrast, brightness = u(0.75, 1.25), u(-25, 25)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast[:, None, None, None] + mean + brightness[:, None, None, None]
    gamma = torch.exp(u(-0.25, 0.25))[:, None, None, None]
    x = 255.0 * (x.clamp(0, 255) / 255.0) ** gamma

    noise_on = (torch.rand(b, generator=gen) < 0.5).float()[:, None, None, None]
    x = x + noise_on * u(0, 5)[:, None, None, None] * torch.randn(x.shape, generator=gen)
    x = x.round().clamp(0, 255).to(torch.uint8)
    return x if moved is None else (x, moved)
