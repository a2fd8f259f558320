"""What a detector is: its presets, the synthetic preset's architecture and training
settings, and the record attached to every built model."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

__all__ = ["HOW_TO_TRAIN", "PRESETS", "DetectorInfo", "DetectorTrainConfig", "Preset", "SyntheticDetectorConfig"]

Preset = Literal["paper", "synthetic"]
PRESETS: tuple[str, ...] = ("paper", "synthetic")
"""The presets :func:`~hiar_lib.detection.build.build_detector` knows."""
HOW_TO_TRAIN = "`hiar synth --for-detector --out DIR`, then `hiar train-detector --data DIR --eval-data BENCHMARK`"
"""How a user trains a synthetic detector checkpoint: every message that asks for one says this."""


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
class DetectorTrainConfig:
    """Settings of :func:`train_detector` (all of them enter the cache key).

    Attributes:
        minutes: an optional wall-clock cap on the optimisation loop (data loading
            excluded); ``None`` (the profiles' choice) stops on ``iterations`` only. With a
            time cap the number of iterations, hence the result, depends on the machine's
            speed.
        iterations: at most this many iterations (``None``: time cap only). Each
            profile's count is in :mod:`hiar_lib.profiles`; one of the two is required.
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

    minutes: float | None = None
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
