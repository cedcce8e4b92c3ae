"""The Python CT lung segmentation (v2/ct_lungs.py) against the TypeScript one it mirrors (ctLungMask.ts).

The expected counts were printed by libs/inference's segmentCtLungs on the same files (4 December 2026): if either
side changes its rules, this test or ctLungsRealData.test.ts says so.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest

from lungflow_training.paths import REPO_ROOT, shared_data_dir
from lungflow_training.v2 import ct_lungs

DATA = shared_data_dir()
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")

# file under dicom/: (components, lungPixels, lung cells on the grid) from segmentCtLungs.
TYPESCRIPT = {
    "tcia_covid19_ny_sbu/A048383/axial/19001231-30.dcm": (2, 26200, 6550),
    "tcia_covid19_ny_sbu/A048383/axial/19010410-30.dcm": (2, 38264, 9566),
    "tcia_covid19_ny_sbu/A098752/axial/19001231-32.dcm": (3, 29668, 7417),
    "tcia_covid19_ny_sbu/A098752/axial/19010127-128.dcm": (3, 19784, 4946),
    "pydicom_debian_pkg/CT_small.dcm": (2, 3649, 3649),
    "pydicom_data/693_J2KR.dcm": (0, 0, 0),
}


def _hu(path: Path) -> tuple[np.ndarray, float]:
    ds = pydicom.dcmread(str(path), force=True)
    hu = ds.pixel_array.astype(np.float32) * np.float32(float(ds.RescaleSlope)) + np.float32(float(ds.RescaleIntercept))
    row, col = (float(v) for v in ds.PixelSpacing)
    return hu.astype(np.float32), row * col


@pytest.mark.parametrize("name", sorted(TYPESCRIPT))
def test_same_lungs_as_typescript(name: str) -> None:
    hu, pixel_area = _hu(DATA / "dicom" / name)
    seg = ct_lungs.segment(hu, pixel_area)
    assert (seg.components, seg.lung_pixels, int(seg.lung_mask.sum())) == TYPESCRIPT[name]


def test_constants_match_typescript() -> None:
    ts = (REPO_ROOT / "libs/results/src/ct/ctLungMask.ts").read_text()
    for name, value in [("maxGridSize", ct_lungs.MAX_GRID_SIZE), ("airHu", ct_lungs.AIR_HU),
                        ("outsideMeanHu", ct_lungs.OUTSIDE_MEAN_HU), ("gasMeanHu", ct_lungs.GAS_MEAN_HU),
                        ("minComponentMm2", ct_lungs.MIN_COMPONENT_MM2),
                        ("minComponentFraction", ct_lungs.MIN_COMPONENT_FRACTION),
                        ("maxHoleFraction", ct_lungs.MAX_HOLE_FRACTION)]:
        found = re.search(rf"\b{name}: (-?[\d.]+)", ts)
        assert found and float(found.group(1)) == value, name


def test_lung_crop_of_a_chest_slice_and_none_without_lungs() -> None:
    hu, pixel_area = _hu(DATA / "dicom" / "tcia_covid19_ny_sbu/A048383/axial/19001231-30.dcm")
    gray = np.clip(np.floor((hu - (ct_lungs.WINDOW_CENTER - ct_lungs.WINDOW_WIDTH / 2)) / ct_lungs.WINDOW_WIDTH * 255), 0, 255).astype(np.uint8)
    crop = ct_lungs.lung_crop(gray, ct_lungs.segment(hu, pixel_area), 128)
    assert crop is not None and crop.shape == (128, 128) and crop.dtype == np.uint8
    # Outside the dilated lungs is 0, and the lungs fill a good part of their own square.
    assert 0.2 < (crop > 0).mean() < 0.9
    head, head_area = _hu(DATA / "dicom" / "pydicom_data/693_J2KR.dcm")
    assert ct_lungs.lung_crop(np.zeros(head.shape, np.uint8), ct_lungs.segment(head, head_area), 128) is None


def test_lungs_run_trains_on_crops_and_is_scored_only_where_lungs_are_found(tmp_path) -> None:
    import json

    from lungflow_training import train
    from lungflow_training.v2 import ct_data, ct_eval

    out = tmp_path / "run"
    assert train.main(["--task", "ct", "--lut", "jet", "--size", "64", "--per-class", "3", "--max-steps", "2",
                       "--epochs", "2", "--batch", "4", "--split-file", str(ct_data.SPLIT_FILE), "--input", "lungs",
                       "--out", str(out)]) == 0
    assert json.loads((out / "train_log.json").read_text())["config"]["input"] == "lungs"
    m = train.split_rows("ct", DATA, ct_data.SPLIT_FILE)
    scored = m[m["split"].isin(["val", "test"])].reset_index(drop=True)
    found_all = ct_lungs.load_lung_inputs(list(scored["path"]), DATA, 64, None)[1]
    # A few images of each split and class with lungs, and two in which the crop finds none: counted, not scored.
    m = pd.concat([scored[found_all].groupby(["split", "label"], group_keys=False).head(4), scored[~found_all].head(2)])
    found = ct_lungs.load_lung_inputs(list(m["path"]), DATA, 64, None)[1]
    assert found.sum() == len(m) - 2
    result = ct_eval.score(m, out, DATA, resamples=20)
    assert result["only_with_lungs"] is True
    assert result["no_lungs_images"] == {s: int((~found[(m["split"] == s).to_numpy()]).sum()) for s in ("val", "test")}
    assert result["val"]["images"] + result["test"]["images"] == int(found.sum())


def test_output_stride_8_gives_a_twice_finer_cam_and_its_share_in_the_lungs_is_measured(tmp_path) -> None:
    from lungflow_training import train
    from lungflow_training.v2 import ct_data, ct_eval

    out = tmp_path / "run"
    assert train.main(["--task", "ct", "--lut", "jet", "--size", "64", "--per-class", "3", "--max-steps", "2",
                       "--epochs", "1", "--batch", "4", "--split-file", str(ct_data.SPLIT_FILE), "--output-stride", "8",
                       "--out", str(out)]) == 0
    m = train.split_rows("ct", DATA, ct_data.SPLIT_FILE)
    rows = m[m["split"] == "val"].groupby("label", group_keys=False).head(3)
    result = ct_eval.cam_in_lungs(rows, out, DATA)
    assert result["cam_grid"] == [8, 8]  # 64 px at output stride 8 (16 would give 4 x 4)
    assert 0 < result["images"] <= len(rows)
    assert 0.0 <= result["positive_cam_mass_in_lungs"] <= 1.0 and 0.0 < result["lung_share_of_slice"] < 1.0


def test_cam_outside_penalty_counts_positive_cam_outside_the_lungs_of_images_that_have_lungs() -> None:
    import torch

    from lungflow_training.augment import augment
    from lungflow_training.train import cam_outside_penalty

    lungs = torch.zeros(3, 1, 8, 8)
    lungs[:2, :, 2:6, 2:6] = 1  # images 0 and 1 have lungs in the middle, image 2 none
    cam = torch.zeros(3, 2, 4, 4)
    cam[0, 0, 1:3, 1:3] = 5.0  # inside the lungs only
    assert float(cam_outside_penalty(cam, lungs)) == 0.0
    cam[1, 1, 0, 0] = 4.0  # outside, on an image with lungs: mean over its 2 x 16 cells = 0.125, over 2 images
    cam[2, 0] = 9.0  # an image without lungs is not penalised
    cam[0, 0, 0, 0] = -3.0  # negative evidence outside is free
    assert abs(float(cam_outside_penalty(cam, lungs)) - 0.0625) < 1e-6
    # The masks move with the image and the image is the same as without them (same random draws).
    x = torch.randint(0, 255, (2, 1, 16, 16), dtype=torch.uint8)
    alone = augment(x, torch.Generator().manual_seed(3))
    paired, moved = augment(x, torch.Generator().manual_seed(3), torch.ones(2, 1, 16, 16))
    assert torch.equal(alone, paired) and moved.shape == (2, 1, 16, 16) and float(moved.max()) <= 1.0
