"""COCO-style AP of the detector on a synthetic benchmark split (pycocotools): boxes,
masks and keypoints (:func:`evaluate_detector`, :func:`score_detections`), and what a
keypoint AP means at the benchmark's scale (:func:`keypoint_ap_under_noise`)."""

from __future__ import annotations

import contextlib
import copy
import io
import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torchvision.models.detection import KeypointRCNN

from hiar_lib.detection.dataset import SyntheticDetectionFrames
from hiar_lib.detection.inference import detect_frames
from hiar_lib.detection.outputs import FrameInstances
from hiar_lib.vocabulary import COCO_KEYPOINT_SIGMAS, COCO_PERSON_SKELETON, KEYPOINT_NAMES

__all__ = ["evaluate_detector", "keypoint_ap_under_noise", "score_detections"]


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
    (:data:`~hiar_lib.vocabulary.COCO_KEYPOINT_SIGMAS`, pycocotools' default) and the
    mask area as scale.

    Args:
        model: from :func:`~hiar_lib.detection.build.build_detector`.
        benchmark_root: the benchmark.
        split: ``"test"`` (the validation split: cross-subject test by default) or
            ``"train"``.
        protocol: ``"cs"`` or ``"cv"``.
        frame_stride: evaluate every ``frame_stride``-th frame of each clip (adjacent
            frames are nearly identical; 4 keeps a quarter).
        batch_size, device: as in :func:`~hiar_lib.detection.inference.detect_frames`.
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


def keypoint_ap_under_noise(
    benchmark_root: str | os.PathLike,
    noise_px: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0),
    split: str = "test",
    *,
    protocol: str = "cs",
    frame_stride: int = 4,
    seed: int = 0,
    max_clips: int | None = None,
) -> dict[str, Any]:
    """Keypoint AP of the ground truth itself with Gaussian noise added to every joint.

    A perfect detector (true boxes, masks and people) whose keypoints are off by
    ``N(0, sigma^2)`` pixels in x and in y: how precise keypoints must be for a given
    keypoint AP at the benchmark's scale (OKS divides the error by the person's size, so
    small people demand a few pixels).

    Args:
        benchmark_root, split, protocol, frame_stride, max_clips: the frames scored, as in
            :func:`evaluate_detector`.
        noise_px: standard deviations of the noise, pixels of the frame.
        seed: seeds the noise: one standard normal draw per joint, scaled by each
            ``sigma`` (so a row does not depend on the others).

    Returns:
        ``{"rows": [{"noise_px", "keypoint_AP", "keypoint_AP50", "keypoint_AP75"}, ...],
        "images", "instances", "median_box_height_px", "median_mask_area_px"}``.
    """
    data = SyntheticDetectionFrames(benchmark_root, split, protocol, frame_stride, max_clips=max_clips)
    targets = [data[i][1] for i in range(len(data))]
    gen = torch.Generator().manual_seed(seed)
    unit = [torch.randn(t["keypoints"][:, :, :2].shape, generator=gen) for t in targets]  # one draw, scaled per row
    rows = []
    for sigma in noise_px:
        dets = []
        for t, u in zip(targets, unit):
            n = len(t["boxes"])
            kp = t["keypoints"].clone()
            kp[:, :, :2] += float(sigma) * u
            dets.append(FrameInstances(boxes=t["boxes"], scores=torch.ones(n), masks=t["masks"].bool(), keypoints=kp,
                                       keypoint_scores=torch.ones(n, kp.shape[1])))  # fmt: skip
        r = score_detections(data, dets)
        rows.append({"noise_px": float(sigma), **{k: r[k] for k in ("keypoint_AP", "keypoint_AP50", "keypoint_AP75")}})
    heights = torch.cat([t["boxes"][:, 3] - t["boxes"][:, 1] for t in targets])
    areas = torch.cat([t["area"] for t in targets])
    return {
        "rows": rows,
        "images": len(data),
        "instances": int(heights.numel()),
        "median_box_height_px": float(heights.median()) if heights.numel() else 0.0,
        "median_mask_area_px": float(areas.median()) if areas.numel() else 0.0,
    }
