"""Golden vectors: real inputs and the released ONNX model's outputs, for the TypeScript serving tests.

Usage: python -m lungflow_training.golden --task cxr [--model models/cxr-v1/model.onnx] [--out .../golden.json]

`cases`: test-split image files (path relative to the shared data folder), the uint8 model input (base64 of the
row-major size x size bytes, with its sha256) and the outputs onnxruntime gives for that input. The serving path
must reproduce the input from the file (decode, gray, Pillow-Lanczos resize) and then the outputs to ~1e-5.
`dicom`: real DICOM files from ../shared/data/dicom run through dicom_input (a mirror of libs/dicom's pixel path),
with the same fields; their inputs may differ by a gray level on a few pixels (float32 truncation), so compare the
input with a tolerance and the outputs for the stored input exactly.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx

from .dicom_input import dicom_model_input
from .export import run_onnx
from .manifest import CLASSES, load_manifest
from .paths import MODELS_DIR, shared_data_dir
from .preprocess import load_model_input
from .split import with_split

DICOM_FILES = {
    "cxr": ["dicom/torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm",
            "dicom/fo_dicom_via_dcmfx/CR-MONO1-10-chest.dcm", "dicom/pydicom_data/RG1_J2KI.dcm"],
    "ct": ["dicom/tcia_covid19_ny_sbu/A048383/axial/19001231-30.dcm", "dicom/pydicom_debian_pkg/CT_small.dcm"],
}


def model_size(model: Path) -> int:
    proto = onnx.load(str(model))
    return int(proto.graph.input[0].type.tensor_type.shape.dim[2].dim_value)


def pick_cases(task: str, data_dir: Path) -> list[str]:
    """For each class, the first test-split image (sorted by path) of each source."""
    m = with_split(load_manifest(data_dir), task)
    test = m[m["split"] == "test"].sort_values("path")
    picked: list[str] = []
    for label in CLASSES[task]:
        rows = test[test["label"] == label].drop_duplicates("source")
        picked += list(rows["path"])
    return picked


def encode(x: np.ndarray) -> dict:
    raw = np.ascontiguousarray(x, dtype=np.uint8).tobytes()
    return {"inputBase64": base64.b64encode(raw).decode(), "inputSha256": hashlib.sha256(raw).hexdigest()}


def outputs_json(outs: dict[str, np.ndarray], i: int) -> dict:
    return {k: v[i].astype(float).round(7).tolist() for k, v in outs.items()}


def build(task: str, model: Path, data_dir: Path) -> dict:
    size = model_size(model)
    files = pick_cases(task, data_dir)
    inputs = [load_model_input(data_dir / f, task, size) for f in files]
    dicom_inputs, dicom_info = [], []
    for f in DICOM_FILES[task]:
        x, info = dicom_model_input(data_dir / f, size)
        dicom_inputs.append(x)
        dicom_info.append(info)
    outs = run_onnx(model, np.stack(inputs + dicom_inputs))
    classes = CLASSES[task]
    label_of = with_split(load_manifest(data_dir), task).set_index("path")["label"]
    cases = [{"file": f, "label": label_of[f], **encode(x), "expected": outputs_json(outs, i)}
             for i, (f, x) in enumerate(zip(files, inputs))]
    dicom = [{"file": f, "pixelPath": info, **encode(x), "expected": outputs_json(outs, len(files) + i)}
             for i, (f, x, info) in enumerate(zip(DICOM_FILES[task], dicom_inputs, dicom_info))]
    return {
        "model": str(model.name), "modelSha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "task": task, "classes": classes, "input": {"name": "image", "size": size, "dtype": "uint8",
                                                    "layout": "NCHW", "channels": 1},
        "pathsRelativeTo": "../shared/data (LUNGFLOW_SHARED_DIR/data)",
        "tolerance": {"outputs": 1e-5, "note": "outputs recomputed from inputBase64 with onnxruntime CPU"},
        "cases": cases, "dicom": dicom,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", choices=sorted(CLASSES), required=True)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    model = args.model or MODELS_DIR / f"{args.task}-v1" / "model.onnx"
    out = args.out or model.parent / "golden.json"
    golden = build(args.task, model, shared_data_dir())
    out.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {out}: {len(golden['cases'])} image cases, {len(golden['dicom'])} DICOM cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
