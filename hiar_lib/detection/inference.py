"""Running the detector on frames: people per frame plus the FPN maps of the same pass.

:func:`detect_frames` runs the model's own parts in order, ``transform -> backbone ->
rpn -> roi_heads -> transform.postprocess``, so that the FPN maps it returns are those
of the very backbone pass that produced the boxes. Coordinates: see
:mod:`hiar_lib.detection.outputs`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torchvision.models.detection import KeypointRCNN

from hiar_lib.detection.outputs import Detections, FeaturePyramid, FrameInstances
from hiar_lib.vocabulary import FPN_LEVELS, FPN_STRIDES

__all__ = ["detect_frames"]


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
        model: from :func:`~hiar_lib.detection.build.build_detector` (any torchvision
            Keypoint R-CNN whose ``roi_heads`` has a mask branch and whose backbone
            returns FPN levels ``"0"``..``"3"``). It is switched to eval mode for the
            call and back after.
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
