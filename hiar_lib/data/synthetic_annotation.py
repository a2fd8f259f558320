"""The exact ground truth of one synthetic clip, read back from its annotation files.

``annotations/<name>.json`` holds the clip's ``name``, ``width``, ``height``, ``fps``,
``num_frames``, ``label``, ``subject``, ``view``, ``take``; ``persons``: per person
``track_id`` (1-based), ``subject``, ``label`` (``-1`` for a distractor),
``label_name`` and ``role`` (``"actor"`` or ``"distractor"``); ``frames``: per frame its
``index`` and ``instances``, each with ``track_id``, ``box`` (``[x1, y1, x2, y2]``
pixels, the extent of the person's mask: ``[min col, min row, max col + 1, max row + 1]``),
``keypoints`` (17 ``[x, y, visibility]`` in COCO order: visibility 2 in the frame and
the pixel shows that person, 1 in the frame and hidden by someone else, 0 outside the
frame) and ``area`` (mask pixels). A person with an empty mask in a frame is absent
from that frame's instances. ``annotations/<name>_masks.npz`` holds the masks
(:func:`write_masks`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hiar_lib.data.synthetic import annotation_file, masks_file
from hiar_lib.errors import DatasetError
from hiar_lib.vocabulary import NUM_KEYPOINTS

__all__ = ["ClipAnnotation", "load_annotation", "read_masks", "write_masks"]


def write_masks(path: str | os.PathLike, masks: np.ndarray) -> None:
    """Write a clip's masks to ``path`` (``.npz``): bit-packed, with their shape.

    Args:
        masks: ``(T, P, H, W)`` bool, person ``p`` of frame ``t``.
    """
    packed = np.packbits(masks.reshape(-1))
    with open(path, "wb") as f:
        np.savez_compressed(f, masks=packed, shape=np.array(masks.shape))


def read_masks(path: str | os.PathLike) -> np.ndarray:
    """The masks :func:`write_masks` wrote: ``(T, P, H, W)`` bool."""
    with np.load(path) as z:
        shape = tuple(int(x) for x in z["shape"])
        return np.unpackbits(z["masks"], count=int(np.prod(shape))).reshape(shape).astype(bool)


@dataclass
class ClipAnnotation:
    """Ground truth of one synthetic clip.

    Attributes:
        boxes: ``(T, P, 4)`` float32 xyxy pixels, NaN where the person is absent.
        keypoints: ``(T, P, 17, 3)`` float32 ``(x, y, visibility)``.
        present: ``(T, P)`` bool, the person's mask is not empty.
        track_ids: ``(P,)`` int, 1-based.
        person_labels: ``(P,)`` int class id, ``-1`` for distractors.
        roles: ``"actor"`` or ``"distractor"`` per person.
        masks: ``(T, P, H, W)`` bool, read on first access.
    """

    name: str
    label: int
    subject: int
    view: int
    take: int
    width: int
    height: int
    fps: float
    num_frames: int
    boxes: np.ndarray
    keypoints: np.ndarray
    present: np.ndarray
    track_ids: np.ndarray
    person_labels: np.ndarray
    roles: list[str]
    mask_path: Path
    _masks: np.ndarray | None = field(default=None, repr=False)

    @property
    def masks(self) -> np.ndarray:
        if self._masks is None:
            self._masks = read_masks(self.mask_path)
        return self._masks


def load_annotation(root: str | os.PathLike, name: str) -> ClipAnnotation:
    """Ground truth of clip ``name`` of the benchmark at ``root``."""
    path = Path(root) / annotation_file(name)
    if not path.is_file():
        raise DatasetError(f"annotation not found: {path} (expected a clip of a benchmark made by `hiar synth`)")
    ann = json.loads(path.read_text())
    t, p = ann["num_frames"], len(ann["persons"])
    boxes = np.full((t, p, 4), np.nan, np.float32)
    kps = np.zeros((t, p, NUM_KEYPOINTS, 3), np.float32)
    present = np.zeros((t, p), bool)
    col = {person["track_id"]: k for k, person in enumerate(ann["persons"])}
    for fr in ann["frames"]:
        for inst in fr["instances"]:
            k = col[inst["track_id"]]
            boxes[fr["index"], k] = inst["box"]
            kps[fr["index"], k] = inst["keypoints"]
            present[fr["index"], k] = True
    return ClipAnnotation(
        name=ann["name"],
        label=ann["label"],
        subject=ann["subject"],
        view=ann["view"],
        take=ann["take"],
        width=ann["width"],
        height=ann["height"],
        fps=ann["fps"],
        num_frames=t,
        boxes=boxes,
        keypoints=kps,
        present=present,
        track_ids=np.array([q["track_id"] for q in ann["persons"]], int),
        person_labels=np.array([q["label"] for q in ann["persons"]], int),
        roles=[q["role"] for q in ann["persons"]],
        mask_path=Path(root) / masks_file(name),
    )
