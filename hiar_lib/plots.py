"""Charts of results: matplotlib figures (seaborn for heatmaps) that notebooks show and
commands save. Drawing over video frames is :mod:`hiar_lib.viz`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["claim_intervals", "confusion_heatmap", "image_rows", "loss_against_top1", "save_figure", "trade_off_curve"]


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


def claim_intervals(claims: Any, title: str | None = None) -> Any:
    """Each claim's paired difference (claimed minus baseline, points) with its 95 %
    interval, the zero line, each claim's margin (dotted, where not zero) and the
    paper's printed difference (a cross), coloured by verdict.

    Args:
        claims: a table with ``claim``, ``difference_mean``, ``ci_low``, ``ci_high``,
            ``margin``, ``verdict``, ``n_seeds`` and ``paper_difference`` per claim
            (:func:`hiar_lib.experiments.claims.run_claims`).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    import matplotlib.pyplot as plt

    colours = {"holds": "tab:green", "reversed": "tab:red", "inconclusive": "tab:gray"}
    rows = list(claims.to_dict("records")) if hasattr(claims, "to_dict") else list(claims)
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(rows) + 1.5))
    for y, r in enumerate(reversed(rows)):
        mean, lo, hi = (float(r[k]) for k in ("difference_mean", "ci_low", "ci_high"))
        lo, hi = (mean if not np.isfinite(lo) else lo), (mean if not np.isfinite(hi) else hi)
        colour = colours.get(r["verdict"], "black")
        ax.plot([lo, hi], [y, y], color=colour, lw=2)
        ax.plot(mean, y, "o", color=colour)
        if r.get("margin"):
            ax.plot([-float(r["margin"])] * 2, [y - 0.35, y + 0.35], ":", color="black")
        paper = r.get("paper_difference")
        if paper is not None and np.isfinite(float(paper)):
            ax.plot(float(paper), y, "x", color="tab:blue")
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r['claim']} (n={r['n_seeds']}, {r['verdict']})" for r in reversed(rows)], fontsize=8)
    ax.set_xlabel("claimed minus baseline, top-1 points (95 % interval); x: the paper's")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def trade_off_curve(curve: Any, title: str | None = None) -> Any:
    """Top-1 against GMACs per clip (log scale) of each head, with its standard deviation
    over seeds, at the widths trained (filled) and the paper's (hollow, its number where
    it printed one).

    Args:
        curve: a table with ``head``, ``gmacs_trained``, ``gmacs_paper_widths``,
            ``top1``, ``top1_std`` and ``paper`` per head
            (:func:`hiar_lib.experiments.claims.trade_off`).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    import matplotlib.pyplot as plt

    rows = list(curve.to_dict("records")) if hasattr(curve, "to_dict") else list(curve)
    rows.sort(key=lambda r: float(r["gmacs_trained"]))  # each line joins its points left to right
    fig, ax = plt.subplots(figsize=(7, 4.5))
    x = [float(r["gmacs_trained"]) for r in rows]
    y = [float(r["top1"]) for r in rows]
    err = [float(r["top1_std"]) if r.get("top1_std") is not None and np.isfinite(float(r["top1_std"])) else 0.0 for r in rows]
    ax.errorbar(x, y, yerr=err, fmt="o-", capsize=3, label="ours, at the widths trained")
    paper = sorted((float(r["gmacs_paper_widths"]), float(r["paper"])) for r in rows if r.get("paper") is not None)
    if paper:
        ax.plot(*zip(*paper), "o--", mfc="none", label="the paper's, at its widths")
    for r, xi, yi in zip(rows, x, y):
        ax.annotate(str(r["head"]), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xscale("log")
    return _top1_axes(fig, ax, "GMACs per clip", title)


def loss_against_top1(points: Any, pearson_r: float | None = None, title: str | None = None) -> Any:
    """Each trained head and seed as a point: the training loss it ended at (x) against
    its top-1 (y), the correlation in the legend.

    Args:
        points: dicts with ``final_loss`` and ``top1`` (points)
            (:func:`hiar_lib.experiments.claims.seed_spread`).
        pearson_r: their correlation, or ``None`` (not shown).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    import matplotlib.pyplot as plt

    pts = list(points)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    label = f"{len(pts)} (head, seed) pairs" + (f", Pearson r = {pearson_r:.2f}" if pearson_r is not None else "")
    ax.plot([float(p["final_loss"]) for p in pts], [float(p["top1"]) for p in pts], "o", alpha=0.7, label=label)
    return _top1_axes(fig, ax, "training loss at the end (mean over the last fifth of the iterations)", title)


def _top1_axes(fig: Any, ax: Any, xlabel: str, title: str | None) -> Any:
    """A top-1 (%) plot's labels, legend and title; the figure, laid out."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel("top-1 (%)")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def save_figure(fig: Any, path: str | os.PathLike) -> Path:
    """Save ``fig`` as a PNG with no time stamp in it (the same inputs give the same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    return path
