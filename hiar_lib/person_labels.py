"""Which ground-truth person a track follows, for benchmarks with per-person truth.

The synthetic benchmark knows every person's box and label; these functions label a
track with the person it follows, so that training can keep only actor tracks and
evaluation can score recognition per person. A track follows the person whose box it
overlaps most, IoU averaged over the frames where the track is present (a frame where
the person is absent counts 0), when that mean is at least 0.5.

:func:`ground_truth_iou` gives the per-frame IoUs (a crop cache stores them, in half
precision, so that any clip's labels follow without the annotation);
:func:`person_labels_from_iou` applies the rule to them; :func:`track_person_labels`
does both.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = ["FOLLOW_IOU", "ground_truth_iou", "person_labels_from_iou", "track_person_labels"]

FOLLOW_IOU = 0.5
"""The mean IoU from which a track follows a person."""


def ground_truth_iou(boxes: Tensor, present: Tensor, frames: Tensor, gt) -> Tensor:
    """``(K, F, P)`` float32: each track's IoU with each ground-truth person per frame
    (``0`` where the track or the person is absent, or the frame is padding).

    Args:
        boxes: ``(K, F, 4)`` xyxy source pixels (NaN in gaps); ``present`` ``(K, F)`` bool;
            ``frames`` ``(F,)`` the source frame of each column (``-1``: padding).
        gt: a :class:`hiar_lib.data.synthetic_annotation.ClipAnnotation`.
    """
    from torchvision.ops import box_iou

    k, f = present.shape
    out = torch.zeros(k, f, len(gt.track_ids))
    for t, fr in enumerate(frames.tolist()):
        rows = torch.nonzero(present[:, t]).flatten()
        cols = np.flatnonzero(gt.present[fr]) if 0 <= fr < gt.num_frames else np.zeros(0, dtype=np.int64)
        if rows.numel() and cols.size:
            iou = box_iou(boxes[rows, t].float(), torch.from_numpy(gt.boxes[fr, cols]).float())
            out[rows[:, None], t, torch.from_numpy(cols)[None, :]] = iou
    return out


def person_labels_from_iou(gt_iou: Tensor, present: Tensor, person_labels: Tensor) -> Tensor:
    """The label of the person each track follows, from :func:`ground_truth_iou`'s IoUs.

    Args:
        gt_iou: ``(K, T, P)`` (any float dtype); ``present`` ``(K, T)`` bool;
            ``person_labels`` ``(P,)`` each person's action label (``-1``: a distractor).

    Returns:
        ``(K,)`` int64: the followed person's label, ``-2`` for a track following nobody.
    """
    k = present.shape[0]
    labels = torch.full((k,), -2, dtype=torch.int64)
    if k == 0 or gt_iou.shape[-1] == 0:
        return labels
    count = present.sum(dim=1).clamp(min=1).float()
    mean = (gt_iou.float() * present[..., None]).sum(dim=1) / count[:, None]
    best, who = mean.max(dim=1)
    ok = best >= FOLLOW_IOU
    labels[ok] = torch.as_tensor(person_labels, dtype=torch.int64)[who[ok]]
    return labels


def track_person_labels(track_boxes: Tensor, present: Tensor, frame_indices: Tensor, gt) -> Tensor:
    """The ground-truth label of the person each track follows (the module's rule).

    Args:
        track_boxes: ``(K, T, 4)`` per-frame boxes in source pixels (NaN in gaps).
        present: ``(K, T)`` bool.
        frame_indices: ``(T,)`` source frame of each clip frame (``-1``: padding).
        gt: the clip's :class:`hiar_lib.data.synthetic_annotation.ClipAnnotation`.

    Returns:
        ``(K,)`` int64: the person's label (``-1`` for a distractor), ``-2`` for a track
        that follows nobody.
    """
    iou = ground_truth_iou(track_boxes, present, frame_indices, gt)
    return person_labels_from_iou(iou, present, torch.from_numpy(np.asarray(gt.person_labels)))
