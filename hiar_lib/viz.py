"""Drawing detections: boxes, masks and keypoints over frames, and frame grids.

Built on ``torchvision.utils.draw_bounding_boxes`` and
``draw_keypoints``; every function takes and returns ``uint8 (3, H, W)`` RGB tensors, so a
notebook can show the result with ``matplotlib.pyplot.imshow(img.permute(1, 2, 0))`` or
save it with :func:`save_png`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor
from torchvision.io import write_png
from torchvision.utils import draw_bounding_boxes, draw_keypoints, make_grid

from hiar_lib.detection.outputs import Detections, FrameInstances
from hiar_lib.vocabulary import COCO_PERSON_SKELETON

__all__ = ["PALETTE", "blend_masks", "detection_grid", "draw_instances", "draw_people", "enlarge", "save_png", "track_color"]

Color = tuple[int, int, int]

PALETTE: tuple[Color, ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
)  # fmt: skip
"""Instance colours (RGB), used in turn."""


def _check_image(image: Tensor) -> None:
    if not isinstance(image, Tensor) or image.ndim != 3 or image.shape[0] != 3 or image.dtype != torch.uint8:
        got = f"{tuple(image.shape)} {image.dtype}" if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f"image must be a uint8 tensor (3, H, W), got {got}")


def draw_instances(
    image: Tensor,
    instances: FrameInstances,
    *,
    score_thresh: float = 0.0,
    boxes: bool = True,
    masks: bool = True,
    keypoints: bool = True,
    keypoint_score_thresh: float | None = None,
    colors: Sequence[Color] | None = None,
    labels: bool = True,
    texts: Sequence[str] | None = None,
    mask_alpha: float = 0.45,
    line_width: int = 2,
    radius: int = 2,
) -> Tensor:
    """Draw one frame's people: mask overlays, then boxes (with scores), then skeletons.

    Args:
        image: ``uint8 (3, H, W)`` RGB, the frame the instances were detected in.
        instances: its :class:`~hiar_lib.detection.outputs.FrameInstances` (original pixels).
        score_thresh: draw only people scoring at least this.
        boxes, masks, keypoints: which parts to draw.
        keypoint_score_thresh: hide joints whose keypoint score (heatmap logit) is
            below this, with their limbs; ``None`` draws every joint.
        colors: one RGB colour per instance (default :data:`PALETTE` in turn).
        labels: write the score above each box.
        texts: write these at the top of the boxes instead of the scores, one per instance (of
            those kept by ``score_thresh``).
        mask_alpha: mask opacity in ``[0, 1]``.
        line_width, radius: box/limb width and joint radius, pixels.

    Returns:
        A new ``uint8 (3, H, W)`` image.
    """
    _check_image(image)
    inst = instances.to("cpu")
    if inst.masks.numel() and tuple(inst.masks.shape[-2:]) != tuple(image.shape[-2:]):
        raise ValueError(
            f"instances are for a {inst.masks.shape[-1]}x{inst.masks.shape[-2]} frame, "
            f"the image is {image.shape[-1]}x{image.shape[-2]}"
        )
    keep = inst.scores >= score_thresh
    if texts is not None:
        if len(texts) != len(inst):
            raise ValueError(f"need a text per instance: {len(inst)} instances, {len(texts)} texts")
        texts = [t for t, k in zip(texts, keep.tolist()) if k]
    inst = inst.select(keep)
    out = image.cpu().clone()
    n = len(inst)
    if n == 0:
        return out
    palette = list(colors) if colors is not None else [PALETTE[i % len(PALETTE)] for i in range(n)]
    if len(palette) < n:
        raise ValueError(f"need a colour per instance: {n} instances, {len(palette)} colours")
    palette = palette[:n]
    if masks:
        m = inst.masks if inst.masks.dtype == torch.bool else inst.masks >= 0.5
        out = blend_masks(out, m, palette, mask_alpha)
    if boxes:
        text = list(texts) if texts is not None else [f"{float(s):.2f}" for s in inst.scores] if labels else None
        out = draw_bounding_boxes(out, inst.boxes, labels=text, colors=palette, width=line_width)
    if keypoints:
        for j in range(n):
            vis = None
            if keypoint_score_thresh is not None:
                vis = (inst.keypoint_scores[j] >= keypoint_score_thresh)[None]
            out = draw_keypoints(
                out,
                inst.keypoints[j : j + 1, :, :2],
                connectivity=list(COCO_PERSON_SKELETON),
                colors=palette[j],
                radius=radius,
                width=max(line_width - 1, 1),
                visibility=vis,
            )
    return out


def blend_masks(image: Tensor, masks: Tensor, colors: Sequence[Color], alpha: float = 0.45) -> Tensor:
    """``torchvision.utils.draw_segmentation_masks`` in one pass over the image instead of
    one per mask, pixel for pixel the same: each mask's pixels blended with its colour
    (``image * (1 - alpha) + colour * alpha``), pixels under two or more masks blended
    with black.

    Args:
        image: ``uint8 (3, H, W)``.
        masks: ``bool (N, H, W)``.
        colors: ``N`` RGB colours.

    Returns:
        A new ``uint8 (3, H, W)`` image.
    """
    if masks.ndim != 3 or masks.shape[-2:] != image.shape[-2:] or masks.dtype != torch.bool:
        raise ValueError(f"masks must be bool (N, {image.shape[-2]}, {image.shape[-1]}), got {masks.dtype} {tuple(masks.shape)}")
    if len(masks) == 0:
        return image.clone()
    count = masks.sum(dim=0)
    first = masks.to(torch.uint8).argmax(dim=0)
    palette = torch.tensor([tuple(c) for c in colors[: len(masks)]], dtype=torch.uint8)
    draw = image.clone()
    alone = count == 1
    draw[:, alone] = palette[first[alone]].T
    draw[:, count > 1] = 0
    return (image * (1 - alpha) + draw * alpha).to(torch.uint8)


def enlarge(image: Tensor, instances: FrameInstances, factor: int) -> tuple[Tensor, FrameInstances]:
    """A frame and its people ``factor`` times larger (bilinear frame, nearest masks, boxes
    and joints scaled), so that labels stay legible over small frames.

    Returns:
        ``(uint8 (3, factor*H, factor*W), FrameInstances)``.
    """
    import torch.nn.functional as F

    _check_image(image)
    if factor == 1:
        return image, instances
    if factor < 1:
        raise ValueError(f"factor must be a positive integer, got {factor}")
    big = F.interpolate(image[None].float(), scale_factor=factor, mode="bilinear", align_corners=False)
    inst = instances.to("cpu")
    masks = inst.masks
    if masks.numel():
        masks = F.interpolate(masks[:, None].float(), scale_factor=factor, mode="nearest")[:, 0]
        masks = masks >= 0.5 if inst.masks.dtype == torch.bool else masks
    keypoints = inst.keypoints.clone()
    keypoints[..., :2] *= factor
    scaled = FrameInstances(boxes=inst.boxes * factor, scores=inst.scores, masks=masks, keypoints=keypoints,
                            keypoint_scores=inst.keypoint_scores)  # fmt: skip
    return big.round().clamp(0, 255).to(torch.uint8)[0], scaled


def track_color(track_id: int) -> Color:
    """A track's colour, the same in every frame and every drawing of it (untracked: grey)."""
    return PALETTE[int(track_id) % len(PALETTE)] if track_id >= 0 else (128, 128, 128)


