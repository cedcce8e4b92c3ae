"""The preprocessing contract on real files: 8-bit gray, one Pillow Lanczos resize to size x size."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lungflow_training.manifest import load_manifest
from lungflow_training.paths import shared_data_dir
from lungflow_training.preprocess import EFFECTIVE, load_model_input, to_gray8

DATA = shared_data_dir()
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")


def first_of(source: str) -> str:
    m = load_manifest(DATA)
    return str(DATA / m[m["source"] == source]["path"].iloc[0])


@pytest.mark.parametrize("source", ["ieee8023", "kermany_pediatric", "rsna_normal", "ucsd_covid_ct"])
def test_every_source_gives_uint8_square(source: str) -> None:
    task = "ct" if source == "ucsd_covid_ct" else "cxr"
    x = load_model_input(first_of(source), task, 128)
    assert x.shape == (128, 128) and x.dtype == np.uint8
    assert x.std() > 5  # an image, not a constant


def test_equals_a_single_pillow_lanczos_resize() -> None:
    path = first_of("kermany_pediatric")
    with Image.open(path) as img:
        want = np.asarray(img.convert("L").resize((96, 96), Image.LANCZOS))
    np.testing.assert_array_equal(load_model_input(path, "cxr", 96), want)


def test_rgb_becomes_luma() -> None:
    rgb = Image.fromarray(np.dstack([np.full((8, 8), v, np.uint8) for v in (200, 100, 50)]), mode="RGB")
    # ITU-R 601-2: 200*0.299 + 100*0.587 + 50*0.114 = 124.2
    assert np.asarray(to_gray8(rgb)).tolist()[0][0] == 124


def test_sixteen_bit_is_stretched() -> None:
    img = Image.fromarray(np.array([[0, 1000], [2000, 4000]], dtype=np.uint16))
    assert np.asarray(to_gray8(img)).tolist() == [[0, 64], [128, 255]]


def test_size_above_the_effective_resolution_is_refused() -> None:
    with pytest.raises(ValueError):
        load_model_input(first_of("rsna_normal"), "cxr", EFFECTIVE + 32)
    with pytest.raises(ValueError):
        load_model_input(first_of("rsna_normal"), "mri", 128)
