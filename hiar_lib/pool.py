"""The action pooler: action region tubes per tracked person (paper section 3.2).

For every track of a clip, RoIAlign cuts an ``S x S`` region out of the chosen FPN
levels in every frame and stacks the frames into a ``C x T x S x S`` tube:

- ``basic`` boxes (eq. 5, 8): each frame's own box of the person;
- ``outermost`` boxes (eq. 6, 7, 9): one box per track, the union of its boxes over the
  clip window (min of the top-left corners, max of the bottom-right corners), used in
  every frame, so the person moves inside a fixed region.

Eq. 7 pools the outermost box in *every* frame of the clip, so a frame where the tracked
person was not detected (a gap in the track, or before it starts or after it ends) still
gets the region's features (``PoolerConfig.absent="pool"``, the default;
``absent="zero"`` gives zeros there instead). A ``basic`` region has no box in such a
frame and gives zeros. Padded frames past the end of the video always give zeros, as the
paper pads short videos with zeros.

**Combining FPN levels.** The paper "aligns the FPN features of all scales" yet feeds
the head ``256`` channels whatever the levels (Table 1: 256 x 8 x 14 x 14, Table 6), so
the levels are not concatenated. It does not say more; ``combine`` selects:

- ``"mean"`` (default): RoIAlign the box on every chosen level at ``S x S`` and average
  the levels element-wise (each level's ``spatial_scale`` is ``1 / stride``);
- ``"sum"``: the same, summed;
- ``"max"``: the same, element-wise maximum;
- ``"assign"``: Mask R-CNN's rule (:class:`torchvision.ops.MultiScaleRoIAlign`): each box
  is pooled from one level picked by its size, ``k = floor(4 + log2(sqrt(area) / 224))``,
  clamped to the chosen levels.

Why ``mean`` is the default: the paper "aligns the FPN features of all scales", which
reads as every chosen level contributing to every region; and under ``assign`` a typical
NTU RGB+D person (about 250 x 450 pixels at 1280 x 720, ``k = 4``) is pooled from P4
alone with Table 6's level sets P2-P5 and P2-P4 alike, so those two rows would feed the
head the same features, while the paper reports them apart. Table 6 can be run both ways
on one cache of track crops (``hiar train --combine assign``).

Coordinates: boxes are in original frame pixels;
:class:`~hiar_lib.detection.outputs.FeaturePyramid` gives the resize scale and each
level's stride, and RoIAlign runs with ``aligned=True`` (a pixel ``i`` covers
``[i, i + 1)``, its centre at ``i + 0.5``). Level names and strides:
:mod:`hiar_lib.vocabulary`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import Tensor
from torchvision.ops import roi_align

from hiar_lib.pool_config import PoolerConfig
from hiar_lib.vocabulary import FPN_LEVEL_KEYS

__all__ = [
    "ActionTubes",
    "action_tubes",
    "outermost_boxes",
    "pool_action_regions",
    "pooled_regions",
    "roi_align_levels",
    "select_test_instance",
    "track_boxes",
]


@dataclass
class ActionTubes:
    """Action region features of every track of one clip.

    Attributes:
        tubes: ``(K, C, T, S, S)`` float: RoIAligned features per track, zeros in the
            frames where nothing was pooled (see ``pooled_boxes``).
        track_ids: ``(K,)`` int64.
        present: ``(K, T)`` bool, the track has an instance in the frame.
        boxes: ``(K, T, 4)`` float32 the per-frame boxes (original pixels), NaN in gaps.
        pooled_boxes: ``(K, T, 4)`` float32 the boxes actually pooled (the outermost box
            repeated, or the per-frame boxes), NaN where nothing was pooled (a basic
            region's gaps, every gap with ``absent="zero"``, padded frames).
        scores: ``(K,)`` float32 mean detection score over the present frames.
        areas: ``(K,)`` float32 mean box area over the present frames, pixels squared.
    """

    tubes: Tensor
    track_ids: Tensor
    present: Tensor
    boxes: Tensor
    pooled_boxes: Tensor
    scores: Tensor
    areas: Tensor

    def __len__(self) -> int:
        return int(self.tubes.shape[0])


def track_boxes(
    assignment: np.ndarray, boxes: Sequence[Tensor | np.ndarray], scores: Sequence[Tensor | np.ndarray] | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Per-track, per-frame boxes from a tracker's assignment.

    Args:
        assignment: ``(T, K)`` instance index per frame and track, ``-1`` for a gap
            (:attr:`hiar_lib.track.Tracks.assignment`).
        boxes: ``T`` arrays ``(N_t, 4)`` xyxy pixels.
        scores: ``T`` arrays ``(N_t,)`` detection scores (``None``: all 1).

    Returns:
        ``boxes`` ``(K, T, 4)`` float32 (NaN in gaps), ``present`` ``(K, T)`` bool,
        ``scores`` ``(K, T)`` float32 (NaN in gaps).
    """
    a = np.asarray(assignment)
    if a.ndim != 2 or a.shape[0] != len(boxes):
        raise ValueError(f"assignment must be (T={len(boxes)}, K), got shape {a.shape}")
    t, k = a.shape
    out = torch.full((k, t, 4), float("nan"))
    sc = torch.full((k, t), float("nan"))
    for f in range(t):
        cols = np.flatnonzero(a[f] >= 0)
        if cols.size == 0:
            continue
        b = torch.as_tensor(np.asarray(boxes[f], dtype=np.float32))
        out[cols, f] = b[a[f, cols]]
        sc[cols, f] = 1.0 if scores is None else torch.as_tensor(np.asarray(scores[f], dtype=np.float32))[a[f, cols]]
    return out, torch.from_numpy(a.T >= 0), sc


def outermost_boxes(boxes: Tensor, present: Tensor) -> Tensor:
    """Eq. 6: per track, the union of its boxes over the frames where it is present.

    Args:
        boxes: ``(K, T, 4)`` xyxy (values in gaps are ignored).
        present: ``(K, T)`` bool.

    Returns:
        ``(K, 4)``: ``(min x1, min y1, max x2, max y2)``; NaN for a track never present
        (every track when ``T`` is 0: a phase of a video shorter than its stride).
    """
    if boxes.shape[1] == 0:
        return torch.full((boxes.shape[0], 4), float("nan"), dtype=boxes.dtype)
    inf = torch.tensor(float("inf"))
    m = present[..., None]
    lo = torch.where(m, boxes, inf).amin(dim=1)[:, :2]
    hi = torch.where(m, boxes, -inf).amax(dim=1)[:, 2:]
    out = torch.cat([lo, hi], dim=1)
    out[~present.any(dim=1)] = float("nan")
    return out


def pooled_regions(
    boxes: Tensor, present: Tensor, config: PoolerConfig = PoolerConfig(), frame_valid: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """The box each track's tube pools in each frame, and where it pools one.

    ``basic``: each frame's own box where the track is present (eq. 5). ``outermost``:
    the union of the track's boxes over the clip's valid frames (eq. 6), in every valid
    frame of the clip with ``absent="pool"`` (eq. 7), or only where the track is
    present with ``absent="zero"``.

    Args:
        boxes: ``(K, T, 4)`` per-frame boxes, xyxy pixels (NaN in gaps).
        present: ``(K, T)`` bool, the track has an instance in the frame.
        frame_valid: ``(T,)`` bool, False for padded frames past the end of the video.

    Returns:
        ``pooled`` ``(K, T, 4)`` float32 (NaN where nothing is pooled) and ``mask``
        ``(K, T)`` bool (a box is pooled).
    """
    k, t = present.shape
    valid = torch.ones(t, dtype=torch.bool) if frame_valid is None else frame_valid.to(torch.bool)
    present = present & valid[None, :]
    if config.box == "outermost":
        pooled = outermost_boxes(boxes, present)[:, None, :].expand(k, t, 4).clone().float()
        mask = present.any(dim=1, keepdim=True) & valid[None, :] if config.absent == "pool" else present
    else:
        pooled, mask = boxes.clone().float(), present
    pooled[~mask] = float("nan")
    return pooled, mask


def _combine_levels(per_level: Iterator[Tensor], combine: str) -> Tensor:
    """The levels' RoIAlign maps, each ``(R, C, S, S)``, as one: their mean, sum or
    element-wise max, folded one level at a time into the first (no ``(L, R, C, S, S)``
    stack). The same values, to the bit, as ``torch.stack(...).mean(0)`` (``sum(0)``,
    ``amax(0)``): the stack's reduction adds its rows in order too, and the mean divides
    the sum by the level count."""
    acc = next(per_level)
    n = 1
    for m in per_level:
        if combine == "max":
            torch.maximum(acc, m, out=acc)
        else:
            acc += m
        n += 1
    if combine == "mean":
        acc /= n
    return acc


def _assign_levels(boxes_img: Tensor, levels: Sequence[int]) -> Tensor:
    """Mask R-CNN's level of each box (``(N, 4)`` resized-image pixels), clamped to ``levels``."""
    area = (boxes_img[:, 2] - boxes_img[:, 0]).clamp(min=0) * (boxes_img[:, 3] - boxes_img[:, 1]).clamp(min=0)
    k = torch.floor(4 + torch.log2(torch.sqrt(area.clamp(min=1e-6)) / 224 + 1e-6))
    return k.clamp(min(levels), max(levels)).long()


def pool_action_regions(
    features,
    boxes: Tensor,
    present: Tensor,
    config: PoolerConfig = PoolerConfig(),
    frame_valid: Tensor | None = None,
) -> Tensor:
    """RoIAlign every track's box in every frame and stack them into tubes.

    Args:
        features: a :class:`hiar_lib.detection.outputs.FeaturePyramid` over the clip's
            ``T`` frames (``maps`` ``{"0": P2, ..}`` each ``(T, C, h, w)``, ``scale``,
            ``strides``).
        boxes: ``(K, T, 4)`` per-frame boxes in original pixels (NaN in gaps).
        present: ``(K, T)`` bool.
        config: box mode, levels, output size, level combination.
        frame_valid: ``(T,)`` bool, False for padded frames past the end of the video
            (they give zeros whatever the track says).

    Returns:
        ``(K, C, T, S, S)`` float32.
    """
    k, t = present.shape
    if boxes.shape != (k, t, 4):
        raise ValueError(f"boxes must be (K={k}, T={t}, 4), got {tuple(boxes.shape)}")
    if features.num_frames != t:
        raise ValueError(f"features have {features.num_frames} frames, tracks have {t}")
    s = config.output_size
    c = features.channels
    pooled, mask = pooled_regions(boxes, present, config, frame_valid)
    kk, tt = torch.nonzero(mask, as_tuple=True)  # one RoI per (track, frame) pooled
    out = torch.zeros(k, c, t, s, s)
    if kk.numel() == 0:
        return out
    sx, sy = features.scale
    img_boxes = pooled[kk, tt].float() * torch.tensor([sx, sy, sx, sy], dtype=torch.float32)
    feats = roi_align_levels(features.maps, features.strides, tt, img_boxes, config)
    out[kk, :, tt] = feats.to(out.dtype)
    return out


def roi_align_levels(
    maps: dict[str, Tensor],
    strides: dict[str, int],
    frames: Tensor,
    img_boxes: Tensor,
    config: PoolerConfig,
    origins: dict[str, tuple[int, int]] | None = None,
) -> Tensor:
    """RoIAlign ``R`` boxes on the levels ``config`` chooses and combine the levels.

    Args:
        maps: ``{"0": P2, ...}`` each ``(F, C, h, w)``: whole levels, or crops of them.
        strides: detector-input pixels per cell of each level.
        frames: ``(R,)`` int64, the row of ``maps`` each box is pooled from.
        img_boxes: ``(R, 4)`` xyxy in detector-input pixels.
        config: levels, ``S``, sampling ratio, combination.
        origins: where each map lies in its whole level, ``(x0, y0)`` cells from the
            top-left (a crop), or ``None`` for whole maps. A crop gives the same values as
            its whole level for every box whose sampling points and their bilinear
            neighbours lie inside it.

    Returns:
        ``(R, C, S, S)`` float32.
    """
    s = config.output_size
    keys = [FPN_LEVEL_KEYS[lv] for lv in config.levels]
    # Maps stored in another precision (a crop cache's float16) are converted for the rows
    # the boxes use only: a track's crop holds every frame of it, a clip a few of them.
    # Float32 maps (whole levels) are read as they are, with no row lookup.
    if all(maps[key].dtype == torch.float32 for key in keys):
        rows, row_of = None, frames
    else:
        rows, row_of = torch.unique(frames, return_inverse=True)

    def align(key: str, sel: Tensor | slice) -> Tensor:
        b = img_boxes[sel]
        if origins is not None:
            x0, y0 = origins[key]
            st = strides[key]
            b = b - torch.tensor([x0 * st, y0 * st, x0 * st, y0 * st], dtype=b.dtype)
        m, idx = maps[key], frames
        if m.dtype != torch.float32:
            m, idx = m[rows].float(), row_of
        rois = torch.cat([idx[sel][:, None].to(b.dtype), b], dim=1)  # (R, 5): map row, box
        return roi_align(m, rois, s, 1.0 / strides[key], config.sampling_ratio, aligned=True)

    if config.combine == "assign":
        target = _assign_levels(img_boxes, [int(lv[1]) for lv in config.levels])
        feats = torch.zeros(img_boxes.shape[0], int(maps[keys[0]].shape[1]), s, s)
        for lv, key in zip(config.levels, keys):
            sel = target == int(lv[1])
            if sel.any():
                feats[sel] = align(key, sel)
        return feats
    return _combine_levels((align(key, slice(None)) for key in keys), config.combine)


def action_tubes(
    features,
    assignment: np.ndarray,
    boxes: Sequence[Tensor | np.ndarray],
    scores: Sequence[Tensor | np.ndarray] | None = None,
    track_ids: Sequence[int] | None = None,
    config: PoolerConfig = PoolerConfig(),
    frame_valid: Tensor | None = None,
) -> ActionTubes:
    """Tracks plus the detector's features to :class:`ActionTubes` (eq. 8 or 9).

    Args:
        features: the clip's :class:`hiar_lib.detection.outputs.FeaturePyramid`.
        assignment: ``(T, K)`` from :class:`hiar_lib.track.Tracks`.
        boxes, scores: the detections, ``T`` arrays ``(N_t, 4)`` and ``(N_t,)``.
        track_ids: ``(K,)`` (default ``0..K-1``).
    """
    per_frame, present, sc = track_boxes(assignment, boxes, scores)
    if frame_valid is not None:
        present &= frame_valid.to(torch.bool)[None, :]
    tubes = pool_action_regions(features, per_frame, present, config, frame_valid)
    pooled, _ = pooled_regions(per_frame, present, config, frame_valid)
    area = (per_frame[..., 2] - per_frame[..., 0]) * (per_frame[..., 3] - per_frame[..., 1])
    k = present.shape[0]
    ids = torch.arange(k) if track_ids is None else torch.as_tensor(list(track_ids), dtype=torch.int64)
    return ActionTubes(
        tubes=tubes,
        track_ids=ids,
        present=present,
        boxes=per_frame,
        pooled_boxes=pooled,
        scores=torch.nanmean(torch.where(present, sc, float("nan")), dim=1),
        areas=torch.nanmean(torch.where(present, area, float("nan")), dim=1),
    )


def select_test_instance(scores: Tensor, areas: Tensor, present: Tensor, rule: Literal["score", "area"] = "score") -> int:
    """Section 4.2: the one instance of a video evaluated at test time.

    ``"score"``: the most confident track (NTU RGB+D); ``"area"``: the largest box
    (N-UCLA). The paper does not say how a track's confidence or size over a clip is
    measured; here it is the track's mean over the frames it is present in times the
    fraction of the clip's frames it is present in (the sum over the clip's frames, an
    absent frame counting 0, over ``T``), so that a fragment present in one frame of a
    clip cannot win on a high score or a large box there against a person seen
    throughout.

    Args:
        scores, areas: ``(K,)`` each track's mean score / box area over its present frames.
        present: ``(K, T)`` bool, where each track is present in the clip.

    Returns:
        The chosen track's row, or ``-1`` when there is no track.
    """
    if scores.numel() == 0:
        return -1
    if present.shape[0] != scores.shape[0]:
        raise ValueError(f"present must be (K, T) with K = {scores.shape[0]} tracks, got {tuple(present.shape)}")
    seen = present.float().mean(dim=1)
    if rule == "score":
        return int((torch.nan_to_num(scores, nan=0.0) * seen).masked_fill(seen == 0, -math.inf).argmax())
    if rule == "area":
        return int((torch.nan_to_num(areas, nan=0.0) * seen).masked_fill(seen == 0, -math.inf).argmax())
    raise ValueError(f"rule must be 'score' or 'area', got {rule!r}")