def draw_people(
    image: Tensor,
    instances: FrameInstances,
    track_ids: Sequence[int],
    actions: dict[int, tuple[str, float]] | None = None,
    **draw_kwargs,
) -> Tensor:
    """One frame's people the way the paper's Figure 6 draws them: each person's mask,
    box and skeleton in their track's colour (:func:`track_color`), and at the top of the box the
    track id with the action predicted for that track and its probability
    (``#2 hugging 0.81``). Figure 6 of the suite draws with this, and ``hiar demo`` is to.

    Args:
        image: ``uint8 (3, H, W)`` RGB.
        instances: the frame's people (original pixels).
        track_ids: per instance, its track id (``Tracks.instance_track_ids(frame)``).
        actions: per track id, ``(action, probability)``; a track without one shows its id.
        **draw_kwargs: passed to :func:`draw_instances` (``boxes``, ``masks``,
            ``keypoints``, ``keypoint_score_thresh``, ``line_width``, ...).

    Returns:
        A new ``uint8 (3, H, W)`` image.
    """
    ids = [int(t) for t in track_ids]
    if len(ids) != len(instances):
        raise ValueError(f"need a track id per instance: {len(instances)} instances, {len(ids)} ids")
    actions = actions or {}
    texts = []
    for t in ids:
        text = f"#{t}" if t >= 0 else "untracked"
        if t in actions:
            name, p = actions[t]
            text += f" {name} {p:.2f}"
        texts.append(text)
    return draw_instances(image, instances, colors=[track_color(t) for t in ids], texts=texts, **draw_kwargs)


def detection_grid(
    frames: Tensor | Sequence[Tensor],
    detections: Detections | Sequence[FrameInstances],
    *,
    nrow: int = 4,
    padding: int = 2,
    **draw_kwargs,
) -> Tensor:
    """Draw every frame's people (:func:`draw_instances`) and tile the frames in a grid.

    Args:
        frames: ``uint8 (T, 3, H, W)`` or a list of ``(3, H, W)``.
        detections: :class:`~hiar_lib.detection.outputs.Detections` (or a list of
            :class:`~hiar_lib.detection.outputs.FrameInstances`) for the same ``T`` frames.
        nrow: frames per row.
        padding: pixels between frames.
        **draw_kwargs: passed to :func:`draw_instances`.

    Returns:
        ``uint8 (3, H', W')``.
    """
    items = list(frames.unbind(0)) if isinstance(frames, Tensor) else list(frames)
    dets = list(detections.instances) if isinstance(detections, Detections) else list(detections)
    if not items:
        raise ValueError("no frames to draw")
    if len(items) != len(dets):
        raise ValueError(f"{len(items)} frames but detections for {len(dets)} frames")
    drawn = [draw_instances(f, d, **draw_kwargs) for f, d in zip(items, dets)]
    return make_grid(torch.stack(drawn), nrow=nrow, padding=padding)


def save_png(image: Tensor, path: str | os.PathLike) -> Path:
    """Write a ``uint8 (3, H, W)`` image as PNG (parent folders created)."""
    _check_image(image)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_png(image.cpu(), str(out))
    return out
