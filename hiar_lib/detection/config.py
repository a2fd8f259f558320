"""What a detector is: its presets, the synthetic preset's architecture, and the record
attached to every built model."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

__all__ = ["PRESETS", "DetectorInfo", "Preset", "SyntheticDetectorConfig"]

Preset = Literal["paper", "synthetic"]
PRESETS: tuple[str, ...] = ("paper", "synthetic")
"""The presets :func:`~hiar_lib.detection.build.build_detector` knows."""


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
            :attr:`hiar_lib.detection.train.DetectorTrainConfig.input_scale`); outputs
            are in input pixels regardless.
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
    """What a model from :func:`~hiar_lib.detection.build.build_detector` is; attached
    as ``model.detector_info``.

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
