"""Building the human detector: one torchvision Keypoint R-CNN with a Mask R-CNN mask
branch, for either preset (:func:`build_detector`).

Paper section 3.1: a ResNet-50-FPN backbone (eq. 1) and a human instance head network
(eq. 2) made of Mask R-CNN's box and mask heads and its keypoint head. Here that is one
torchvision :class:`~torchvision.models.detection.KeypointRCNN` whose ``roi_heads`` also
carries a Mask R-CNN mask branch (``mask_roi_pool``, ``mask_head``, ``mask_predictor``):
torchvision's :class:`~torchvision.models.detection.roi_heads.RoIHeads` runs the mask and
keypoint branches together when both are set. Two classes (background, person).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchvision.models import resnet
from torchvision.models.detection import KeypointRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool
from torchvision.ops.misc import FrozenBatchNorm2d

from hiar_lib.detection.config import PRESETS, DetectorInfo, Preset, SyntheticDetectorConfig
from hiar_lib.detection.weights import WeightsError, check_state_dict, load_paper_state_dict, read_checkpoint
from hiar_lib.vocabulary import FPN_LEVELS, NUM_KEYPOINTS

__all__ = ["build_detector"]

# ResNet stages C2..C5 feed FPN levels P2..P5 (torchvision's keys "0".."3").
_RETURN_LAYERS = dict(zip(("layer1", "layer2", "layer3", "layer4"), FPN_LEVELS))


def _paper_model(min_size: int, max_size: int, **kwargs: Any) -> KeypointRCNN:
    """ResNet-50-FPN Keypoint R-CNN (frozen BN, as torchvision's COCO model) + mask branch."""
    body = resnet.resnet50(weights=None, norm_layer=FrozenBatchNorm2d)
    backbone = BackboneWithFPN(
        body,
        return_layers=_RETURN_LAYERS,
        in_channels_list=[256, 512, 1024, 2048],
        out_channels=256,
        extra_blocks=LastLevelMaxPool(),
    )
    model = KeypointRCNN(
        backbone, num_classes=2, num_keypoints=NUM_KEYPOINTS, min_size=min_size, max_size=max_size, **kwargs
    )
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
        return_layers=_RETURN_LAYERS,
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
        keypoint_predictor=KeypointRCNNPredictor(cfg.keypoint_layers[-1], NUM_KEYPOINTS),
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
    seed: int | None = 0,
) -> KeypointRCNN:
    """Build the human detector of a preset, with its weights, in eval mode.

    The result is a plain torchvision :class:`~torchvision.models.detection.KeypointRCNN`
    whose ``roi_heads`` also has a mask branch: calling it on a list of float images
    ``(3, H, W)`` in ``[0, 1]`` gives torchvision's usual dicts (``boxes``, ``labels``,
    ``scores``, ``masks``, ``keypoints``, ``keypoints_scores``). Use
    :func:`~hiar_lib.detection.inference.detect_frames` to also get the FPN features.
    ``model.detector_info`` is a :class:`~hiar_lib.detection.config.DetectorInfo`.

    Args:
        preset: ``"paper"`` (ResNet-50-FPN, COCO weights) or ``"synthetic"`` (ResNet-18-FPN
            trained by :func:`~hiar_lib.detection.train.train_detector`).
        weights: where the weights are.

            - ``paper``: ``None`` for the torch hub cache
              (``torch.hub.get_dir()/checkpoints``, i.e. ``$TORCH_HOME/hub/checkpoints``),
              a folder holding torchvision's two files (names in
              :data:`~hiar_lib.detection.weights.PAPER_WEIGHTS` urls), a ``(keypoint_file, mask_file)`` pair, or one
              file with the state dict of this combined model (2-class mask predictor),
              e.g. written by :func:`~hiar_lib.detection.weights.save_detector`.
            - ``synthetic``: the checkpoint file written by
              :func:`~hiar_lib.detection.train.train_detector` or
              :func:`~hiar_lib.detection.weights.save_detector` (its architecture comes
              from the file).
        random_init: build without loading any weights (tests, FLOP counts, smoke runs).
        device: where the model goes.
        score_thresh: keep detections whose person score is at least this (paper: 0.5).
        nms_thresh: IoU of box NMS at inference.
        detections_per_img: at most this many people per frame.
        min_size, max_size: override the resize rule (pixels); defaults: paper 800 and
            1333 (torchvision's), synthetic from ``config`` or the checkpoint.
        config: architecture of a synthetic model built without a checkpoint.
        seed: with ``random_init``, the untrained weights are drawn from this seed (the
            same every run; torch's global random state is left as it was); ``None`` draws
            them from the global state (what the detector's own training does after
            seeding it).

    Raises:
        WeightsError: weights missing (the message names the files, the folder searched
            and how to get them), unreadable, or of the wrong keys or shapes.
        ValueError: an unknown preset or a bad argument.
    """
    if random_init and seed is not None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return build_detector(
                preset, weights=weights, random_init=True, device=device, score_thresh=score_thresh,
                nms_thresh=nms_thresh, detections_per_img=detections_per_img, min_size=min_size, max_size=max_size,
                config=config, seed=None,
            )  # fmt: skip
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
            check_state_dict(ckpt["state_dict"], model.state_dict(), ckpt_path, "the synthetic detector")
            model.load_state_dict(ckpt["state_dict"])
            files = (str(ckpt_path),)
        arch = cfg.to_dict()
    arch.update(score_thresh=score_thresh, nms_thresh=nms_thresh, detections_per_img=detections_per_img)
    model.detector_info = DetectorInfo(preset=preset, weights=files, config=arch, training=training)
    return model.to(device).eval()
