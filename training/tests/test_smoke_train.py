"""A few optimiser steps on a handful of real images, then the exported ONNX graph is checked."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from lungflow_training import train
from lungflow_training.export import TOLERANCE, run_onnx
from lungflow_training.manifest import CLASSES
from lungflow_training.paths import shared_data_dir

DATA = shared_data_dir()
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")


@pytest.mark.parametrize("task,lut", [("cxr", "jet"), ("ct", "gray")])
def test_smoke_run_exports_a_valid_graph(tmp_path: Path, task: str, lut: str) -> None:
    out = tmp_path / "run"
    assert train.main(["--task", task, "--lut", lut, "--size", "64", "--per-class", "3", "--max-steps", "3",
                       "--epochs", "3", "--batch", "4", "--out", str(out)]) == 0
    log = json.loads((out / "train_log.json").read_text())
    assert log["config"]["seed"] == 1 and log["config"]["lut"] == lut
    assert 0.05 <= log["temperature"] <= 20
    assert max(log["onnx_max_abs_diff"].values()) < TOLERANCE

    proto = onnx.load(str(out / "model.onnx"))
    onnx.checker.check_model(proto)
    assert proto.opset_import[0].version == 17
    assert [i.name for i in proto.graph.input] == ["image"]
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.UINT8
    assert [o.name for o in proto.graph.output] == ["probabilities", "cam", "features", "logits"]
    # the LUT is the graph's first operation: a Gather on the uint8 input (after a cast)
    assert "Gather" in [n.op_type for n in proto.graph.node[:4]]

    c = len(CLASSES[task])
    x = np.random.default_rng(0).integers(0, 256, (5, 1, 64, 64), dtype=np.uint8)  # batch axis is dynamic
    outs = run_onnx(out / "model.onnx", x)
    assert outs["probabilities"].shape == (5, c) and outs["logits"].shape == (5, c)
    assert outs["cam"].shape == (5, c, 4, 4) and outs["features"].shape[0] == 5
    np.testing.assert_allclose(outs["probabilities"].sum(1), 1.0, atol=1e-5)
    t = log["temperature"]
    z = outs["logits"] / t
    soft = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(outs["probabilities"], soft / soft.sum(1, keepdims=True), atol=1e-5)


def test_same_seed_gives_the_same_weights(tmp_path: Path) -> None:
    import torch

    args = ["--task", "ct", "--lut", "jet", "--size", "64", "--per-class", "3", "--max-steps", "2", "--epochs", "2",
            "--batch", "4"]
    assert train.main([*args, "--out", str(tmp_path / "a")]) == 0
    assert train.main([*args, "--out", str(tmp_path / "b")]) == 0
    a = torch.load(tmp_path / "a" / "model.pt", weights_only=False)["state_dict"]
    b = torch.load(tmp_path / "b" / "model.pt", weights_only=False)["state_dict"]
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
