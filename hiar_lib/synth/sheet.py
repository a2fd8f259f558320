"""A contact sheet of synthetic frames with their ground truth drawn, to judge by eye."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torchvision.utils import draw_bounding_boxes, draw_keypoints, draw_segmentation_masks

from hiar_lib.data.synthetic import load_manifest
from hiar_lib.data.synthetic_annotation import load_annotation
from hiar_lib.data.video import read_clip
from hiar_lib.vocabulary import COCO_PERSON_SKELETON

__all__ = ["draw_ground_truth", "make_contact_sheet"]

_PALETTE = [(255, 60, 60), (60, 200, 255), (255, 220, 0), (180, 90, 255), (0, 230, 120), (255, 140, 0)]


def draw_ground_truth(frame: torch.Tensor, boxes: np.ndarray, keypoints: np.ndarray, masks: np.ndarray, track_ids) -> torch.Tensor:
    """Draw masks, boxes and visible keypoints of the people present in one frame.

    Args:
        frame: ``uint8`` ``(3, H, W)``.
        boxes: ``(P, 4)`` xyxy pixels (NaN rows are skipped).
        keypoints: ``(P, 17, 3)`` ``(x, y, visibility)``.
        masks: ``(P, H, W)`` bool.
        track_ids: ``(P,)`` ids, which pick the colours.

    Returns:
        ``uint8`` ``(3, H, W)``.
    """
    keep = ~np.isnan(boxes).any(axis=1)
    if not keep.any():
        return frame
    colors = [_PALETTE[(int(t) - 1) % len(_PALETTE)] for t in np.asarray(track_ids)[keep]]
    out = draw_segmentation_masks(frame, torch.from_numpy(masks[keep]), alpha=0.35, colors=colors)
    out = draw_bounding_boxes(out, torch.from_numpy(boxes[keep]).float(), colors=colors, width=1)
    kp = torch.from_numpy(keypoints[keep]).float()
    out = draw_keypoints(
        out, kp[..., :2], connectivity=list(COCO_PERSON_SKELETON), colors=(255, 255, 255), radius=1, width=1,
        visibility=kp[..., 2] > 0,
    )  # fmt: skip
    return out


def make_contact_sheet(
    root: str | os.PathLike,
    out: str | os.PathLike,
    num_clips: int = 12,
    frames_per_clip: int = 4,
) -> Path:
    """Write a PNG grid: one row per clip (one clip per class, views in turn), frames
    spread over the clip, ground truth drawn, read back through the video reader.
    """
    from matplotlib.figure import Figure  # no pyplot: a notebook's backend is left as it is

    manifest = load_manifest(root)
    classes = manifest["classes"]
    chosen: list[dict] = []
    for label in range(len(classes)):
        cands = [c for c in manifest["clips"] if c["label"] == label]
        if cands:
            # Prefer a busy clip, and rotate through the views.
            view = manifest["views"][label % len(manifest["views"])]
            cands.sort(key=lambda c: (c["view"] != view, -c.get("num_persons", 1)))
            chosen.append(cands[0])
        if len(chosen) == num_clips:
            break
    t = manifest["num_frames"]
    idx = np.linspace(0, t - 1, frames_per_clip).round().astype(int)
    fig = Figure(figsize=(2.2 * frames_per_clip, 1.75 * len(chosen)))
    axes = fig.subplots(len(chosen), frames_per_clip, squeeze=False)
    for r, clip in enumerate(chosen):
        ann = load_annotation(root, clip["name"])
        video = read_clip(Path(root) / clip["video"], clip_len=t, stride=1, start=0)
        for c, i in enumerate(idx):
            img = draw_ground_truth(video.frames[i], ann.boxes[i], ann.keypoints[i], ann.masks[i], ann.track_ids)
            ax = axes[r, c]
            ax.imshow(img.permute(1, 2, 0).numpy())
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(f"{classes[clip['label']]}\nview {clip['view']}", fontsize=6)
            if r == 0:
                ax.set_title(f"frame {i}", fontsize=7)
    fig.suptitle(f"synthetic benchmark ({manifest['profile']}, seed {manifest['seed']}): ground truth drawn", fontsize=8)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, metadata={"Software": None})  # no library version in the file: the same bytes anywhere
    return out
