"""Runs the released ONNX graph itself (not the PyTorch model), so the evaluation judges the real artefact."""
from __future__ import annotations

from pathlib import Path
from typing import Dict

import numpy as np
import onnxruntime as ort

OUTPUTS = ("probabilities", "logits", "features", "cam")
BATCH = 32


class OnnxModel:
    def __init__(self, path: Path) -> None:
        options = ort.SessionOptions()
        # Two shared cores on the development machine: leave one for everybody else.
        options.intra_op_num_threads = 2
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        size = inp.shape[-1]
        if not isinstance(size, int):
            raise ValueError(f"{path}: input {inp.name} has no fixed spatial size ({inp.shape})")
        self.size = size
        names = {o.name for o in self.session.get_outputs()}
        missing = [o for o in OUTPUTS if o not in names]
        if missing:
            raise ValueError(f"{path}: ONNX graph lacks outputs {missing}")

    def run(self, images: np.ndarray) -> Dict[str, np.ndarray]:
        """images: uint8 [N, S, S]. Returns every output, concatenated over batches."""
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(f"expected uint8 [N,S,S], got {images.dtype} {images.shape}")
        parts: Dict[str, list] = {o: [] for o in OUTPUTS}
        for start in range(0, len(images), BATCH):
            batch = images[start:start + BATCH, None, :, :]
            for name, value in zip(OUTPUTS, self.session.run(list(OUTPUTS), {self.input_name: batch})):
                parts[name].append(value)
        return {k: np.concatenate(v) if v else np.zeros((0,)) for k, v in parts.items()}

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        return self.run(images)["probabilities"]
