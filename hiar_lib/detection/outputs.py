"""What the detector returns: the people of a frame, and the FPN maps of the same pass.

Coordinates: boxes, masks and keypoints are in ORIGINAL image pixels; FPN level ``l``
(stride ``s_l``) covers the resized, padded image, and an original-image point ``(x, y)``
lies at ``(x * sx / s_l, y * sy / s_l)`` in that level's cells, with ``(sx, sy)`` the
resize scale of torchvision's transform (:func:`map_boxes_to_level`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch
from torch import Tensor

from hiar_lib.vocabulary import fpn_level_key

__all__ = ["Detections", "FeaturePyramid", "FrameInstances", "map_boxes_to_level"]


@dataclass
class FrameInstances:
    """The people found in one frame, in original image pixels.

    Attributes:
        boxes: ``float32 (N, 4)``, ``x1, y1, x2, y2`` in pixels of the input frame,
            sorted by decreasing score.
        scores: ``float32 (N,)``, person class probability in ``[0, 1]``.
        masks: ``(N, H, W)`` over the whole input frame: ``bool`` (mask probability
            ``>= mask_threshold`` of
            :func:`~hiar_lib.detection.inference.detect_frames`, 0.5 by default), or
            ``float32`` probabilities in ``[0, 1]`` when ``mask_threshold=None``.
        keypoints: ``float32 (N, 17, 3)``: ``x, y`` in pixels and a third column that
            torchvision sets to 1 for every joint (it is not a visibility; use
            ``keypoint_scores``). Joints in
            :data:`~hiar_lib.vocabulary.KEYPOINT_NAMES` order.
        keypoint_scores: ``float32 (N, 17)``, the heatmap logit at each joint (higher is
            surer; unbounded, around 0 for a doubtful joint).
    """

    boxes: Tensor
    scores: Tensor
    masks: Tensor
    keypoints: Tensor
    keypoint_scores: Tensor

    def __len__(self) -> int:
        return int(self.boxes.shape[0])

    def to(self, device: str | torch.device) -> FrameInstances:
        """A copy on ``device``."""
        return FrameInstances(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    def select(self, keep: Tensor) -> FrameInstances:
        """The instances picked by a boolean ``(N,)`` mask or an index tensor."""
        return FrameInstances(**{f.name: getattr(self, f.name)[keep] for f in fields(self)})


def map_boxes_to_level(boxes: Tensor, scale: tuple[float, float], stride: int) -> Tensor:
    """Map boxes from original image pixels into the cells of one FPN level.

    torchvision's transform resizes an ``H x W`` frame to ``h x w`` (then pads it at the
    right and bottom, which moves no coordinate); it scales boxes by
    ``(sx, sy) = (w / W, h / H)`` per axis (``resize_boxes``). A level of stride ``s``
    has one cell per ``s x s`` pixels of the resized image, so a point ``(x, y)`` lies at
    ``(x * sx / s, y * sy / s)`` in continuous cell coordinates. (Where a cell's centre
    sits, ``i`` or ``i + 0.5``, is RoIAlign's ``aligned`` flag, applied alike to both.)

    ``torchvision.ops.roi_align(level, [boxes * (sx, sy, sx, sy)], output_size,
    spatial_scale=1 / s)`` samples exactly the points that
    ``roi_align(level, [map_boxes_to_level(boxes, scale, s)], output_size,
    spatial_scale=1)`` samples (for either ``aligned``);
    :class:`~torchvision.ops.MultiScaleRoIAlign` (``aligned=False``) does the former with
    ``spatial_scale`` inferred from the map sizes (``1/4`` .. ``1/32``).

    Args:
        boxes: ``(N, 4)`` ``x1, y1, x2, y2`` in original image pixels.
        scale: ``(sx, sy)``, resized size over original size per axis
            (:attr:`FeaturePyramid.scale`).
        stride: the level's stride in resized-image pixels (4, 8, 16 or 32).

    Returns:
        ``(N, 4)`` in level cells, same dtype and device as ``boxes``.
    """
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"boxes must be (N, 4) x1, y1, x2, y2, got shape {tuple(boxes.shape)}")
    if stride <= 0:
        raise ValueError(f"stride must be positive, got {stride}")
    sx, sy = float(scale[0]), float(scale[1])
    factor = torch.tensor([sx, sy, sx, sy], dtype=torch.float32, device=boxes.device) / float(stride)
    return (boxes.to(torch.float32) * factor).to(boxes.dtype)


@dataclass
class FeaturePyramid:
    """The FPN maps P2..P5 of the backbone pass that produced the detections.

    All frames of one :func:`~hiar_lib.detection.inference.detect_frames` call have the
    same size, so they share one resize scale and one padded size, and each level is one
    tensor over the frames.

    Attributes:
        maps: ``{"0": P2, "1": P3, "2": P4, "3": P5}`` (torchvision's names, usable as
            ``featmap_names`` of :class:`~torchvision.ops.MultiScaleRoIAlign`); level
            ``k`` is ``(T, C, ceil(Hp / s), ceil(Wp / s))`` with ``s = 4, 8, 16, 32``,
            ``C = 256`` for the paper preset (128 for the synthetic preset by default).
            ``float32``, or the autocast dtype (``float16`` on CUDA, ``bfloat16`` on CPU)
            when :func:`~hiar_lib.detection.inference.detect_frames` ran with ``amp=True``.
        strides: ``{"0": 4, "1": 8, "2": 16, "3": 32}``, pixels of the resized image per
            cell.
        scale: ``(sx, sy)``: resized pixel = original pixel * scale, per axis, exactly
            the ratio torchvision's ``resize_boxes`` uses (float32).
        original_size: ``(H, W)`` of the input frames in pixels.
        image_size: ``(h, w)`` of the resized frames before padding.
        padded_size: ``(Hp, Wp)`` of the padded batch the backbone saw (multiples of 32).
    """

    maps: dict[str, Tensor]
    strides: dict[str, int]
    scale: tuple[float, float]
    original_size: tuple[int, int]
    image_size: tuple[int, int]
    padded_size: tuple[int, int]

    @property
    def channels(self) -> int:
        """Channels ``C`` of every level."""
        return int(self.maps["0"].shape[1])

    @property
    def num_frames(self) -> int:
        return int(self.maps["0"].shape[0])

    def level(self, name: str | int) -> Tensor:
        """One level's ``(T, C, h_l, w_l)`` map, by name: ``"P2"``..``"P5"``, ``"0"``..``"3"``
        or the integer 2..5."""
        key = fpn_level_key(name)
        return self.maps[key]

    def boxes_to_level(self, boxes: Tensor, level: str | int) -> Tensor:
        """:func:`map_boxes_to_level` with this pyramid's scale and the level's stride.

        Args:
            boxes: ``(N, 4)`` original image pixels.
            level: as in :meth:`level`.

        Returns:
            ``(N, 4)`` in that level's cells.
        """
        return map_boxes_to_level(boxes, self.scale, self.strides[fpn_level_key(level)])

    def boxes_to_image(self, boxes: Tensor) -> Tensor:
        """``(N, 4)`` original pixels to resized-image pixels (what ``roi_heads`` and
        ``MultiScaleRoIAlign`` work in): :func:`map_boxes_to_level` with stride 1."""
        return map_boxes_to_level(boxes, self.scale, 1)

    def to(self, device: str | torch.device) -> FeaturePyramid:
        """A copy with the maps on ``device``."""
        return replace(self, maps={k: v.to(device) for k, v in self.maps.items()})


@dataclass
class Detections:
    """Per-frame people and the FPN features of one
    :func:`~hiar_lib.detection.inference.detect_frames` call.

    Attributes:
        instances: one :class:`FrameInstances` per input frame, in input order.
        features: the FPN maps of the same backbone pass, or ``None`` when they were
            not asked for (``return_features=False``).
    """

    instances: list[FrameInstances]
    features: FeaturePyramid | None = None

    def __len__(self) -> int:
        return len(self.instances)

    def __getitem__(self, i: int) -> FrameInstances:
        return self.instances[i]

    def to(self, device: str | torch.device) -> Detections:
        """A copy on ``device``."""
        feats = self.features.to(device) if self.features is not None else None
        return Detections([x.to(device) for x in self.instances], feats)
