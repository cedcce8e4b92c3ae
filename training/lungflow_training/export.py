"""ONNX export of a trained LungNet (opset 17, dynamic batch) and a check that onnxruntime matches PyTorch.

Usage: python -m lungflow_training.export --run training/runs/cxr-pseudo   (re-exports model.pt -> model.onnx)
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from .model import OUTPUT_NAMES, LungNet

OPSET = 17
TOLERANCE = 1e-4


def export_onnx(model: torch.nn.Module, size: int, path: Path, metadata: dict[str, str] | None = None,
                output_names: list[str] = OUTPUT_NAMES) -> None:
    model.eval()
    dummy = torch.zeros(1, 1, size, size, dtype=torch.uint8)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # The TorchScript exporter (dynamo=False) gives a compact, stable graph for this plain CNN.
        torch.onnx.export(
            model, (dummy,), buf, dynamo=False, opset_version=OPSET, input_names=["image"],
            output_names=output_names, dynamic_axes={n: {0: "batch"} for n in ["image", *output_names]},
            do_constant_folding=True,
        )
    proto = onnx.load_from_string(buf.getvalue())
    for k, v in (metadata or {}).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(proto)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(path))


def session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run_onnx(path: Path, images: np.ndarray) -> dict[str, np.ndarray]:
    """images uint8 [N,S,S] or [N,1,S,S] -> dict of output name -> array."""
    x = images if images.ndim == 4 else images[:, None]
    sess = session(path)
    names = [o.name for o in sess.get_outputs()]  # v1 and v2 graphs name their outputs differently
    outs = sess.run(names, {"image": np.ascontiguousarray(x, dtype=np.uint8)})
    return dict(zip(names, outs))


def max_abs_diff(model: torch.nn.Module, path: Path, images: np.ndarray,
                 output_names: list[str] = OUTPUT_NAMES) -> dict[str, float]:
    """Largest |onnxruntime - PyTorch| per output on real inputs."""
    model.eval()
    with torch.no_grad():
        ref = model(torch.from_numpy(images[:, None].copy()))
    got = run_onnx(path, images)
    return {n: float(np.max(np.abs(got[n] - r.numpy()))) for n, r in zip(output_names, ref)}


def load_run_model(run_dir: Path) -> tuple[LungNet, dict]:
    ckpt = torch.load(run_dir / "model.pt", map_location="cpu", weights_only=False)
    cfg = ckpt["config"]
    model = LungNet(len(cfg["classes"]), lut=cfg["lut"], plan=[tuple(p) for p in cfg["plan"]])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, cfg


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", type=Path, required=True)
    args = ap.parse_args(argv)
    model, cfg = load_run_model(args.run)
    meta = {"lungflow.config": json.dumps(cfg, sort_keys=True)}
    export_onnx(model, cfg["size"], args.run / "model.onnx", meta)
    print(f"wrote {args.run / 'model.onnx'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
