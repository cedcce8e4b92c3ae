"""The LUTs, in numpy and inside the network's first operation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lungflow_training.lut import apply_lut, lut_table
from lungflow_training.model import NORM_MEAN, NORM_STD, LungNet


@pytest.mark.parametrize("name", ["jet", "gray"])
def test_shape_and_dtype(name: str) -> None:
    t = lut_table(name)
    assert t.shape == (256, 3) and t.dtype == np.uint8


def test_gray_replicates_and_is_monotone() -> None:
    t = lut_table("gray").astype(int)
    assert (t[:, 0] == np.arange(256)).all() and (t[:, 0] == t[:, 1]).all() and (t[:, 1] == t[:, 2]).all()
    assert (np.diff(t[:, 0]) == 1).all()


def test_jet_endpoints_and_colour() -> None:
    t = lut_table("jet")
    assert t[0].tolist() == [0, 0, 128]      # dark blue
    assert t[255].tolist() == [128, 0, 0]    # dark red
    assert len({tuple(row) for row in t}) > 200  # a colour ramp, not a replicated gray
    assert not (t[:, 0] == t[:, 2]).all()


@pytest.mark.parametrize("name", ["jet", "gray"])
def test_uint8_to_rgb_is_exact(name: str) -> None:
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    rgb = apply_lut(gray, name)
    assert rgb.shape == (16, 16, 3)
    assert (rgb.reshape(-1, 3) == lut_table(name)).all()
    with pytest.raises(TypeError):
        apply_lut(gray.astype(np.int16), name)


@pytest.mark.parametrize("name", ["jet", "gray"])
def test_network_colorize_uses_the_table(name: str) -> None:
    net = LungNet(2, lut=name)
    x = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16)
    got = net.colorize(x)[0].permute(1, 2, 0).reshape(-1, 3).numpy()
    want = (lut_table(name).astype(np.float32) / 255.0 - NORM_MEAN) / NORM_STD
    np.testing.assert_allclose(got, want, atol=1e-6)
