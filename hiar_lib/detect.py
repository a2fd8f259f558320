"""The human detector: boxes, masks, 17 keypoints and FPN features P2..P5 per frame.

Paper section 3.1: a ResNet-50-FPN backbone (eq. 1) and a human instance head network
(eq. 2) made of Mask R-CNN's box and mask heads and its keypoint head. Here that is one
torchvision :class:`~torchvision.models.detection.KeypointRCNN` whose ``roi_heads`` also
carries a Mask R-CNN mask branch (``mask_roi_pool``, ``mask_head``, ``mask_predictor``):
torchvision's :class:`~torchvision.models.detection.roi_heads.RoIHeads` runs the mask and
keypoint branches together when both are set. Two classes (background, person).

Two presets, one builder (:func:`build_detector`):

- ``"paper"``: ResNet-50-FPN with torchvision's COCO weights. Backbone, RPN, box head and
  keypoint head come from ``KeypointRCNN_ResNet50_FPN_Weights.COCO_V1``; the mask head
  and the mask predictor come from ``MaskRCNN_ResNet50_FPN_Weights.COCO_V1``, whose
  91-class predictor is cut to its background and person channels. Caveat: that mask
  head was trained on Mask R-CNN's own backbone features, not on the keypoint model's
  backbone it runs on here, so its masks are plausible but not what a jointly trained
  model would give (boxes, keypoints and features are unaffected). Files come from the
  torch hub cache or a local path; nothing is ever downloaded.
- ``"synthetic"``: the same family on a ResNet-18-FPN (narrower FPN, slimmer keypoint and
  mask heads, small RoI samples) for CPU training on the synthetic benchmark (192x144 px
  frames in the quick profile, upsampled 1.5x inside the model). :func:`train_detector`
  trains and caches it;
  :func:`evaluate_detector` measures box, mask and keypoint AP with pycocotools.

Inference (:func:`detect_frames`) runs the model's own parts in order, ``transform ->
backbone -> rpn -> roi_heads -> transform.postprocess``, so that the FPN maps it returns
are those of the very backbone pass that produced the boxes. Coordinates: boxes, masks
and keypoints are in ORIGINAL image pixels; FPN level ``l`` (stride ``s_l``) covers the
resized, padded image, and an original-image point ``(x, y)`` lies at
``(x * sx / s_l, y * sy / s_l)`` in that level's cells, with ``(sx, sy)`` the resize
scale of torchvision's transform (:func:`map_boxes_to_level`).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import math
import os
import platform
import re
import shutil
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor, nn
from torchvision.models import resnet
from torchvision.models.detection import (
    KeypointRCNN,
    KeypointRCNN_ResNet50_FPN_Weights,
    MaskRCNN_ResNet50_FPN_Weights,
)
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool
from torchvision.ops.misc import FrozenBatchNorm2d

from hiar_lib.errors import HiarError
from hiar_lib.fileio import atomic_torch_save, atomic_write

__all__ = [
    "COCO_KEYPOINT_SIGMAS",
    "COCO_PERSON_SKELETON",
    "FPN_LEVELS",
    "FPN_STRIDES",
    "KEYPOINT_FLIP_INDEX",
    "KEYPOINT_NAMES",
    "PAPER_WEIGHTS",
    "PRESETS",
    "DetectorInfo",
    "Detections",
    "FeaturePyramid",
    "FrameInstances",
    "PaperWeightFiles",
    "SyntheticDetectionFrames",
    "SyntheticDetectorConfig",
    "TrainConfig",
    "WeightsError",
    "build_detector",
    "default_cache_dir",
    "detect_frames",
    "evaluate_detector",
    "score_detections",
    "find_paper_weights",
    "load_paper_state_dict",
    "map_boxes_to_level",
    "read_checkpoint",
    "save_detector",
    "train_detector",
]

Preset = Literal["paper", "synthetic"]
PRESETS: tuple[str, ...] = ("paper", "synthetic")
"""The presets :func:`build_detector` knows."""

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
"""The 17 COCO person keypoints, in COCO (and torchvision) order."""

KEYPOINT_FLIP_INDEX: tuple[int, ...] = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)
"""``flipped[j] = original[KEYPOINT_FLIP_INDEX[j]]`` after a horizontal flip (left <-> right)."""

COCO_PERSON_SKELETON: tuple[tuple[int, int], ...] = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7),
    (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
)  # fmt: skip
"""COCO's person skeleton as 0-based joint pairs (``connectivity`` of ``draw_keypoints``)."""

COCO_KEYPOINT_SIGMAS: tuple[float, ...] = tuple(
    s / 10.0 for s in (0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89)
)
"""Per-joint OKS sigmas of COCO's keypoint evaluation (pycocotools' ``kpt_oks_sigmas``)."""

FPN_LEVELS: tuple[str, ...] = ("0", "1", "2", "3")
"""torchvision's names of P2, P3, P4, P5 in the backbone's output dict."""

FPN_STRIDES: dict[str, int] = {"0": 4, "1": 8, "2": 16, "3": 32}
"""Stride of each FPN level in pixels of the resized, padded input image (P2..P5)."""

_LEVEL_ALIASES = {"p2": "0", "p3": "1", "p4": "2", "p5": "3", "0": "0", "1": "1", "2": "2", "3": "3"}

PAPER_WEIGHTS: dict[str, Any] = {
    "keypoint": KeypointRCNN_ResNet50_FPN_Weights.COCO_V1,
    "mask": MaskRCNN_ResNet50_FPN_Weights.COCO_V1,
}
"""The torchvision weight enums of the ``paper`` preset."""

_CHECKPOINT_FORMAT = "hiar.detector"
MAX_NONFINITE_STEPS = 5  # train_detector skips a non-finite batch, gives up after this many in a row
_CHECKPOINT_VERSION = 1
_MASK_PREFIXES = ("roi_heads.mask_head.", "roi_heads.mask_predictor.")


class WeightsError(HiarError):
    """Detector weights are missing, unreadable, or do not fit the model."""


# --------------------------------------------------------------------------- outputs


