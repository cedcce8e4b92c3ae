"""LungNet: size budget, the CAM identity and the calibrated probabilities."""
from __future__ import annotations

import numpy as np
import torch

from lungflow_training.model import LungNet, count_flops
from lungflow_training.temperature import fit_temperature


def test_under_one_gflop_at_the_training_size() -> None:
    assert count_flops(LungNet(3), 128) < 1e9
    assert count_flops(LungNet(3), 224) < 1e9


def test_cam_without_bias_averages_to_the_logits() -> None:
    torch.manual_seed(0)
    net = LungNet(3).eval()
    x = torch.randint(0, 256, (2, 1, 64, 64), dtype=torch.uint8)
    with torch.no_grad():
        probs, cam, feats, logits = net(x)
    assert cam.shape == (2, 3, 4, 4) and feats.shape == (2, net.num_features)
    torch.testing.assert_close(cam.mean(dim=(2, 3)) + net.head.bias, logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(probs.sum(1), torch.ones(2))


def test_temperature_divides_the_logits() -> None:
    net = LungNet(2).eval()
    net.temperature.fill_(2.5)
    with torch.no_grad():
        probs, _, _, logits = net(torch.zeros(1, 1, 32, 32, dtype=torch.uint8))
    torch.testing.assert_close(probs, torch.softmax(logits / 2.5, 1))


def test_fit_temperature_softens_overconfident_logits() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    # right 75% of the time but with very confident logits: the fitted T must be > 1 and lower the NLL
    correct = rng.random(400) < 0.75
    pred = np.where(correct, y, 1 - y)
    logits = np.stack([np.where(pred == 0, 8.0, -8.0), np.where(pred == 1, 8.0, -8.0)], 1)
    t, before, after = fit_temperature(logits, y)
    assert t > 2 and after < before
