"""The v2 graph: segmentation + lung equalisation + crop + classifier in one ONNX graph that matches PyTorch, a CAM
that is zero outside the lungs, and the degenerate case of an image without lungs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch

from lungflow_training.export import TOLERANCE, export_onnx, max_abs_diff, run_onnx
from lungflow_training.v2.graph import (CAM_SIZE, CROP_SIZE, INPUT_SIZE, OUTPUT_NAMES, SEG_SIZE, CxrV2, lung_box,
                                        lung_equalise, count_flops)


def _model(seed: int = 0) -> CxrV2:
    torch.manual_seed(seed)
    return CxrV2(3, "jet").eval()


def test_equalisation_maps_lung_grey_levels_to_a_uniform_distribution() -> None:
    rng = np.random.default_rng(1)
    # a dark, low-contrast "lung" inside a bright border: equalised lung values spread over [0, 1]
    img = np.full((1, 1, INPUT_SIZE, INPUT_SIZE), 230, np.uint8)
    img[..., 40:180, 30:190] = rng.integers(40, 80, (140, 160))
    lungs = torch.zeros(1, 1, SEG_SIZE, SEG_SIZE)
    lungs[..., 20:90, 15:95] = 1.0
    eq = lung_equalise(torch.from_numpy(img), lungs)[0, 0].numpy()
    inside = eq[40:180, 30:190]
    assert 0.0 <= eq.min() and eq.max() <= 1.0
    assert inside.min() < 0.1 and inside.max() > 0.9  # stretched to the full range
    assert abs(float(np.median(inside)) - 0.5) < 0.1
    # monotone: a brighter grey level never maps lower
    order = np.argsort(img[0, 0].ravel(), kind="stable")
    assert np.all(np.diff(eq.ravel()[order]) >= -1e-6)


def test_lung_box_is_the_mask_bounding_box_with_margin_and_whole_image_without_lungs() -> None:
    lungs = torch.zeros(2, 1, SEG_SIZE, SEG_SIZE)
    lungs[0, 0, 28:84, 14:98] = 1.0
    cx, cy, hx, hy = lung_box(lungs)
    # box in [0,1]: x 14/112..98/112, y 28/112..84/112, plus 6 % margin each side
    assert abs(float(cx[0]) - ((14 + 98) / 112 - 1)) < 1e-5
    assert abs(float(cy[0]) - ((28 + 84) / 112 - 1)) < 1e-5
    assert abs(float(hx[0]) - (84 / 112) * 1.12) < 1e-5
    assert float(cx[1]) == 0.0 and float(cy[1]) == 0.0 and float(hx[1]) == 1.0 and float(hy[1]) == 1.0


def test_onnx_graph_matches_pytorch_and_has_the_v2_contract(tmp_path: Path) -> None:
    model = _model()
    path = tmp_path / "model.onnx"
    export_onnx(model, INPUT_SIZE, path, {}, OUTPUT_NAMES)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    assert [o.name for o in proto.graph.output] == OUTPUT_NAMES
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.UINT8
    x = np.random.default_rng(0).integers(0, 256, (3, INPUT_SIZE, INPUT_SIZE), dtype=np.uint8)
    diff = max_abs_diff(model, path, x, OUTPUT_NAMES)
    assert max(diff.values()) < TOLERANCE, diff
    out = run_onnx(path, x)
    assert out["cam"].shape == (3, 3, CAM_SIZE, CAM_SIZE) and CAM_SIZE >= 16
    assert out["lungs"].shape == (3, 1, SEG_SIZE, SEG_SIZE)
    assert np.allclose(out["probabilities"].sum(axis=1), 1, atol=1e-5)


def test_cam_is_zero_outside_the_lungs() -> None:
    model = _model(3)
    x = torch.from_numpy(np.random.default_rng(2).integers(0, 256, (2, 1, INPUT_SIZE, INPUT_SIZE), dtype=np.uint8))
    with torch.no_grad():
        _, cam, _, _, lungs = model(x)
    inside = torch.nn.functional.avg_pool2d(lungs, SEG_SIZE // CAM_SIZE) > 0.5
    assert torch.all(cam[~inside.expand_as(cam)] == 0)


def test_image_without_lungs_reaches_the_classifier_as_zeros() -> None:
    model = _model()
    # force the segmentation to say "no lungs" everywhere
    with torch.no_grad():
        model.pre.seg.out.weight.zero_()
        model.pre.seg.out.bias.fill_(-20.0)
        x = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (1, 1, INPUT_SIZE, INPUT_SIZE), dtype=np.uint8))
        crop, lungs, _ = model.pre(x)
        _, cam, _, _, _ = model(x)
    assert float(lungs.max()) < 1e-6
    assert crop.shape[-1] == CROP_SIZE and float(crop.abs().max()) < 1e-4
    assert float(cam.abs().max()) == 0.0


def test_flops_fit_the_cpu_budget() -> None:
    flops = count_flops(_model())
    assert flops["segmentation"] + flops["classifier"] < 1.2e9
