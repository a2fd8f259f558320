"""Augmentations of the synthetic detector's training frames.

Each takes a float image ``(3, H, W)`` in ``[0, 1]`` and its torchvision detection
target (``boxes``, ``labels``, ``keypoints``, ``masks``, optionally ``area`` and
``track_ids``) and returns both transformed together.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from hiar_lib.vocabulary import KEYPOINT_FLIP_INDEX

__all__ = ["color_jitter", "hflip", "zoom_stretch"]


def hflip(image: Tensor, target: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
    """Mirror a float image ``(3, H, W)`` and its target; left and right joints swap."""
    w = image.shape[-1]
    out = dict(target)
    b = target["boxes"]
    out["boxes"] = torch.stack([w - b[:, 2], b[:, 1], w - b[:, 0], b[:, 3]], 1)
    kp = target["keypoints"][:, list(KEYPOINT_FLIP_INDEX)].clone()
    kp[..., 0] = w - kp[..., 0]
    out["keypoints"] = kp
    out["masks"] = target["masks"].flip(-1)
    return image.flip(-1), out


def _boxes_from_masks(masks: Tensor) -> Tensor:
    """``(N, H, W)`` masks to their extents ``(N, 4)`` xyxy, x2/y2 exclusive (the benchmark's rule)."""
    rows, cols = masks.any(2), masks.any(1)
    h, w = masks.shape[-2:]
    ar_h = torch.arange(h, dtype=torch.float32)
    ar_w = torch.arange(w, dtype=torch.float32)
    big = float(max(h, w) + 1)
    y1 = torch.where(rows, ar_h, big).amin(1)
    y2 = torch.where(rows, ar_h, -1.0).amax(1) + 1
    x1 = torch.where(cols, ar_w, big).amin(1)
    x2 = torch.where(cols, ar_w, -1.0).amax(1) + 1
    return torch.stack([x1, y1, x2, y2], 1)


def zoom_stretch(
    image: Tensor,
    target: dict[str, Tensor],
    gen: torch.Generator,
    scale: tuple[float, float],
    aspect: tuple[float, float],
) -> tuple[Tensor, dict[str, Tensor]]:
    """Random zoom and anisotropic stretch, then a random crop or (edge-replicating) pad
    back to the frame size. Stands in for other body proportions and camera distances.

    ``image`` float ``(3, H, W)``; boxes are recomputed as the extents of the resized
    masks, joints leaving the frame get visibility 0, people leaving it are dropped. A
    draw that leaves nobody in the frame returns the inputs unchanged.
    """
    _, h, w = image.shape
    u = torch.rand(2, generator=gen)
    s = scale[0] + (scale[1] - scale[0]) * float(u[0])
    a = aspect[0] + (aspect[1] - aspect[0]) * float(u[1])
    nh, nw = max(8, round(h * s / math.sqrt(a))), max(8, round(w * s * math.sqrt(a)))
    img = torch.nn.functional.interpolate(image[None], size=(nh, nw), mode="bilinear", align_corners=False)[0]
    masks = torch.nn.functional.interpolate(target["masks"][None].float(), size=(nh, nw), mode="nearest")[0]
    kp = target["keypoints"].clone()
    kp[..., 0] *= nw / w
    kp[..., 1] *= nh / h
    # offsets: crop start (>= 0) when larger than the frame, paste start (<= 0) when smaller
    o = torch.rand(2, generator=gen)
    oy = round(float(o[0]) * (nh - h))
    ox = round(float(o[1]) * (nw - w))
    pad = (max(-ox, 0), max(w - nw + ox, 0), max(-oy, 0), max(h - nh + oy, 0))  # left, right, top, bottom
    if any(pad):
        img = torch.nn.functional.pad(img[None], pad, mode="replicate")[0]
        masks = torch.nn.functional.pad(masks, pad)
    y0, x0 = max(oy, 0), max(ox, 0)
    img = img[:, y0 : y0 + h, x0 : x0 + w]
    masks = masks[:, y0 : y0 + h, x0 : x0 + w] > 0.5
    kp[..., 0] -= ox
    kp[..., 1] -= oy
    keep = masks.flatten(1).any(1)
    if not bool(keep.any()):
        return image, target
    kp, masks = kp[keep], masks[keep]
    outside = (kp[..., 0] < 0) | (kp[..., 0] >= w) | (kp[..., 1] < 0) | (kp[..., 1] >= h)
    kp[..., 2] = torch.where(outside, torch.zeros_like(kp[..., 2]), kp[..., 2])
    out = dict(target)
    out.update(
        boxes=_boxes_from_masks(masks),
        keypoints=kp,
        masks=masks.to(torch.uint8),
        labels=target["labels"][keep],
    )
    for k in ("area", "track_ids"):
        if k in target:
            out[k] = masks.flatten(1).sum(1).float() if k == "area" else target[k][keep]
    return img.contiguous(), out


def color_jitter(image: Tensor, gen: torch.Generator) -> Tensor:
    """Random channel permutation and per-channel gain in ``[0.8, 1.2]`` (clamped to ``[0, 1]``)."""
    perm = torch.randperm(3, generator=gen)
    gain = 0.8 + 0.4 * torch.rand(3, 1, 1, generator=gen)
    return (image[perm] * gain).clamp_(0.0, 1.0)
