"""The v2 classifier's ablation options (issue 11): the class-conditional site adversary, the in-graph low-pass and
dropping a site. Each is off by default, so the released recipe is unchanged unless a run asks for it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lungflow_training.export import TOLERANCE, export_onnx, max_abs_diff
from lungflow_training.paths import shared_data_dir
from lungflow_training.v2 import lungseg, train
from lungflow_training.v2.graph import INPUT_SIZE, OUTPUT_NAMES, Classifier, CxrV2
from lungflow_training.v2.train import SiteAdversary

DATA = shared_data_dir()


def test_adversary_learns_the_site_while_the_features_receive_the_reversed_gradient() -> None:
    torch.manual_seed(0)
    adversary = SiteAdversary(features=8, classes=3, sites=4)
    features = torch.randn(16, 8, requires_grad=True)
    label, site = torch.randint(0, 3, (16,)), torch.randint(0, 4, (16,))
    adversary.loss(features, label, site, weight=0.5).backward()
    reversed_grad = features.grad.clone()
    head_grad = [p.grad.clone() for p in adversary.parameters()]
    # the same loss without the reversal: the features' gradient flips sign and scales by the weight, the head's is the same
    features.grad = None
    adversary.zero_grad()
    out = adversary.net(features).view(-1, 3, 4)
    torch.nn.functional.cross_entropy(out[torch.arange(16), label], site).backward()
    assert torch.allclose(reversed_grad, -0.5 * features.grad, atol=1e-6)
    for a, b in zip(head_grad, adversary.parameters()):
        assert torch.allclose(a, b.grad, atol=1e-6)


def test_adversary_reads_the_site_only_within_the_true_class() -> None:
    adversary = SiteAdversary(features=4, classes=2, sites=3)
    with torch.no_grad():
        for p in adversary.parameters():
            p.zero_()
        adversary.net[2].bias.copy_(torch.tensor([5.0, 0, 0, 0, 0, 5.0]))  # class 0 says site 0, class 1 site 2
    f = torch.zeros(2, 4)
    right = adversary.loss(f, torch.tensor([0, 1]), torch.tensor([0, 2]), 1.0)
    wrong = adversary.loss(f, torch.tensor([1, 0]), torch.tensor([0, 2]), 1.0)
    assert right < 0.05 < wrong


def test_lowpass_off_is_the_released_graph_and_on_smooths_and_exports(tmp_path: Path) -> None:
    assert "lowpass_kernel" not in Classifier(3, "jet").state_dict()  # released checkpoints load unchanged
    torch.manual_seed(0)
    sharp, smooth = Classifier(3, "gray").eval(), Classifier(3, "gray", lowpass=1.5).eval()
    smooth.load_state_dict(sharp.state_dict(), strict=False)
    checker = ((torch.arange(128)[:, None] + torch.arange(128)[None, :]) % 2).float().view(1, 1, 128, 128)
    with torch.no_grad():
        assert not torch.allclose(sharp(checker)[0], smooth(checker)[0])
        assert torch.allclose(smooth(torch.full((1, 1, 128, 128), 0.4))[0], sharp(torch.full((1, 1, 128, 128), 0.4))[0],
                              atol=1e-5)  # a flat image passes unchanged
    model = CxrV2(3, "jet", lowpass=1.5).eval()
    path = tmp_path / "model.onnx"
    export_onnx(model, INPUT_SIZE, path, {}, OUTPUT_NAMES)
    x = np.random.default_rng(0).integers(0, 256, (2, INPUT_SIZE, INPUT_SIZE), dtype=np.uint8)
    diff = max_abs_diff(model, path, x, OUTPUT_NAMES)
    assert max(diff.values()) < TOLERANCE, diff


@pytest.mark.skipif(not DATA.exists(), reason=f"shared data missing at {DATA}")
def test_a_dropped_site_is_neither_trained_nor_validated_on(tmp_path: Path) -> None:
    seg = tmp_path / "lungseg"
    assert lungseg.main(["--epochs", "1", "--max-steps", "1", "--limit", "4", "--threads", "1", "--out", str(seg)]) == 0
    common = ["--lut", "gray", "--holdout", "none", "--limit", "2", "--epochs", "1", "--max-steps", "2", "--threads", "1",
              "--seg", str(seg / "lungseg.pt")]
    assert train.main([*common, "--out", str(tmp_path / "all")]) == 0
    assert train.main([*common, "--drop-site", "kermany_pediatric", "--site-adversary", "0.5",
                       "--out", str(tmp_path / "dropped")]) == 0
    every, dropped = (json.loads((tmp_path / r / "train_log.json").read_text()) for r in ("all", "dropped"))
    # --limit 2 keeps 2 images per (label, site, split): kermany has two labels, so 4 train and 4 val images go
    assert every["train_images"] - dropped["train_images"] == 4
    assert every["val_images"] - dropped["val_images"] == 4
    assert dropped["config"]["drop_site"] == ["kermany_pediatric"] and dropped["config"]["site_adversary"] == 0.5


def test_equal_site_weights_give_each_site_of_a_class_the_same_share() -> None:
    import pandas as pd
    from lungflow_training.v2.train import equal_site_weights
    rows = pd.DataFrame({"label": ["a"] * 10 + ["b"] * 3, "source": ["x"] * 8 + ["y"] * 2 + ["x", "z", "z"]})
    w = equal_site_weights(rows)
    share = pd.Series(w).groupby([rows["label"], rows["source"]]).sum()
    assert np.allclose(share.to_numpy(), 0.25) and np.isclose(w.sum(), 1)


def test_compare_pools_every_fold_and_refuses_an_incomplete_variant(tmp_path: Path) -> None:
    import pandas as pd
    from lungflow_training.v2 import compare
    from lungflow_training.v2.data import LOSO_SITES
    rng = np.random.default_rng(0)
    for k, site in enumerate(LOSO_SITES):
        label = np.where(np.arange(20) < 10, "covid19", "no_finding")
        score = np.where(label == "covid19", 0.6, 0.4) + rng.uniform(-0.05, 0.05, 20)  # each fold ranks perfectly
        run = compare.run_dir(tmp_path, "v", site)
        run.mkdir(parents=True)
        pd.DataFrame({"label": label, "p_covid19": score + 0.01 * k, "group_id": [f"{site}{i}" for i in range(20)],
                      "age_group": "adult"}).to_csv(run / "predictions.csv", index=False)
    s = compare.summarise(tmp_path, "v")
    assert s["mean_site_auc"] == 1.0 and len(s["sites"]) == len(LOSO_SITES)
    assert (s["pooled_specificity"] > 0.5) and s["threshold"] < 0.6
    import shutil
    shutil.rmtree(compare.run_dir(tmp_path, "v", LOSO_SITES[0]))
    with pytest.raises(SystemExit):
        compare.summarise(tmp_path, "v")
