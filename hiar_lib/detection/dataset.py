"""The detector's training and evaluation data: frames of a synthetic benchmark split
with their people as torchvision detection targets (:class:`SyntheticDetectionFrames`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

__all__ = ["SyntheticDetectionFrames"]


def _split_clips(manifest: dict, split: str, protocol: str) -> list[dict]:
    """The manifest's clips of ``split`` under ``protocol``, split by the benchmark's own
    :class:`~hiar_lib.data.datasets.Protocol` (the one ``hiar index`` and extraction use)."""
    from hiar_lib.data.synthetic import synthetic_protocols

    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    if split == "all":
        return list(manifest["clips"])
    protocols = synthetic_protocols(manifest)
    if protocol not in protocols:
        raise ValueError(f"unknown protocol {protocol!r}: expected 'cs' or 'cv'")
    rule = protocols[protocol]
    return [c for c in manifest["clips"] if rule.split_of_value(c[rule.by]) == split]


class SyntheticDetectionFrames(torch.utils.data.Dataset):
    """Frames of a synthetic benchmark split with their people, decoded into memory.

    Item ``i`` is ``(image, target)``: ``image`` ``uint8 (3, H, W)`` RGB as decoded from
    the clip's mp4 (the same path as any real video), ``target`` torchvision's detection
    target: ``boxes`` ``float32 (N, 4)`` xyxy pixels (x2, y2 exclusive: the mask's
    extent), ``labels`` ``int64 (N,)`` all 1 (person), ``keypoints`` ``float32
    (N, 17, 3)`` ``x, y`` pixels and visibility (2 visible, 1 occluded, 0 outside the
    frame), ``masks`` ``uint8 (N, H, W)``, ``area`` ``float32 (N,)`` mask pixels and
    ``track_ids`` ``int64 (N,)``. People absent from a frame (empty mask) are left out.

    Args:
        root: a benchmark made by :func:`hiar_lib.synth.generate_benchmark`.
        split: ``"train"`` or ``"test"`` of ``protocol`` (``"cs"`` cross-subject,
            ``"cv"`` cross-view), or ``"all"`` clips.
        frame_stride: keep every ``frame_stride``-th frame of each clip.
        max_clips: use only the first clips of the split (tests).
        progress: show a progress bar while decoding.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        protocol: str = "cs",
        frame_stride: int = 1,
        max_clips: int | None = None,
        progress: bool = False,
    ) -> None:
        from tqdm.auto import tqdm

        from hiar_lib.data.video import read_clip
        from hiar_lib.data.synthetic import load_manifest
        from hiar_lib.data.synthetic_annotation import load_annotation

        if frame_stride < 1:
            raise ValueError(f"frame_stride must be >= 1, got {frame_stride}")
        self.root = Path(root)
        manifest = load_manifest(self.root)
        clips = _split_clips(manifest, split, protocol)[:max_clips]
        if not clips:
            from hiar_lib.errors import DatasetError

            raise DatasetError(f"no clip in the {split} split of protocol {protocol!r} of {self.root}")
        self.split, self.protocol = split, protocol
        self.width, self.height = int(manifest["width"]), int(manifest["height"])
        self.frames: list[Tensor] = []  # per clip uint8 (T, 3, H, W)
        self.annotations = []
        self.index: list[tuple[int, int]] = []  # (clip, frame)
        self.names: list[str] = []
        for ci, c in enumerate(tqdm(clips, desc=f"decode {split}", unit="clip", disable=not progress)):
            ann = load_annotation(self.root, c["name"])
            clip = read_clip(self.root / c["video"], clip_len=ann.num_frames, stride=1, start="first")
            self.frames.append(clip.frames)
            ann.masks  # noqa: B018 (load now, not in the training loop)
            self.annotations.append(ann)
            self.names.append(c["name"])
            for t in range(0, ann.num_frames, frame_stride):
                if ann.present[t].any():
                    self.index.append((ci, t))

    def __len__(self) -> int:
        return len(self.index)

    def frame_name(self, i: int) -> str:
        """``<clip name>/<frame index>`` of item ``i``."""
        ci, t = self.index[i]
        return f"{self.names[ci]}/{t}"

    def __getitem__(self, i: int) -> tuple[Tensor, dict[str, Tensor]]:
        ci, t = self.index[i]
        ann = self.annotations[ci]
        people = np.flatnonzero(ann.present[t])
        masks = torch.from_numpy(ann.masks[t, people].astype(np.uint8))
        target = {
            "boxes": torch.from_numpy(ann.boxes[t, people].astype(np.float32)),
            "labels": torch.ones(len(people), dtype=torch.int64),
            "keypoints": torch.from_numpy(ann.keypoints[t, people].astype(np.float32)),
            "masks": masks,
            "area": masks.flatten(1).sum(1).float(),
            "track_ids": torch.from_numpy(ann.track_ids[people].astype(np.int64)),
        }
        return self.frames[ci][t], target