@dataclass
class FrameInstances:
    """The people found in one frame, in original image pixels.

    Attributes:
        boxes: ``float32 (N, 4)``, ``x1, y1, x2, y2`` in pixels of the input frame,
            sorted by decreasing score.
        scores: ``float32 (N,)``, person class probability in ``[0, 1]``.
        masks: ``(N, H, W)`` over the whole input frame: ``bool`` (mask probability
            ``>= mask_threshold`` of :func:`detect_frames`, 0.5 by default), or
            ``float32`` probabilities in ``[0, 1]`` when ``mask_threshold=None``.
        keypoints: ``float32 (N, 17, 3)``: ``x, y`` in pixels and a third column that
            torchvision sets to 1 for every joint (it is not a visibility; use
            ``keypoint_scores``). Joints in :data:`KEYPOINT_NAMES` order.
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

    All frames of one :func:`detect_frames` call have the same size, so they share one
    resize scale and one padded size, and each level is one tensor over the frames.

    Attributes:
        maps: ``{"0": P2, "1": P3, "2": P4, "3": P5}`` (torchvision's names, usable as
            ``featmap_names`` of :class:`~torchvision.ops.MultiScaleRoIAlign`); level
            ``k`` is ``(T, C, ceil(Hp / s), ceil(Wp / s))`` with ``s = 4, 8, 16, 32``,
            ``C = 256`` for the paper preset (128 for the synthetic preset by default).
            ``float32``, or the autocast dtype (``float16`` on CUDA, ``bfloat16`` on CPU)
            when :func:`detect_frames` ran with ``amp=True``.
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
        key = _level_key(name)
        return self.maps[key]

    def boxes_to_level(self, boxes: Tensor, level: str | int) -> Tensor:
        """:func:`map_boxes_to_level` with this pyramid's scale and the level's stride.

        Args:
            boxes: ``(N, 4)`` original image pixels.
            level: as in :meth:`level`.

        Returns:
            ``(N, 4)`` in that level's cells.
        """
        return map_boxes_to_level(boxes, self.scale, self.strides[_level_key(level)])

    def boxes_to_image(self, boxes: Tensor) -> Tensor:
        """``(N, 4)`` original pixels to resized-image pixels (what ``roi_heads`` and
        ``MultiScaleRoIAlign`` work in): :func:`map_boxes_to_level` with stride 1."""
        return map_boxes_to_level(boxes, self.scale, 1)

    def to(self, device: str | torch.device) -> FeaturePyramid:
        """A copy with the maps on ``device``."""
        return replace(self, maps={k: v.to(device) for k, v in self.maps.items()})


def _level_key(name: str | int) -> str:
    if isinstance(name, int) and not isinstance(name, bool):
        key = {2: "0", 3: "1", 4: "2", 5: "3"}.get(name)
    else:
        key = _LEVEL_ALIASES.get(str(name).lower())
    if key is None:
        raise ValueError(f"unknown FPN level {name!r}: expected 'P2'..'P5', '0'..'3' or 2..5")
    return key


@dataclass
class Detections:
    """Per-frame people and the FPN features of one :func:`detect_frames` call.

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


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class SyntheticDetectorConfig:
    """Architecture of the ``synthetic`` preset: Keypoint R-CNN + mask head, made small.

    Attributes:
        backbone: torchvision ResNet name (``"resnet18"``, ``"resnet34"``,
            ``"resnet50"``), random init, ``BatchNorm2d`` (trained from scratch).
        fpn_channels: channels ``C`` of P2..P5 (the paper's ResNet-50-FPN has 256).
        min_size, max_size: torchvision's resize rule, pixels: the shorter side is
            scaled to ``min_size`` unless the longer one would exceed ``max_size``. The
            defaults upsample the quick benchmark's 192x144 frames 1.5x (see
            :attr:`TrainConfig.input_scale`); outputs are in input pixels regardless.
        anchor_sizes: RPN anchor sizes (square root of the area, pixels) on P2..P6.
        aspect_ratios: anchor height / width at every level (standing people are about 3).
        box_representation: width of the box head's two fully connected layers.
        keypoint_layers: widths of the keypoint head's 3x3 conv layers (torchvision's
            paper head: eight of 512).
        mask_layers: widths of the mask head's 3x3 conv layers (paper head: four of 256).
        rpn_batch_size_per_image: anchors sampled per image for the RPN loss.
        rpn_pre_nms_top_n_train, rpn_post_nms_top_n_train: proposals per image kept
            before / after NMS in training.
        rpn_pre_nms_top_n_test, rpn_post_nms_top_n_test: the same at inference.
        box_batch_size_per_image: RoIs sampled per image for the box loss (a quarter of
            them positive at most; the positives also train the mask and keypoint heads).
        sampling_ratio: RoIAlign sampling points per bin side in the box, mask and
            keypoint poolers (torchvision: 2; 1 suffices where a person spans few cells of
            P2, and makes RoIAlign's slow CPU backward pass 4x cheaper).
    """

    backbone: str = "resnet18"
    fpn_channels: int = 128
    min_size: int = 216
    max_size: int = 288
    anchor_sizes: tuple[int, ...] = (16, 32, 64, 128, 256)
    aspect_ratios: tuple[float, ...] = (1.0, 2.0, 3.0)
    box_representation: int = 256
    keypoint_layers: tuple[int, ...] = (128, 128, 128, 128)
    mask_layers: tuple[int, ...] = (64, 64)
    rpn_batch_size_per_image: int = 64
    rpn_pre_nms_top_n_train: int = 600
    rpn_post_nms_top_n_train: int = 300
    rpn_pre_nms_top_n_test: int = 300
    rpn_post_nms_top_n_test: int = 100
    box_batch_size_per_image: int = 32
    sampling_ratio: int = 1

    def __post_init__(self) -> None:
        if self.backbone not in ("resnet18", "resnet34", "resnet50"):
            raise ValueError(f"backbone must be 'resnet18', 'resnet34' or 'resnet50', got {self.backbone!r}")
        if len(self.anchor_sizes) != 5:
            raise ValueError(f"anchor_sizes needs one size per level P2..P6 (5), got {self.anchor_sizes}")
        if not self.keypoint_layers or not self.mask_layers:
            raise ValueError("keypoint_layers and mask_layers need at least one layer each")
        if self.min_size < 32 or self.max_size < self.min_size:
            raise ValueError(f"need 32 <= min_size <= max_size, got {self.min_size}, {self.max_size}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SyntheticDetectorConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown SyntheticDetectorConfig fields: {unknown}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


@dataclass(frozen=True)
class DetectorInfo:
    """What a model from :func:`build_detector` is; attached as ``model.detector_info``.

    Attributes:
        preset: ``"paper"`` or ``"synthetic"``.
        weights: the files its weights were read from (empty: random init).
        config: architecture settings (JSON-friendly).
        training: the synthetic checkpoint's training record (iterations, wall time,
            loss curve, ...), empty otherwise.
    """

    preset: str
    weights: tuple[str, ...]
    config: dict[str, Any]
    training: dict[str, Any] = field(default_factory=dict)


def _paper_model(min_size: int, max_size: int, **kwargs: Any) -> KeypointRCNN:
    """ResNet-50-FPN Keypoint R-CNN (frozen BN, as torchvision's COCO model) + mask branch."""
    body = resnet.resnet50(weights=None, norm_layer=FrozenBatchNorm2d)
    backbone = BackboneWithFPN(
        body,
        return_layers={"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"},
        in_channels_list=[256, 512, 1024, 2048],
        out_channels=256,
        extra_blocks=LastLevelMaxPool(),
    )
    model = KeypointRCNN(backbone, num_classes=2, num_keypoints=17, min_size=min_size, max_size=max_size, **kwargs)
    _attach_mask_branch(model, in_channels=256, layers=(256, 256, 256, 256))
    return model


def _attach_mask_branch(model: KeypointRCNN, in_channels: int, layers: Sequence[int], sampling_ratio: int = 2) -> None:
    model.roi_heads.mask_roi_pool = MultiScaleRoIAlign(
        featmap_names=list(FPN_LEVELS), output_size=14, sampling_ratio=sampling_ratio
    )
    model.roi_heads.mask_head = MaskRCNNHeads(in_channels, list(layers), 1)
    model.roi_heads.mask_predictor = MaskRCNNPredictor(layers[-1], layers[-1], 2)


def _synthetic_model(cfg: SyntheticDetectorConfig, **kwargs: Any) -> KeypointRCNN:
    body = getattr(resnet, cfg.backbone)(weights=None, norm_layer=nn.BatchNorm2d)
    c = 64 if cfg.backbone in ("resnet18", "resnet34") else 256
    backbone = BackboneWithFPN(
        body,
        return_layers={"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"},
        in_channels_list=[c, 2 * c, 4 * c, 8 * c],
        out_channels=cfg.fpn_channels,
        extra_blocks=LastLevelMaxPool(),
    )
    anchors = AnchorGenerator(tuple((s,) for s in cfg.anchor_sizes), (tuple(cfg.aspect_ratios),) * 5)
    box_pool = MultiScaleRoIAlign(featmap_names=list(FPN_LEVELS), output_size=7, sampling_ratio=cfg.sampling_ratio)
    kp_pool = MultiScaleRoIAlign(featmap_names=list(FPN_LEVELS), output_size=14, sampling_ratio=cfg.sampling_ratio)
    model = KeypointRCNN(
        backbone,
        num_classes=None,  # given by box_predictor: background and person
        min_size=cfg.min_size,
        max_size=cfg.max_size,
        rpn_anchor_generator=anchors,
        rpn_batch_size_per_image=cfg.rpn_batch_size_per_image,
        rpn_pre_nms_top_n_train=cfg.rpn_pre_nms_top_n_train,
        rpn_post_nms_top_n_train=cfg.rpn_post_nms_top_n_train,
        rpn_pre_nms_top_n_test=cfg.rpn_pre_nms_top_n_test,
        rpn_post_nms_top_n_test=cfg.rpn_post_nms_top_n_test,
        box_roi_pool=box_pool,
        box_head=TwoMLPHead(cfg.fpn_channels * 7 * 7, cfg.box_representation),
        box_predictor=FastRCNNPredictor(cfg.box_representation, 2),
        box_batch_size_per_image=cfg.box_batch_size_per_image,
        keypoint_roi_pool=kp_pool,
        keypoint_head=KeypointRCNNHeads(cfg.fpn_channels, list(cfg.keypoint_layers)),
        keypoint_predictor=KeypointRCNNPredictor(cfg.keypoint_layers[-1], 17),
        **kwargs,
    )
    _attach_mask_branch(model, in_channels=cfg.fpn_channels, layers=cfg.mask_layers, sampling_ratio=cfg.sampling_ratio)
    return model


def build_detector(
    preset: Preset = "paper",
    *,
    weights: str | os.PathLike | tuple[str | os.PathLike, str | os.PathLike] | None = None,
    random_init: bool = False,
    device: str | torch.device = "cpu",
    score_thresh: float = 0.5,
    nms_thresh: float = 0.5,
    detections_per_img: int = 100,
    min_size: int | None = None,
    max_size: int | None = None,
    config: SyntheticDetectorConfig | None = None,
) -> KeypointRCNN:
    """Build the human detector of a preset, with its weights, in eval mode.

    The result is a plain torchvision :class:`~torchvision.models.detection.KeypointRCNN`
    whose ``roi_heads`` also has a mask branch: calling it on a list of float images
    ``(3, H, W)`` in ``[0, 1]`` gives torchvision's usual dicts (``boxes``, ``labels``,
    ``scores``, ``masks``, ``keypoints``, ``keypoints_scores``). Use :func:`detect_frames`
    to also get the FPN features. ``model.detector_info`` is a :class:`DetectorInfo`.

    Args:
        preset: ``"paper"`` (ResNet-50-FPN, COCO weights) or ``"synthetic"`` (ResNet-18-FPN
            trained by :func:`train_detector`).
        weights: where the weights are.

            - ``paper``: ``None`` for the torch hub cache
              (``torch.hub.get_dir()/checkpoints``, i.e. ``$TORCH_HOME/hub/checkpoints``),
              a folder holding torchvision's two files (names in
              :data:`PAPER_WEIGHTS` urls), a ``(keypoint_file, mask_file)`` pair, or one
              file with the state dict of this combined model (2-class mask predictor),
              e.g. written by :func:`save_detector`.
            - ``synthetic``: the checkpoint file written by :func:`train_detector` or
              :func:`save_detector` (its architecture comes from the file).
        random_init: build without loading any weights (tests, FLOP counts, smoke runs).
        device: where the model goes.
        score_thresh: keep detections whose person score is at least this (paper: 0.5).
        nms_thresh: IoU of box NMS at inference.
        detections_per_img: at most this many people per frame.
        min_size, max_size: override the resize rule (pixels); defaults: paper 800 and
            1333 (torchvision's), synthetic from ``config`` or the checkpoint.
        config: architecture of a synthetic model built without a checkpoint.

    Raises:
        WeightsError: weights missing (the message names the files, the folder searched
            and how to get them), unreadable, or of the wrong keys or shapes.
        ValueError: an unknown preset or a bad argument.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown detector preset {preset!r}: expected one of {', '.join(PRESETS)}")
    if not 0.0 <= score_thresh <= 1.0:
        raise ValueError(f"score_thresh must be in [0, 1], got {score_thresh}")
    common = dict(box_score_thresh=score_thresh, box_nms_thresh=nms_thresh, box_detections_per_img=detections_per_img)
    training: dict[str, Any] = {}
    if preset == "paper":
        if config is not None:
            raise ValueError("config applies to the synthetic preset only")
        lo, hi = min_size or 800, max_size or 1333
        model = _paper_model(lo, hi, **common)
        files: tuple[str, ...] = ()
        if not random_init:
            state, files = load_paper_state_dict(weights, model)
            model.load_state_dict(state)
            # torchvision does the same for these COCO_V1 weights (its BN had eps 0).
            for m in model.modules():
                if isinstance(m, FrozenBatchNorm2d):
                    m.eps = 0.0
        arch: dict[str, Any] = {"backbone": "resnet50", "fpn_channels": 256, "min_size": lo, "max_size": hi}
    else:
        ckpt, ckpt_path = None, None
        if config is not None and not random_init:
            raise ValueError("config builds an untrained synthetic model (random_init=True); a checkpoint carries its own")
        if not random_init:
            if weights is None:
                raise WeightsError(
                    "the synthetic detector needs weights: the checkpoint file written by "
                    "train_detector (`hiar train-detector`); pass weights=PATH, or random_init=True "
                    "for an untrained model"
                )
            if isinstance(weights, tuple):
                raise WeightsError("the synthetic preset takes one checkpoint file, not a pair of files")
            ckpt_path = Path(weights)
            ckpt = read_checkpoint(ckpt_path)
            cfg = SyntheticDetectorConfig.from_dict(ckpt["config"])
            training = dict(ckpt.get("training", {}))
        else:
            cfg = config or SyntheticDetectorConfig()
        if min_size is not None or max_size is not None:
            cfg = replace(cfg, min_size=min_size or cfg.min_size, max_size=max_size or cfg.max_size)
        model = _synthetic_model(cfg, **common)
        files = ()
        if ckpt is not None and ckpt_path is not None:
            _check_state_dict(ckpt["state_dict"], model.state_dict(), ckpt_path, "the synthetic detector")
            model.load_state_dict(ckpt["state_dict"])
            files = (str(ckpt_path),)
        arch = cfg.to_dict()
    arch.update(score_thresh=score_thresh, nms_thresh=nms_thresh, detections_per_img=detections_per_img)
    model.detector_info = DetectorInfo(preset=preset, weights=files, config=arch, training=training)
    return model.to(device).eval()


# --------------------------------------------------------------------------- paper weights


@dataclass(frozen=True)
class PaperWeightFiles:
    """The two torchvision COCO checkpoints of the paper preset.

    Attributes:
        keypoint: ``keypointrcnn_resnet50_fpn_coco-fc266e95.pth``: backbone, RPN, box and
            keypoint heads.
        mask: ``maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth``: mask head and predictor.
    """

    keypoint: Path
    mask: Path


def _file_name(enum_value: Any) -> str:
    return os.path.basename(enum_value.url)


def _download_hint(folder: Path) -> str:
    return (
        "On a machine with internet, run\n"
        "  python -c \"from torchvision.models.detection import keypointrcnn_resnet50_fpn as k, "
        "maskrcnn_resnet50_fpn as m; k(weights='COCO_V1'); m(weights='COCO_V1')\"\n"
        "which downloads both files into that machine's torch hub cache "
        "(python -c \"import torch; print(torch.hub.get_dir())\")/checkpoints, then copy them into "
        f"{folder} here (or pass their folder with weights=... / --weights). URLs: "
        f"{PAPER_WEIGHTS['keypoint'].url} and {PAPER_WEIGHTS['mask'].url}"
    )


def find_paper_weights(weights: str | os.PathLike | tuple | None = None) -> PaperWeightFiles | Path:
    """Locate the paper preset's weights without reading them.

    Args:
        weights: ``None`` (torch hub cache), a folder, a ``(keypoint, mask)`` pair, or
            one combined state-dict file (see :func:`build_detector`).

    Returns:
        :class:`PaperWeightFiles` for torchvision's two files, or the ``Path`` of a
        combined file.

    Raises:
        WeightsError: a file is missing; the message names every missing file, the
            folder searched, and how to get the files.
    """
    names = {k: _file_name(v) for k, v in PAPER_WEIGHTS.items()}
    if isinstance(weights, (tuple, list)):
        if len(weights) != 2:
            raise WeightsError(f"expected a (keypoint_file, mask_file) pair, got {len(weights)} paths")
        kp, mk = Path(weights[0]), Path(weights[1])
        missing = [str(p) for p in (kp, mk) if not p.is_file()]
        if missing:
            raise WeightsError(f"paper detector weights not found: {', '.join(missing)}. " + _download_hint(kp.parent))
        return PaperWeightFiles(kp, mk)
    if weights is not None and Path(weights).is_file():
        return Path(weights)
    if weights is None:
        folder = Path(torch.hub.get_dir()) / "checkpoints"
        where = f"the torch hub cache {folder}"
    else:
        folder = Path(weights)
        if not folder.exists():
            raise WeightsError(
                f"paper detector weights not found: {folder} does not exist (expected a folder holding "
                f"{names['keypoint']} and {names['mask']}, or one weights file). " + _download_hint(folder)
            )
        where = str(folder)
    files = {k: folder / n for k, n in names.items()}
    missing = [n for k, n in names.items() if not files[k].is_file()]
    if missing:
        raise WeightsError(
            f"paper detector weights not found: {', '.join(missing)} missing from {where}. " + _download_hint(folder)
        )
    return PaperWeightFiles(files["keypoint"], files["mask"])


def _load_error_line(e: Exception) -> str:
    """The informative line of a ``torch.load`` error (its weights_only errors run long)."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    for ln in lines:
        if "Unsupported global" in ln or "WeightsUnpickler error" in ln:
            return ln[:300]
    return (lines[0] if lines else type(e).__name__)[:300]


def _torch_load(path: Path) -> dict[str, Tensor]:
    """A state dict from a file: a bare one, or under ``model`` / ``state_dict``."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise WeightsError(f"weights file not found: {path}") from None
    except Exception as e:  # noqa: BLE001 (pickle, zip and weights_only errors all land here)
        raise WeightsError(f"cannot read weights file {path}: not a PyTorch state dict ({_load_error_line(e)})") from None
    if isinstance(obj, dict) and not any(isinstance(v, Tensor) for v in obj.values()):
        for key in ("model", "state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, Tensor) for v in obj.values()):
        raise WeightsError(f"weights file {path} does not hold a state dict (a dict of tensors)")
    return dict(obj)


# Keys of checkpoints written before torchvision 0.13 (the COCO files among them).
_LEGACY_KEYS = (
    (re.compile(r"^(backbone\.fpn\.(?:inner|layer)_blocks\.\d+)\.(weight|bias)$"), r"\1.0.\2"),
    (re.compile(r"^(rpn\.head\.conv)\.(weight|bias)$"), r"\1.0.0.\2"),
)
_LEGACY_MASK_FCN = re.compile(r"^(roi_heads\.mask_head\.)mask_fcn(\d+)\.(weight|bias)$")


def _upgrade_legacy_keys(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename pre-0.13 torchvision keys to today's names (what the modules' own
    ``_load_from_state_dict`` would do), so that keys can be checked before loading."""
    out: dict[str, Tensor] = {}
    for k, v in state.items():
        new = k
        for pattern, repl in _LEGACY_KEYS:
            new = pattern.sub(repl, new)
        m = _LEGACY_MASK_FCN.match(new)
        if m:
            new = f"{m.group(1)}{int(m.group(2)) - 1}.0.{m.group(3)}"
        out[new if new not in state else k] = v
    return out


def _check_state_dict(state: dict[str, Tensor], expected: dict[str, Tensor], path: Path, what: str) -> None:
    """Raise a short :class:`WeightsError` naming the first mismatching keys."""
    ignore = ("num_batches_tracked",)
    have = {k for k in state if not k.endswith(ignore)}
    want = {k for k in expected if not k.endswith(ignore)}
    missing = sorted(want - have)
    unexpected = sorted(have - want)
    shapes = [
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in sorted(want & have)
        if tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    if not (missing or unexpected or shapes):
        return
    parts = []
    for label, items in (("shape mismatch", shapes), ("missing keys", missing), ("unexpected keys", unexpected)):
        if items:
            more = f" (+{len(items) - 3} more)" if len(items) > 3 else ""
            parts.append(f"{label} ({len(items)}): {'; '.join(items[:3])}{more}")
    raise WeightsError(f"weights file {path} does not fit {what}: " + " | ".join(parts))


def load_paper_state_dict(
    weights: str | os.PathLike | tuple | None, model: KeypointRCNN
) -> tuple[dict[str, Tensor], tuple[str, ...]]:
    """Read and merge the paper preset's weights into one state dict for ``model``.

    Everything but the mask branch comes from the Keypoint R-CNN file; the mask head and
    predictor come from the Mask R-CNN file, whose 91-class predictor
    (``mask_fcn_logits``, ``(91, 256, 1, 1)``) is cut to channels 0 (background) and 1
    (person). Legacy key names of these files are upgraded; ``num_batches_tracked``
    entries are dropped (frozen batch norm has none). Files are read with
    ``torch.load(..., map_location="cpu", weights_only=True)``.

    Returns:
        The state dict (keys of ``model``) and the files read.

    Raises:
        WeightsError: missing or unreadable files, or keys/shapes that do not fit (the
            message names the file and the first mismatching keys).
    """
    found = find_paper_weights(weights)
    expected = model.state_dict()
    if isinstance(found, Path):
        state = _upgrade_legacy_keys(_torch_load(found))
        state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
        _check_state_dict(state, expected, found, "the paper detector (Keypoint R-CNN + 2-class mask branch)")
        return state, (str(found),)

    kp = _upgrade_legacy_keys(_torch_load(found.keypoint))
    kp = {k: v for k, v in kp.items() if not k.endswith("num_batches_tracked")}
    not_mask = {k: v for k, v in expected.items() if not k.startswith(_MASK_PREFIXES)}
    _check_state_dict(kp, not_mask, found.keypoint, "torchvision's Keypoint R-CNN ResNet-50-FPN (COCO_V1)")

    mk_all = _upgrade_legacy_keys(_torch_load(found.mask))
    mk = {k: v for k, v in mk_all.items() if k.startswith(_MASK_PREFIXES)}
    logits_w = "roi_heads.mask_predictor.mask_fcn_logits.weight"
    logits_b = "roi_heads.mask_predictor.mask_fcn_logits.bias"
    mask_expected = {k: v for k, v in expected.items() if k.startswith(_MASK_PREFIXES)}
    # The file's predictor is 91-class: compare it as such, then cut it.
    mask_expected_91 = dict(mask_expected)
    for k in (logits_w, logits_b):
        if k in mask_expected_91:
            mask_expected_91[k] = torch.empty((91, *mask_expected[k].shape[1:]))
    _check_state_dict(mk, mask_expected_91, found.mask, "torchvision's Mask R-CNN ResNet-50-FPN mask branch (COCO_V1, 91 classes)")
    person = torch.tensor([0, 1])  # COCO category index 1 is "person"
    mk[logits_w] = mk[logits_w].index_select(0, person).clone()
    mk[logits_b] = mk[logits_b].index_select(0, person).clone()
    return {**kp, **mk}, (str(found.keypoint), str(found.mask))


# --------------------------------------------------------------------------- checkpoints


def save_detector(model: KeypointRCNN, path: str | os.PathLike, training: dict[str, Any] | None = None) -> Path:
    """Write a detector checkpoint (atomically) that :func:`build_detector` reads back.

    For a synthetic model the file is ``{"format", "version", "preset", "config",
    "state_dict", "training"}`` (readable with ``weights_only=True``); for a paper model
    it is the bare combined state dict.
    """
    info: DetectorInfo | None = getattr(model, "detector_info", None)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    if info is not None and info.preset == "paper":
        obj: Any = state
    else:
        cfg = {k: v for k, v in (info.config if info else {}).items() if k in {f.name for f in fields(SyntheticDetectorConfig)}}
        obj = {
            "format": _CHECKPOINT_FORMAT,
            "version": _CHECKPOINT_VERSION,
            "preset": "synthetic",
            "config": cfg,
            "state_dict": state,
            "training": _jsonable(training if training is not None else (info.training if info else {})),
        }
    return atomic_torch_save(obj, out)


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a synthetic detector checkpoint (``weights_only=True``) and check its format.

    Returns:
        ``{"config": dict, "state_dict": dict, "training": dict, ...}``.

    Raises:
        WeightsError: missing, unreadable, or not a checkpoint of this library.
    """
    p = Path(path)
    if not p.is_file():
        raise WeightsError(
            f"synthetic detector checkpoint not found: {p} (train one with `hiar train-detector --data ROOT`)"
        )
    try:
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001
        raise WeightsError(f"cannot read detector checkpoint {p}: {_load_error_line(e)}") from None
    if not isinstance(obj, dict) or obj.get("format") != _CHECKPOINT_FORMAT:
        raise WeightsError(
            f"{p} is not a synthetic detector checkpoint of hiar (no format={_CHECKPOINT_FORMAT!r}); "
            "for torchvision's COCO files use preset='paper'"
        )
    if obj.get("version") != _CHECKPOINT_VERSION:
        raise WeightsError(f"{p}: checkpoint version {obj.get('version')} is not supported (expected {_CHECKPOINT_VERSION})")
    for key in ("config", "state_dict"):
        if not isinstance(obj.get(key), dict):
            raise WeightsError(f"{p}: checkpoint has no {key!r}")
    try:
        SyntheticDetectorConfig.from_dict(obj["config"])
    except (TypeError, ValueError) as e:
        raise WeightsError(f"{p}: bad architecture config in checkpoint: {e}") from None
    return obj


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    return x


# --------------------------------------------------------------------------- inference


def _as_frame_list(frames: Tensor | Sequence[Tensor]) -> list[Tensor]:
    """Validate frames; one ``uint8 (3, H, W)`` tensor per frame, all of one size."""
    if isinstance(frames, Tensor):
        if frames.ndim != 4 or frames.shape[1] != 3:
            raise ValueError(
                f"frames must be a uint8 tensor (T, 3, H, W) or a list of (3, H, W) tensors, "
                f"got a tensor of shape {tuple(frames.shape)}"
            )
        items = list(frames.unbind(0))
        if frames.dtype != torch.uint8:
            raise TypeError(f"frames must be uint8 (0..255), got {frames.dtype}")
    elif isinstance(frames, Sequence) and not isinstance(frames, (str, bytes)):
        items = list(frames)
        for i, f in enumerate(items):
            if not isinstance(f, Tensor):
                raise TypeError(f"frame {i} is a {type(f).__name__}, expected a uint8 tensor (3, H, W)")
            if f.ndim != 3 or f.shape[0] != 3:
                raise ValueError(f"frame {i} must be (3, H, W), got shape {tuple(f.shape)}")
            if f.dtype != torch.uint8:
                raise TypeError(f"frame {i} must be uint8 (0..255), got {f.dtype}")
    else:
        raise TypeError(f"frames must be a uint8 tensor (T, 3, H, W) or a list of them, got {type(frames).__name__}")
    if not items:
        raise ValueError("no frames given: expected at least one frame")
    size = tuple(items[0].shape[-2:])
    if size[0] < 1 or size[1] < 1:
        raise ValueError(f"frames must have a positive size, got {size[1]}x{size[0]}")
    for i, f in enumerate(items):
        if tuple(f.shape[-2:]) != size:
            raise ValueError(
                f"all frames of one call must have one size (the FPN maps of a call share one padded size); "
                f"frame 0 is {size[1]}x{size[0]}, frame {i} is {f.shape[-1]}x{f.shape[-2]}: call once per size"
            )
    return items


def _model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def detect_frames(
    model: KeypointRCNN,
    frames: Tensor | Sequence[Tensor],
    *,
    batch_size: int = 4,
    device: str | torch.device | None = None,
    amp: bool = False,
    return_features: bool = True,
    features_device: str | torch.device | None = None,
    mask_threshold: float | None = 0.5,
) -> Detections:
    """Detect people in frames and keep the FPN maps P2..P5 of the same backbone pass.

    Frames go through the model in batches of ``batch_size``, under
    ``torch.inference_mode()`` (the outputs are inference tensors: ``.clone()`` one to
    use it in autograd). For each batch this runs ``model.transform`` (normalise, resize,
    pad to a multiple of 32) -> ``model.backbone`` -> ``model.rpn`` ->
    ``model.roi_heads`` -> ``model.transform.postprocess`` (boxes, masks and keypoints
    back to original pixels), i.e. the model's own forward with the features kept.

    Args:
        model: from :func:`build_detector` (any torchvision Keypoint R-CNN whose
            ``roi_heads`` has a mask branch and whose backbone returns FPN levels
            ``"0"``..``"3"``). It is switched to eval mode for the call and back after.
        frames: ``uint8`` RGB, a ``(T, 3, H, W)`` tensor (e.g. ``Clip.frames``) or a list
            of ``(3, H, W)`` tensors, all of one size (a clear error otherwise: the
            maps of one call share one padded size; call once per size). Converted to
            float in ``[0, 1]`` batch by batch on ``device``.
        batch_size: frames per forward pass.
        device: where to compute; default the model's device. The model is moved there.
        amp: run under ``torch.autocast`` (``float16`` on CUDA, ``bfloat16`` on CPU);
            boxes, scores, keypoints and masks are returned as ``float32``/``bool``, the
            FPN maps in the autocast dtype.
        return_features: keep the FPN maps (``Detections.features``); ``False`` saves
            memory when only the instances are needed.
        features_device: where to gather the maps (e.g. ``"cpu"`` for long videos on a
            GPU); default ``device``.
        mask_threshold: masks are ``bool`` at this mask probability (0.5: Mask R-CNN's
            usual binarisation); ``None`` keeps ``float32`` probabilities.

    Returns:
        :class:`Detections`: ``T`` :class:`FrameInstances` on ``device`` and the
        :class:`FeaturePyramid` (``T`` frames per level).

    Raises:
        ValueError, TypeError: empty input, wrong rank or dtype, frames of different sizes.
    """
    items = _as_frame_list(frames)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if mask_threshold is not None and not 0.0 <= mask_threshold <= 1.0:
        raise ValueError(f"mask_threshold must be in [0, 1] or None, got {mask_threshold}")
    if getattr(model.roi_heads, "mask_predictor", None) is None or not model.roi_heads.has_keypoint():
        raise ValueError("model must have both a mask and a keypoint branch (build it with build_detector)")
    dev = torch.device(device) if device is not None else _model_device(model)
    model.to(dev)
    feat_dev = torch.device(features_device) if features_device is not None else dev
    amp_dtype = torch.float16 if dev.type == "cuda" else torch.bfloat16
    height, width = (int(s) for s in items[0].shape[-2:])

    was_training = model.training
    model.eval()
    instances: list[FrameInstances] = []
    maps: dict[str, list[Tensor]] = {k: [] for k in FPN_LEVELS}
    geometry: tuple[tuple[int, int], tuple[int, int]] | None = None
    try:
        with torch.inference_mode(), torch.autocast(dev.type, dtype=amp_dtype, enabled=amp):
            for start in range(0, len(items), batch_size):
                batch = [f.to(dev, non_blocking=True).float().div_(255.0) for f in items[start : start + batch_size]]
                original_sizes = [(height, width)] * len(batch)
                image_list, _ = model.transform(batch)
                features = model.backbone(image_list.tensors)
                if isinstance(features, Tensor):
                    features = OrderedDict([("0", features)])
                missing = [k for k in FPN_LEVELS if k not in features]
                if missing:
                    raise ValueError(f"the model's backbone gives no FPN level(s) {missing}: expected '0'..'3' (P2..P5)")
                proposals, _ = model.rpn(image_list, features)
                dets, _ = model.roi_heads(features, proposals, image_list.image_sizes)
                dets = model.transform.postprocess(dets, image_list.image_sizes, original_sizes)
                for d in dets:
                    masks = d["masks"][:, 0].float()
                    masks = masks >= mask_threshold if mask_threshold is not None else masks
                    instances.append(
                        FrameInstances(
                            boxes=d["boxes"].float(),
                            scores=d["scores"].float(),
                            masks=masks,
                            keypoints=d["keypoints"].float(),
                            keypoint_scores=d["keypoints_scores"].float(),
                        )
                    )
                if geometry is None:
                    geometry = (tuple(int(s) for s in image_list.image_sizes[0]), tuple(int(s) for s in image_list.tensors.shape[-2:]))  # type: ignore[assignment]
                if return_features:
                    for k in FPN_LEVELS:
                        maps[k].append(features[k].to(feat_dev))
    finally:
        model.train(was_training)

    pyramid = None
    if return_features and geometry is not None:
        (h, w), padded = geometry
        sx = float(torch.tensor(w, dtype=torch.float32) / torch.tensor(width, dtype=torch.float32))
        sy = float(torch.tensor(h, dtype=torch.float32) / torch.tensor(height, dtype=torch.float32))
        pyramid = FeaturePyramid(
            maps={k: torch.cat(v, 0) if len(v) > 1 else v[0] for k, v in maps.items()},
            strides=dict(FPN_STRIDES),
            scale=(sx, sy),
            original_size=(height, width),
            image_size=(h, w),
            padded_size=padded,  # type: ignore[arg-type]
        )
    return Detections(instances=instances, features=pyramid)


# --------------------------------------------------------------------------- synthetic data


def _split_clips(manifest: dict, split: str, protocol: str) -> list[dict]:
    """The manifest's clips of ``split`` under ``protocol``, split by the benchmark's own
    :class:`~hiar_lib.data.datasets.Protocol` (the one ``hiar index`` and extraction use)."""
    from hiar_lib.synth.benchmark import synthetic_protocols

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
        from hiar_lib.synth import load_annotation, load_manifest

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


def _hflip(image: Tensor, target: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
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


def _zoom_stretch(
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


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainConfig:
    """Settings of :func:`train_detector` (all of them enter the cache key).

    Attributes:
        minutes: wall-clock budget of the optimisation loop (data loading excluded);
            ``None`` to stop on ``iterations`` only. With a time budget the number of
            iterations, hence the result, depends on the machine's speed.
        iterations: at most this many iterations (``None``: time budget only).
        batch_size: frames per iteration.
        lr: peak learning rate of AdamW.
        weight_decay: AdamW weight decay.
        warmup_iterations: linear warm-up from ``lr / 20``.
        final_lr_fraction: the cosine schedule ends at ``lr * final_lr_fraction``; its
            progress is the larger of the fractions of iterations and of time spent.
        grad_clip: gradient norm clip.
        hflip: random horizontal flips (left/right keypoints swapped).
        color_jitter: random channel permutation and per-channel gain (test subjects
            wear colours not seen in training).
        zoom: range of a random zoom (then a crop or pad back to the frame size);
            ``(1, 1)`` disables it together with ``stretch``.
        stretch: range of a random width/height stretch ratio: other body proportions
            (the cross-subject test split has people of unseen builds).
        augment_prob: probability of the zoom/stretch per frame.
        protocol: ``"cs"`` or ``"cv"``; the detector trains on its train split.
        split: ``"train"`` (of ``protocol``), or ``"all"`` for a benchmark generated only
            to train the detector (another seed, hence other people: like the paper's
            COCO-trained detector, it has never seen the evaluation benchmark's people).
        frame_stride: train on every ``frame_stride``-th frame.
        seed: seeds torch and the frame sampler.
        amp: train under ``torch.autocast`` in ``bfloat16`` (losses and weights stay
            ``float32``); ``None`` turns it on where bfloat16 is fast: a CPU with AMX or
            AVX-512 BF16 (about 1.6x faster per iteration than float32 there) or a CUDA
            GPU that supports it.
        input_scale: the model upsamples frames by this factor: left at their defaults,
            ``model.min_size``/``max_size`` become the benchmark's frame size times
            ``input_scale`` (the quick profile's people are about 60 px tall; larger
            feature maps make their keypoints more precise at little cost).
        model: the architecture.
    """

    minutes: float | None = 15.0
    iterations: int | None = None
    batch_size: int = 4
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_iterations: int = 50
    final_lr_fraction: float = 0.02
    grad_clip: float = 10.0
    hflip: bool = True
    color_jitter: bool = True
    zoom: tuple[float, float] = (0.9, 1.15)
    stretch: tuple[float, float] = (0.9, 1.12)
    augment_prob: float = 0.5
    protocol: str = "cs"
    split: str = "train"
    frame_stride: int = 1
    seed: int = 0
    amp: bool | None = None
    input_scale: float = 1.5
    model: SyntheticDetectorConfig = field(default_factory=SyntheticDetectorConfig)

    def __post_init__(self) -> None:
        if self.minutes is None and self.iterations is None:
            raise ValueError("give a time budget (minutes) or an iteration count, or both")
        if self.minutes is not None and self.minutes <= 0:
            raise ValueError(f"minutes must be positive, got {self.minutes}")
        if self.iterations is not None and self.iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {self.iterations}")
        if self.batch_size < 1 or self.lr <= 0:
            raise ValueError("batch_size must be >= 1 and lr > 0")
        if not 0.25 <= self.input_scale <= 4.0:
            raise ValueError(f"input_scale must be in [0.25, 4], got {self.input_scale}")
        for name in ("zoom", "stretch"):
            lo, hi = (float(v) for v in getattr(self, name))
            if not 0.0 < lo <= hi:
                raise ValueError(f"{name} must be a range (low, high) with 0 < low <= high, got {getattr(self, name)}")
            object.__setattr__(self, name, (lo, hi))
        if self.split not in ("train", "all"):
            raise ValueError(f"split must be 'train' or 'all', got {self.split!r}")
        if not 0.0 <= self.augment_prob <= 1.0:
            raise ValueError(f"augment_prob must be in [0, 1], got {self.augment_prob}")

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self) if f.name != "model"}
        d["model"] = self.model.to_dict()
        return d


def default_cache_dir() -> Path:
    """Where trained detectors are cached: ``$HIAR_CACHE_DIR``, else ``cache/`` of the
    repository checkout holding this package, else ``~/.cache/hiar``."""
    env = os.environ.get("HIAR_CACHE_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[1]
    if (repo / "pyproject.toml").is_file():
        return repo / "cache"
    return Path.home() / ".cache" / "hiar"


def _benchmark_identity(root: Path) -> dict[str, Any]:
    from hiar_lib.synth import load_manifest

    m = load_manifest(root)
    digest = hashlib.sha256(json.dumps(m.get("clips", []), sort_keys=True).encode()).hexdigest()[:16]
    return {
        "profile": m.get("profile"),
        "seed": m.get("seed"),
        "config": m.get("config"),
        "width": m.get("width"),
        "height": m.get("height"),
        "clips_sha256": digest,
    }


def _cache_key(cfg: TrainConfig, bench: dict[str, Any]) -> str:
    payload = {"format": _CHECKPOINT_FORMAT, "version": _CHECKPOINT_VERSION, "train": cfg.to_dict(), "benchmark": bench}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _lr_factor(it: int, progress: float, cfg: TrainConfig) -> float:
    if it < cfg.warmup_iterations:
        return 0.05 + 0.95 * it / cfg.warmup_iterations
    p = min(max(progress, 0.0), 1.0)
    return cfg.final_lr_fraction + (1.0 - cfg.final_lr_fraction) * 0.5 * (1.0 + math.cos(math.pi * p))


def _fast_bf16(dev: torch.device) -> bool:
    """Whether bfloat16 autocast speeds up training on ``dev``."""
    if dev.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if dev.type != "cpu":
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags for f in ("amx_bf16", "avx512_bf16"))


def _color_jitter(image: Tensor, gen: torch.Generator) -> Tensor:
    perm = torch.randperm(3, generator=gen)
    gain = 0.8 + 0.4 * torch.rand(3, 1, 1, generator=gen)
    return (image[perm] * gain).clamp_(0.0, 1.0)


def train_detector(
    benchmark_root: str | os.PathLike,
    out_path: str | os.PathLike | None = None,
    *,
    minutes: float | None = 15.0,
    iterations: int | None = None,
    batch_size: int = 4,
    lr: float = 1e-3,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: bool = True,
    cache_dir: str | os.PathLike | None = None,
    config: TrainConfig | None = None,
    force: bool = False,
) -> Path:
    """Train the ``synthetic`` detector on a benchmark's training split, cached.

    The result is cached as ``cache_dir/detectors/synthetic-<key>.pt`` where ``key``
    hashes the training config (:class:`TrainConfig`, architecture included) and the
    benchmark's identity (profile, seed, config, clip list): a second call with the same
    config returns the cached file without training. The checkpoint holds the loss
    curve, iterations, wall time and the config (``read_checkpoint(path)["training"]``).

    Args:
        benchmark_root: a synthetic benchmark (manifest, videos, annotations).
        out_path: also copy the checkpoint here (atomically); returned instead of the
            cache path.
        minutes, iterations, batch_size, lr, seed: the main :class:`TrainConfig`
            fields (ignored when ``config`` is given).
        device: where to train.
        progress: show tqdm progress bars (decoding, then training time with the loss).
        cache_dir: default :func:`default_cache_dir`.
        config: the full training config; overrides the keyword arguments above.
        force: train even if a cached checkpoint exists.

    Returns:
        The checkpoint path; load it with ``build_detector("synthetic", weights=path)``.
    """
    from tqdm.auto import tqdm

    root = Path(benchmark_root)
    cfg = config or TrainConfig(minutes=minutes, iterations=iterations, batch_size=batch_size, lr=lr, seed=seed)
    bench = _benchmark_identity(root)
    default_model = SyntheticDetectorConfig()
    if (cfg.model.min_size, cfg.model.max_size) == (default_model.min_size, default_model.max_size):
        w, h = int(bench["width"]), int(bench["height"])
        lo, hi = round(min(w, h) * cfg.input_scale), round(max(w, h) * cfg.input_scale)
        cfg = replace(cfg, model=replace(cfg.model, min_size=lo, max_size=hi))
    key = _cache_key(cfg, bench)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cached = cache / "detectors" / f"synthetic-{key}.pt"

    if force or not _valid_cached(cached, key):
        _train(root, cfg, key, bench, cached, torch.device(device), progress, tqdm)
    if out_path is None:
        return cached
    return atomic_write(out_path, lambda tmp: shutil.copyfile(cached, tmp))


def _valid_cached(path: Path, key: str) -> bool:
    if not path.is_file():
        return False
    try:
        return read_checkpoint(path).get("training", {}).get("cache_key") == key
    except WeightsError:
        return False


def _train(root, cfg: TrainConfig, key: str, bench: dict, out: Path, dev: torch.device, progress: bool, tqdm) -> None:
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    data = SyntheticDetectionFrames(root, cfg.split, cfg.protocol, cfg.frame_stride, progress=progress)
    model = build_detector("synthetic", random_init=True, config=cfg.model, device=dev)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    try:  # the fused kernel saves ~10% of an iteration on CPU
        opt = torch.optim.AdamW(groups, lr=cfg.lr, fused=dev.type in ("cpu", "cuda"))
    except (RuntimeError, TypeError, ValueError):
        opt = torch.optim.AdamW(groups, lr=cfg.lr)
    use_amp = _fast_bf16(dev) if cfg.amp is None else bool(cfg.amp)
    budget_s = cfg.minutes * 60.0 if cfg.minutes is not None else math.inf
    max_it = cfg.iterations if cfg.iterations is not None else 10**12
    curve: list[dict[str, float]] = []
    running: dict[str, float] = {}
    order = torch.randperm(len(data), generator=gen)
    cursor, it, seen = 0, 0, 0
    bar = tqdm(
        total=cfg.iterations if cfg.minutes is None else int(round(budget_s)),
        unit="it" if cfg.minutes is None else "s",
        desc="train detector",
        disable=not progress,
    )
    start = time.perf_counter()
    last_bar = start
    nonfinite, skipped_steps = 0, 0
    try:
        while it < max_it:
            elapsed = time.perf_counter() - start
            if elapsed >= budget_s:
                break
            progress_frac = max(it / max_it if cfg.iterations else 0.0, elapsed / budget_s if cfg.minutes else 0.0)
            for g in opt.param_groups:
                g["lr"] = cfg.lr * _lr_factor(it, progress_frac, cfg)
            images, targets = [], []
            for _ in range(cfg.batch_size):
                if cursor >= len(order):
                    order, cursor = torch.randperm(len(data), generator=gen), 0
                img, tgt = data[int(order[cursor])]
                cursor += 1
                img = img.float().div_(255.0)
                if cfg.augment_prob > 0 and (cfg.zoom != (1.0, 1.0) or cfg.stretch != (1.0, 1.0)):
                    if torch.rand((), generator=gen) < cfg.augment_prob:
                        img, tgt = _zoom_stretch(img, tgt, gen, cfg.zoom, cfg.stretch)
                if cfg.hflip and torch.rand((), generator=gen) < 0.5:
                    img, tgt = _hflip(img, tgt)
                if cfg.color_jitter:
                    img = _color_jitter(img, gen)
                images.append(img.to(dev))
                targets.append({k: tgt[k].to(dev) for k in ("boxes", "labels", "keypoints", "masks")})
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=use_amp):
                losses = model(images, targets)
            losses = {k: v.float() for k, v in losses.items()}
            loss = sum(losses.values())
            if not torch.isfinite(loss):
                # A rare non-finite batch (one bad sample under bfloat16) is skipped; a run of
                # them means the optimisation itself diverged.
                nonfinite += 1
                skipped_steps += 1
                if nonfinite >= MAX_NONFINITE_STEPS:
                    raise RuntimeError(
                        f"detector training diverged at iteration {it}: {nonfinite} non-finite losses in a row "
                        f"({ {k: float(v) for k, v in losses.items()} }); lower lr"
                    )
                continue
            nonfinite = 0
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            it += 1
            seen += len(images)
            for k, v in losses.items():
                x = float(v.detach())
                running[k] = 0.9 * running.get(k, x) + 0.1 * x
            now = time.perf_counter()
            if it % 25 == 0 or it == 1:
                curve.append({"iteration": it, "time_s": round(now - start, 2), "loss": round(sum(running.values()), 4),
                              **{k: round(v, 4) for k, v in running.items()}})  # fmt: skip
            if cfg.minutes is None:
                bar.update(1)
            elif now - last_bar >= 1.0:
                bar.update(min(int(now - start) - bar.n, bar.total - bar.n))
                last_bar = now
            if it % 5 == 0:
                bar.set_postfix(it=it, loss=f"{sum(running.values()):.3f}", lr=f"{opt.param_groups[0]['lr']:.1e}")
    finally:
        bar.close()
    wall = time.perf_counter() - start
    if not curve or curve[-1]["iteration"] != it:
        curve.append({"iteration": it, "time_s": round(wall, 2), "loss": round(sum(running.values()), 4),
                      **{k: round(v, 4) for k, v in running.items()}})  # fmt: skip
    model.eval()
    training = {
        "cache_key": key,
        "config": cfg.to_dict(),
        "benchmark": bench,
        "benchmark_root": str(root),
        "train_frames": len(data),
        "iterations": it,
        "images_seen": seen,
        "skipped_nonfinite_steps": skipped_steps,
        "wall_time_s": round(wall, 2),
        "device": str(dev),
        "amp_bfloat16": use_amp,
        "torch": str(torch.__version__),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "curve": curve,
    }
    model.detector_info = replace(model.detector_info, training=training)
    save_detector(model, out, training)


# --------------------------------------------------------------------------- evaluation


def _coco_gt(data: SyntheticDetectionFrames) -> dict[str, Any]:
    from pycocotools import mask as mask_utils

    images, annotations = [], []
    for i in range(len(data)):
        _, tgt = data[i]
        images.append({"id": i + 1, "width": data.width, "height": data.height, "file_name": data.frame_name(i)})
        rles = mask_utils.encode(np.asfortranarray(tgt["masks"].numpy().transpose(1, 2, 0)))
        for j in range(len(tgt["boxes"])):
            x1, y1, x2, y2 = (float(v) for v in tgt["boxes"][j])
            kp = tgt["keypoints"][j].clone()
            kp[kp[:, 2] == 0, :2] = 0.0  # COCO writes unlabelled joints as 0, 0, 0
            rle = rles[j]
            rle["counts"] = rle["counts"].decode("ascii")
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": 1,
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": float(tgt["area"][j]),
                    "iscrowd": 0,
                    "segmentation": rle,
                    "keypoints": [float(v) for v in kp.flatten()],
                    "num_keypoints": int((kp[:, 2] > 0).sum()),
                }
            )
    category = {"id": 1, "name": "person", "supercategory": "person", "keypoints": list(KEYPOINT_NAMES),
                "skeleton": [[a + 1, b + 1] for a, b in COCO_PERSON_SKELETON]}  # fmt: skip
    return {"images": images, "annotations": annotations, "categories": [category]}


def _coco_dt(dets: list[FrameInstances]) -> list[dict[str, Any]]:
    from pycocotools import mask as mask_utils

    out = []
    for i, inst in enumerate(dets):
        inst = inst.to("cpu")
        if len(inst) == 0:
            continue
        masks = inst.masks if inst.masks.dtype == torch.bool else inst.masks >= 0.5
        rles = mask_utils.encode(np.asfortranarray(masks.numpy().astype(np.uint8).transpose(1, 2, 0)))
        for j in range(len(inst)):
            x1, y1, x2, y2 = (float(v) for v in inst.boxes[j])
            rle = rles[j]
            rle["counts"] = rle["counts"].decode("ascii")
            kp = inst.keypoints[j].clone()
            kp[:, 2] = 1.0
            out.append(
                {
                    "image_id": i + 1,
                    "category_id": 1,
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "score": float(inst.scores[j]),
                    "segmentation": rle,
                    "keypoints": [float(v) for v in kp.flatten()],
                }
            )
    return out


_STAT_NAMES = ("AP", "AP50", "AP75")


def evaluate_detector(
    model: KeypointRCNN,
    benchmark_root: str | os.PathLike,
    split: str = "test",
    *,
    protocol: str = "cs",
    frame_stride: int = 4,
    batch_size: int = 8,
    device: str | torch.device | None = None,
    score_thresh: float | None = 0.05,
    max_clips: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """COCO-style AP of a detector on a synthetic benchmark split (pycocotools).

    Ground truth: every person present in a frame (actors and distractors), box = mask
    extent, area = mask pixels, keypoints with visibility (joints outside the frame are
    unlabelled). Keypoint AP uses OKS with COCO's person sigmas
    (:data:`COCO_KEYPOINT_SIGMAS`, pycocotools' default) and the mask area as scale.

    Args:
        model: from :func:`build_detector`.
        benchmark_root: the benchmark.
        split: ``"test"`` (the validation split: cross-subject test by default) or
            ``"train"``.
        protocol: ``"cs"`` or ``"cv"``.
        frame_stride: evaluate every ``frame_stride``-th frame of each clip (adjacent
            frames are nearly identical; 4 keeps a quarter).
        batch_size, device: as in :func:`detect_frames`.
        score_thresh: score threshold during evaluation (AP needs the low-scoring
            detections too; COCO practice is 0.05); ``None`` keeps the model's own. The
            model's threshold is restored afterwards.
        max_clips: evaluate only the first clips of the split (tests).
        progress: show a progress bar.

    Returns:
        ``{"box_AP", "box_AP50", "box_AP75", "mask_AP", "mask_AP50", "mask_AP75",
        "keypoint_AP", "keypoint_AP50", "keypoint_AP75"}`` as fractions in ``[0, 1]``,
        plus ``images``, ``instances`` (ground truth), ``detections``, ``split``,
        ``protocol``, ``frame_stride`` and ``wall_time_s``.
    """
    from tqdm.auto import tqdm

    start = time.perf_counter()
    data = SyntheticDetectionFrames(benchmark_root, split, protocol, frame_stride, max_clips=max_clips, progress=progress)
    old = model.roi_heads.score_thresh
    if score_thresh is not None:
        model.roi_heads.score_thresh = score_thresh
    dets: list[FrameInstances] = []
    try:
        step = max(batch_size, 1) * 8
        for s in tqdm(range(0, len(data), step), desc="evaluate detector", unit="chunk", disable=not progress):
            frames = [data[i][0] for i in range(s, min(s + step, len(data)))]
            out = detect_frames(model, frames, batch_size=batch_size, device=device, return_features=False)
            dets.extend(x.to("cpu") for x in out.instances)
    finally:
        model.roi_heads.score_thresh = old

    results = score_detections(data, dets)
    results.update(
        images=len(data),
        split=split,
        protocol=protocol,
        frame_stride=frame_stride,
        wall_time_s=round(time.perf_counter() - start, 2),
    )
    return results


def score_detections(data: SyntheticDetectionFrames, dets: Sequence[FrameInstances]) -> dict[str, Any]:
    """COCO AP (pycocotools) of per-frame detections against a benchmark split's ground truth.

    Args:
        data: the frames and their people (:class:`SyntheticDetectionFrames`).
        dets: one :class:`FrameInstances` per item of ``data``, in order.

    Returns:
        ``{"box_AP", "box_AP50", "box_AP75", "mask_AP", ..., "keypoint_AP75"}`` as
        fractions in ``[0, 1]`` (0 where there is no detection), ``instances`` (ground
        truth) and ``detections``.

    Raises:
        ValueError: ``dets`` and ``data`` differ in length.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if len(dets) != len(data):
        raise ValueError(f"{len(dets)} frames of detections for {len(data)} frames of ground truth")
    gt_dict = _coco_gt(data)
    dt_list = _coco_dt(list(dets))
    results: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = copy.deepcopy(gt_dict)
        gt.createIndex()
        for iou_type, name in (("bbox", "box"), ("segm", "mask"), ("keypoints", "keypoint")):
            if not dt_list:
                results.update({f"{name}_{s}": 0.0 for s in _STAT_NAMES})
                continue
            dt = gt.loadRes(copy.deepcopy(dt_list))
            ev = COCOeval(gt, dt, iou_type)
            if iou_type == "keypoints":
                ev.params.kpt_oks_sigmas = np.array(COCO_KEYPOINT_SIGMAS)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            results.update({f"{name}_{s}": max(float(ev.stats[k]), 0.0) for k, s in enumerate(_STAT_NAMES)})
    results.update(instances=len(gt_dict["annotations"]), detections=len(dt_list))
    return results
