"""A tiny, randomly initialised ONNX graph with the release I/O contract (uint8 `image` in; `probabilities`,
`logits`, `features`, `cam` out). It lets the evaluator and card be tested end to end without a trained model or
torch; it is never released. Built with onnx.helper so its arithmetic is plain and known."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build_contract_model(path: Path, n_classes: int, size: int = 64, channels: int = 8, seed: int = 0,
                         temperature: float = 1.5) -> Path:
    rng = np.random.default_rng(seed)
    conv_w = rng.normal(0, 0.05, (channels, 1, 4, 4)).astype(np.float32)
    conv_b = rng.normal(0, 0.1, (channels,)).astype(np.float32)
    head_w = rng.normal(0, 1.0, (n_classes, channels)).astype(np.float32)
    head_b = np.zeros(n_classes, np.float32)
    inits = [
        numpy_helper.from_array(conv_w, "conv_w"), numpy_helper.from_array(conv_b, "conv_b"),
        numpy_helper.from_array(head_w.T.copy(), "head_wt"), numpy_helper.from_array(head_b, "head_b"),
        numpy_helper.from_array(head_w.reshape(n_classes, channels, 1, 1), "cam_w"),
        numpy_helper.from_array(np.array(255.0, np.float32), "scale"),
        numpy_helper.from_array(np.array(temperature, np.float32), "temperature"),
    ]
    nodes = [
        helper.make_node("Cast", ["image"], ["x"], to=TensorProto.FLOAT),
        helper.make_node("Div", ["x", "scale"], ["xn"]),
        helper.make_node("Conv", ["xn", "conv_w", "conv_b"], ["c"], strides=[4, 4]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["features"], axis=1),
        helper.make_node("Gemm", ["features", "head_wt", "head_b"], ["logits"]),
        helper.make_node("Div", ["logits", "temperature"], ["scaled"]),
        helper.make_node("Softmax", ["scaled"], ["probabilities"], axis=1),
        helper.make_node("Conv", ["r", "cam_w"], ["cam"]),
    ]
    side = size // 4
    graph = helper.make_graph(
        nodes, "contract_model",
        [helper.make_tensor_value_info("image", TensorProto.UINT8, ["N", 1, size, size])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", n_classes]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", n_classes]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", channels]),
         helper.make_tensor_value_info("cam", TensorProto.FLOAT, ["N", n_classes, side, side])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path
