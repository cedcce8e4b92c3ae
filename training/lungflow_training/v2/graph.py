"""The v2 CXR graph: segmentation, lung-masked equalisation, crop to the lungs and the classifier in ONE ONNX graph.

Why one graph: the crop box, the equalisation table and the warp of the heatmap back onto the image are all
computed from the segmentation. Doing them inside the graph means serving (TypeScript) only packs bytes, and Python
training, the golden vectors and the services cannot drift apart.

Input `image` uint8 [N,1,224,224]: the v1 contract at 224 px (one Pillow Lanczos resize of the whole image).
1. Lungs: UNet on the image average-pooled to 112 px, standardised per image -> `lungs` [N,1,112,112] (sigmoid).
2. Equalisation: a 64-bin histogram of the image, weighted by the lung probability (plus a floor, so an image with
   no lungs found falls back to plain equalisation), gives each image its own 256-entry table: every source's lungs
   reach the classifier with the same intensity distribution (Hannover ships CLAHE-equalised films, NIH 224 px ones
   are soft and dark; the raw grey levels were a source cue).
3. Crop: the bounding box of lungs > 0.5 with a margin, stretched to 128 x 128 (GridSample, bilinear); pixels outside
   the dilated lung mask are set to 0, so text, borders, devices outside the lungs and the patient's size never
   reach the classifier. No lungs found -> the whole image, fully masked (the classifier sees zeros; serving calls it
   indeterminate from the lung area).
4. Classifier: plain conv-BN-ReLU net (output stride 8 -> 16 x 16 CAM), LUT (pseudo-colour or grey) on the masked
   crop, GAP, linear head, temperature softmax.
5. `cam` [N,C,56,56]: the crop-frame CAM warped back into the image frame and multiplied by (lungs > 0.5): zero outside
   the lungs, and drawn where it was computed. (The v1 identity mean(cam) + b = logit holds for `crop_cam`, not for
   the warped map.)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..lut import lut_table

INPUT_SIZE = 224
SEG_SIZE = 112
CROP_SIZE = 128
CAM_SIZE = 56
BINS = 64
MARGIN = 0.06
OUTPUT_NAMES = ["probabilities", "cam", "features", "logits", "lungs"]
CLS_PLAN = [(16, 2), (24, 1), (32, 2), (32, 1), (64, 2), (64, 1), (96, 1), (96, 1)]
SEG_CHANNELS = (12, 24, 48, 64)


def conv_bn_relu(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Small U-Net: float [N,1,112,112] -> lung logits [N,1,112,112]."""

    def __init__(self, ch: tuple[int, ...] = SEG_CHANNELS) -> None:
        super().__init__()
        self.down = nn.ModuleList()
        cin = 1
        for i, c in enumerate(ch):
            self.down.append(nn.Sequential(conv_bn_relu(cin, c, 1 if i == 0 else 2), conv_bn_relu(c, c)))
            cin = c
        self.up = nn.ModuleList()
        for c_skip, c in zip(reversed(ch[:-1]), reversed(ch[1:])):
            self.up.append(nn.Sequential(conv_bn_relu(c + c_skip, c_skip), conv_bn_relu(c_skip, c_skip)))
        self.out = nn.Conv2d(ch[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            x = block(torch.cat([x, skip], 1))
        return self.out(x)


def seg_input(image: torch.Tensor) -> torch.Tensor:
    """uint8 [N,1,224,224] -> standardised float [N,1,112,112]."""
    x = F.avg_pool2d(image.float() / 255.0, 2)
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = ((x - mean) ** 2).mean(dim=(2, 3), keepdim=True).sqrt()
    return (x - mean) / (std + 1e-3)


def lung_equalise(image: torch.Tensor, lungs: torch.Tensor) -> torch.Tensor:
    """uint8 [N,1,224,224], lung probability [N,1,112,112] -> equalised float [N,1,224,224] in [0,1]."""
    n = image.shape[0]
    sub = image[:, :, ::2, ::2].float().reshape(n, -1, 1)  # 112x112 exact grey levels
    weights = (lungs.reshape(n, -1, 1) + 1e-3)
    levels = torch.arange(BINS, dtype=torch.float32).reshape(1, 1, BINS)
    onehot = (torch.floor(sub / (256 // BINS)) == levels).float()
    hist = (onehot * weights).sum(dim=1)  # [N,BINS]
    hist = hist / hist.sum(dim=1, keepdim=True)
    cdf = torch.cumsum(hist, dim=1)
    value = torch.arange(256)
    b = value // (256 // BINS)
    frac = ((value % (256 // BINS)).float() + 0.5) / (256 // BINS)
    table = (cdf - hist)[:, b] + hist[:, b] * frac  # [N,256]
    flat = image.reshape(n, -1).long()
    return torch.gather(table, 1, flat).reshape(image.shape)


def lung_box(lungs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Centre and half-size of the lung bounding box in grid coordinates [-1,1]: (cx, cy, hx, hy), each [N]."""
    size = lungs.shape[-1]
    inside = (lungs[:, 0] > 0.5).float()  # [N,S,S]
    idx = torch.arange(size, dtype=torch.float32)

    def span(profile: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        has = profile.amax(dim=1) > 0
        last = (profile * idx).amax(dim=1)
        first = (size - 1) - (profile * ((size - 1) - idx)).amax(dim=1)
        lo = torch.where(has, first / size, torch.zeros_like(first))
        hi = torch.where(has, (last + 1) / size, torch.ones_like(last))
        pad = (hi - lo) * MARGIN
        lo, hi = (lo - pad).clamp(0, 1), (hi + pad).clamp(0, 1)
        return (lo + hi) - 1.0, (hi - lo).clamp(min=4.0 / size)

    cy, hy = span(inside.amax(dim=2))
    cx, hx = span(inside.amax(dim=1))
    return cx, cy, hx, hy


def _grid(size: int, cx, cy, hx, hy, inverse: bool) -> torch.Tensor:
    base = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 - 1  # pixel centres, align_corners=False
    gx, gy = base.reshape(1, 1, size), base.reshape(1, size, 1)
    cx, cy, hx, hy = (t.reshape(-1, 1, 1) for t in (cx, cy, hx, hy))
    if inverse:  # image frame -> crop frame
        x, y = (gx - cx) / hx, (gy - cy) / hy
    else:  # crop frame -> image frame
        x, y = cx + hx * gx, cy + hy * gy
    x, y = x.expand(-1, size, size), y.expand(-1, size, size)
    return torch.stack([x, y], dim=3)


class Preprocess(nn.Module):
    """Segmentation + equalisation + crop: what the classifier sees. Frozen while the classifier trains."""

    def __init__(self) -> None:
        super().__init__()
        self.seg = UNet()

    def forward(self, image: torch.Tensor):
        lungs = torch.sigmoid(self.seg(seg_input(image)))
        eq = lung_equalise(image, lungs)
        cx, cy, hx, hy = lung_box(lungs)
        grid = _grid(CROP_SIZE, cx, cy, hx, hy, inverse=False)
        crop = F.grid_sample(eq, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        dilated = F.max_pool2d(lungs, 9, stride=1, padding=4)
        keep = F.grid_sample(dilated, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        return crop * keep, lungs, (cx, cy, hx, hy)


class Classifier(nn.Module):
    def __init__(self, num_classes: int, lut: str = "jet", dropout: float = 0.2, lowpass: float = 0.0) -> None:
        super().__init__()
        self.lut_name = lut
        # A fixed Gaussian low-pass on the crop (sigma in crop pixels; 0: none). Why: what tells the sources apart is
        # mostly fine texture (JPEG blocks, noise, sharpness, CLAHE's local contrast), while an opacity is broad.
        self.lowpass = float(lowpass)
        if self.lowpass > 0:
            t = torch.arange(-4, 5, dtype=torch.float32)
            k = torch.exp(-(t ** 2) / (2 * self.lowpass ** 2))
            self.register_buffer("lowpass_kernel", (k / k.sum()).view(1, 1, 1, -1))
        self.register_buffer("lut", torch.from_numpy(lut_table(lut)).float() / 255.0)
        layers, cin = [], 3
        for cout, stride in CLS_PLAN:
            layers.append(conv_bn_relu(cin, cout, stride))
            cin = cout
        self.body = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(cin, num_classes)

    def forward(self, crop: torch.Tensor):
        """crop float [N,1,128,128] in [0,1] -> logits, crop-frame CAM, features."""
        if self.lowpass > 0:
            k = self.lowpass_kernel
            crop = F.conv2d(F.pad(crop, (4, 4, 0, 0), mode="replicate"), k)
            crop = F.conv2d(F.pad(crop, (0, 0, 4, 4), mode="replicate"), k.transpose(2, 3))
        idx = torch.round(crop[:, 0] * 255.0).clamp(0, 255).long()
        x = (self.lut[idx].permute(0, 3, 1, 2) - 0.5) / 0.25
        fmap = self.body(x)
        features = fmap.mean(dim=(2, 3))
        logits = self.head(self.dropout(features))
        cam = torch.einsum("kc,nchw->nkhw", self.head.weight, fmap)
        return logits, cam, features


class CxrV2(nn.Module):
    def __init__(self, num_classes: int, lut: str = "jet", lowpass: float = 0.0) -> None:
        super().__init__()
        self.pre = Preprocess()
        self.cls = Classifier(num_classes, lut, lowpass=lowpass)
        self.register_buffer("temperature", torch.ones(()))

    def forward(self, image: torch.Tensor):
        crop, lungs, (cx, cy, hx, hy) = self.pre(image)
        logits, crop_cam, features = self.cls(crop)
        back = _grid(CAM_SIZE, cx, cy, hx, hy, inverse=True)
        cam = F.grid_sample(crop_cam, back, mode="bilinear", padding_mode="zeros", align_corners=False)
        inside = (F.avg_pool2d(lungs, SEG_SIZE // CAM_SIZE) > 0.5).float()
        cam = cam * inside
        probabilities = torch.softmax(logits / self.temperature, dim=1)
        return probabilities, cam, features, logits, lungs


def count_flops(model: CxrV2) -> dict[str, int]:
    """Multiply-adds x2 of the convolutions (segmentation and classifier) for one image, by hooks on a dry run."""
    total = {"segmentation": 0, "classifier": 0}
    hooks = []
    for part, module in (("segmentation", model.pre.seg), ("classifier", model.cls)):
        for m in module.modules():
            if isinstance(m, nn.Conv2d):
                def hook(mod, _inp, out, part=part):
                    total[part] += 2 * out.numel() * mod.in_channels * mod.kernel_size[0] * mod.kernel_size[1] // mod.groups
                hooks.append(m.register_forward_hook(hook))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, INPUT_SIZE, INPUT_SIZE, dtype=torch.uint8))
    for h in hooks:
        h.remove()
    return total
