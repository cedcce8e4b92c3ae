"""PNG figures for the evaluation report (matplotlib, Agg backend: no display needed)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .metrics import roc_curve, roc_auc  # noqa: E402

DPI = 110


def _save(fig: "plt.Figure", path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path.name


def plot_roc(y_true: np.ndarray, probs: np.ndarray, classes: Sequence[str], path: Path,
             operating_point: Dict[str, float] | None = None) -> str:
    fig, ax = plt.subplots(figsize=(5, 5))
    for c, name in enumerate(classes):
        curve = roc_curve(y_true == c, probs[:, c])
        ax.plot(curve["fpr"], curve["tpr"], label=f"{name} (AUC {roc_auc(y_true == c, probs[:, c]):.3f})")
    if operating_point:
        ax.plot([1 - operating_point["specificity"]], [operating_point["sensitivity"]], "k*", markersize=12,
                label=f"operating point (t={operating_point['threshold']:.3f})")
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set(xlabel="1 - specificity", ylabel="sensitivity", title="ROC, test split (one vs rest)", xlim=(0, 1),
           ylim=(0, 1.01))
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def plot_confusion(cm: np.ndarray, classes: Sequence[str], path: Path, title: str = "Confusion matrix, test split",
                   xlabel: str = "predicted", ylabel: str = "true") -> str:
    cm = np.asarray(cm)
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=float), where=rows > 0)
    fig, ax = plt.subplots(figsize=(1.4 * len(classes) + 2, 1.2 * len(classes) + 1.5))
    ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, f"{cm[i, j]}\n{frac[i, j]:.0%}", ha="center", va="center",
                    color="white" if frac[i, j] > 0.6 else "black", fontsize=9)
    ax.set_xticks(range(len(classes)), classes, rotation=30, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return _save(fig, path)


def plot_reliability(calibration: Dict[str, object], path: Path) -> str:
    bins: List[Dict[str, float]] = calibration["bins"]  # type: ignore[assignment]
    fig, (ax, ax_n) = plt.subplots(2, 1, figsize=(5, 6), gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    centers = [(b["low"] + b["high"]) / 2 for b in bins]
    width = bins[0]["high"] - bins[0]["low"]
    acc = [b["accuracy"] if b["count"] else 0.0 for b in bins]
    ax.bar(centers, acc, width=width * 0.95, edgecolor="k", label="accuracy in bin")
    conf = [(b["confidence"], b["accuracy"]) for b in bins if b["count"]]
    if conf:
        ax.plot(*zip(*conf), "ro", label="mean confidence vs accuracy")
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set(ylabel="accuracy", title=f"Reliability (top label), ECE {calibration['ece']:.3f}", ylim=(0, 1))
    ax.legend(fontsize=8, loc="upper left")
    ax_n.bar(centers, [b["count"] for b in bins], width=width * 0.95, color="grey")
    ax_n.set(xlabel="confidence", ylabel="images", xlim=(0, 1))
    return _save(fig, path)


def plot_heatmaps(images: np.ndarray, cams: np.ndarray, titles: Sequence[str], path: Path, columns: int = 4) -> str:
    """Each CAM (the predicted class's map, at the last convolution's resolution) is clipped at 0, scaled to its
    own maximum and drawn bilinearly over the whole input, which is exactly the area the network saw."""
    n = len(images)
    rows = max(1, int(np.ceil(n / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 3.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, cam, title in zip(axes.ravel(), images, cams, titles):
        size = image.shape[0]
        cam = np.clip(cam, 0, None)
        cam = cam / cam.max() if cam.max() > 0 else cam
        ax.imshow(image, cmap="gray", vmin=0, vmax=255, extent=(0, size, size, 0))
        ax.imshow(cam, cmap="jet", alpha=0.35, extent=(0, size, size, 0), interpolation="bilinear", vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)
    return _save(fig, path)


def plot_bars(groups: Sequence[str], series: Dict[str, Sequence[float]], path: Path, title: str, ylabel: str,
              reference: float | None = None, reference_label: str = "chance") -> str:
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(groups) * max(1, len(series)) + 2), 4))
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        bars = ax.bar(x + k * width - 0.4 + width / 2, values, width=width, label=name)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    if reference is not None:
        ax.axhline(reference, color="k", linestyle=":", label=reference_label)
    ax.set_xticks(x, groups, rotation=20, ha="right", fontsize=8)
    ax.set(ylabel=ylabel, title=title, ylim=(0, 1.08))
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_masking_examples(originals: np.ndarray, removed: np.ndarray, kept: np.ndarray, path: Path) -> str:
    n = len(originals)
    fig, axes = plt.subplots(n, 3, figsize=(7.5, 2.5 * n), squeeze=False)
    for r in range(n):
        for c, (image, label) in enumerate(((originals[r], "original"), (removed[r], "region removed"),
                                            (kept[r], "region only"))):
            axes[r, c].imshow(image, cmap="gray", vmin=0, vmax=255)
            axes[r, c].axis("off")
            if r == 0:
                axes[r, c].set_title(label, fontsize=9)
    return _save(fig, path)
