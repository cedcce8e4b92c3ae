"""LungNet: a small plain CNN from scratch, with the LUT, normalisation, temperature and CAM inside the graph.

Input uint8 [N,1,S,S]. Outputs (in this order, the ONNX output names):
- probabilities [N,C]: softmax(logits / temperature)
- cam [N,C,h,w]: W_c . F(x,y) over the last block's post-ReLU feature map F, bias NOT included, so
  mean_xy(cam[:, c]) + bias[c] == logits[:, c] (CAM; for a GAP + linear head it equals Grad-CAM up to scale)
- features [N,F]: global-average-pooled F (the source-probe audit reads these)
- logits [N,C]: uncalibrated
"""
from __future__ import annotations

import torch
from torch import nn

from .lut import lut_table

OUTPUT_NAMES = ["probabilities", "cam", "features", "logits"]
NORM_MEAN = 0.5
NORM_STD = 0.25
# (out_channels, stride) per conv; the first is the stem. Output stride 16 -> an 8x8 CAM at 128 px.
DEFAULT_PLAN = [(24, 2), (32, 1), (48, 2), (48, 1), (96, 2), (96, 1), (160, 2), (160, 1)]
# Output stride 8 (the last downsampling dropped): a 16x16 CAM at 128 px, the finest-heatmap floor for CT.
STRIDE8_PLAN = DEFAULT_PLAN[:6] + [(160, 1), (160, 1)]


def conv_bn_relu(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class LungNet(nn.Module):
    def __init__(self, num_classes: int, lut: str = "jet", plan: list[tuple[int, int]] | None = None,
                 dropout: float = 0.2) -> None:
        super().__init__()
        self.lut_name = lut
        plan = plan or DEFAULT_PLAN
        table = torch.from_numpy(lut_table(lut)).float() / 255.0
        self.register_buffer("lut", table)  # [256, 3]
        self.register_buffer("temperature", torch.ones(()))
        layers, cin = [], 3
        for cout, stride in plan:
            layers.append(conv_bn_relu(cin, cout, stride))
            cin = cout
        self.body = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(cin, num_classes)
        self.num_features = cin

    def colorize(self, image: torch.Tensor) -> torch.Tensor:
        """uint8 [N,1,S,S] -> normalised float [N,3,S,S] via the LUT (a Gather in ONNX)."""
        idx = image[:, 0].long()
        rgb = self.lut[idx].permute(0, 3, 1, 2)
        return (rgb - NORM_MEAN) / NORM_STD

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        fmap = self.body(self.colorize(image))
        features = fmap.mean(dim=(2, 3))
        logits = self.head(self.dropout(features))
        cam = torch.einsum("kc,nchw->nkhw", self.head.weight, fmap)
        probabilities = torch.softmax(logits / self.temperature, dim=1)
        return probabilities, cam, features, logits


def count_flops(model: LungNet, size: int) -> int:
    """Multiply-accumulates x2 of the convolutions and the head for one image (LUT, BN, ReLU are negligible)."""
    total, h = 0, size
    cin = 3
    for block in model.body:
        conv = block[0]
        h = (h + 2 - 3) // conv.stride[0] + 1
        total += 2 * h * h * conv.out_channels * cin * 9
        cin = conv.out_channels
    total += 2 * h * h * cin * model.head.out_features  # CAM
    total += 2 * cin * model.head.out_features
    return total
