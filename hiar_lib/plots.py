"""Charts of results: matplotlib figures (seaborn for heatmaps) that notebooks show and
commands save. Drawing over video frames is :mod:`hiar_lib.viz`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["confusion_heatmap", "image_rows", "save_figure"]


def confusion_heatmap(matrix: Sequence[Sequence[float]], classes: Sequence[str], title: str | None = None) -> Any:
    """A confusion matrix as a heatmap, each row normalised to the share of its true class.

    Args:
        matrix: ``(K, K)`` counts, rows the true class, columns the predicted one.
        classes: the ``K`` class names.
        title: the figure's title.

    Returns:
        The ``matplotlib.figure.Figure`` (cells annotated with percentages; rows without
        test videos left blank).
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    counts = np.asarray(matrix, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] != len(classes):
        raise ValueError(f"matrix must be ({len(classes)}, {len(classes)}) for {len(classes)} classes, got {counts.shape}")
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(100 * counts, totals, out=np.full_like(counts, np.nan), where=totals > 0)
    size = 2.5 + 0.55 * len(classes)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    sns.heatmap(share, annot=True, fmt=".0f", cmap="Blues", vmin=0, vmax=100, square=True, ax=ax,
                xticklabels=list(classes), yticklabels=list(classes), cbar_kws={"label": "% of the true class"})  # fmt: skip
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def image_rows(rows: Sequence[tuple[Any, str]], width: float = 12.0) -> Any:
    """Images one above the other, each with its caption (e.g. Figure 6's drawn clips).

    Args:
        rows: ``(image, caption)`` pairs; images ``uint8 (3, H, W)`` tensors or arrays.
        width: the figure's width in inches.

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    import matplotlib.pyplot as plt

    images = [np.asarray(img.permute(1, 2, 0) if hasattr(img, "permute") else img) for img, _ in rows]
    heights = [width * im.shape[0] / im.shape[1] + 0.4 for im in images]
    fig, axes = plt.subplots(len(images), 1, figsize=(width, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})  # fmt: skip
    for ax, im, (_, caption) in zip(axes[:, 0], images, rows):
        ax.imshow(im)
        ax.set_title(caption, fontsize=9, loc="left")
        ax.axis("off")
    fig.tight_layout()
    return fig


def save_figure(fig: Any, path: str | os.PathLike) -> Path:
    """Save ``fig`` as a PNG with no time stamp in it (the same inputs give the same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    return path
