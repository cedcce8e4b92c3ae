"""The released models: ONNX equals PyTorch within 1e-4 on real test-split images, and the golden files hold."""
from __future__ import annotations

import base64
import hashlib
import json

import numpy as np
import pytest
import torch

from lungflow_training.dicom_input import dicom_model_input
from lungflow_training.export import TOLERANCE, run_onnx
from lungflow_training.manifest import load_manifest
from lungflow_training.model import OUTPUT_NAMES, LungNet
from lungflow_training.paths import MODELS_DIR, TRAINING_DIR, shared_data_dir
from lungflow_training.preprocess import load_model_input
from lungflow_training.split import with_split

DATA = shared_data_dir()
TASKS = ["cxr", "ct"]


def released(task: str) -> tuple:
    onnx_path = MODELS_DIR / f"{task}-v1" / "model.onnx"
    weights = TRAINING_DIR / "released" / f"{task}-v1.pt"
    if not (onnx_path.exists() and weights.exists() and DATA.exists()):
        pytest.skip(f"{task}-v1 not released yet (needs {onnx_path}, {weights}) or shared data missing")
    ckpt = torch.load(weights, map_location="cpu", weights_only=False)
    cfg = ckpt["config"]
    net = LungNet(len(cfg["classes"]), lut=cfg["lut"], plan=[tuple(p) for p in cfg["plan"]])
    net.load_state_dict(ckpt["state_dict"])
    return onnx_path, net.eval(), cfg


@pytest.mark.parametrize("task", TASKS)
def test_onnx_equals_pytorch_on_test_images(task: str) -> None:
    onnx_path, net, cfg = released(task)
    m = with_split(load_manifest(DATA), task)
    test = m[m["split"] == "test"].sort_values("path").groupby("label").head(8)
    x = np.stack([load_model_input(DATA / p, task, cfg["size"]) for p in test["path"]])[:, None]
    with torch.no_grad():
        ref = dict(zip(OUTPUT_NAMES, (t.numpy() for t in net(torch.from_numpy(x)))))
    got = run_onnx(onnx_path, x)
    for name in OUTPUT_NAMES:
        assert np.max(np.abs(got[name] - ref[name])) < TOLERANCE, name


@pytest.mark.parametrize("task", TASKS)
def test_golden_file_matches_model_and_contract(task: str) -> None:
    onnx_path, _, cfg = released(task)
    golden_path = onnx_path.parent / "golden.json"
    golden = json.loads(golden_path.read_text())
    assert golden["modelSha256"] == hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    size = golden["input"]["size"]
    assert size == cfg["size"] and len(golden["cases"]) >= 3
    for case in golden["cases"] + golden["dicom"]:
        raw = base64.b64decode(case["inputBase64"])
        assert hashlib.sha256(raw).hexdigest() == case["inputSha256"]
        x = np.frombuffer(raw, dtype=np.uint8).reshape(1, 1, size, size)
        out = run_onnx(onnx_path, x)
        for name, want in case["expected"].items():
            np.testing.assert_allclose(out[name][0], np.asarray(want, dtype=np.float32), atol=1e-5)
    for case in golden["cases"]:  # the stored input is exactly what the preprocessing contract makes of the file
        x = load_model_input(DATA / case["file"], task, size)
        assert base64.b64decode(case["inputBase64"]) == x.tobytes(), case["file"]
    for case in golden["dicom"]:  # and the DICOM mirror of the serving pixel path is deterministic
        x, info = dicom_model_input(DATA / case["file"], size)
        assert base64.b64decode(case["inputBase64"]) == x.tobytes() and info == case["pixelPath"], case["file"]
