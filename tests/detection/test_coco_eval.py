"""hiar_lib.detection.coco_eval: COCO AP of known detections."""

from __future__ import annotations

import pytest
import torch

from hiar_lib.detection.coco_eval import keypoint_ap_under_noise, score_detections
from hiar_lib.detection.dataset import SyntheticDetectionFrames
from hiar_lib.detection.outputs import FrameInstances


def _ground_truth_as_detections(data, shift_iou=None):
    """Each frame's true people as detections (score 0.9); with ``shift_iou``, the boxes of
    frames whose people do not touch are moved right until their IoU with the truth is
    ``shift_iou`` (score 0.5). Returns (detections, shifted instances, all instances)."""
    from torchvision.ops import box_iou

    dets, shifted, total = [], 0, 0
    for i in range(len(data)):
        _, t = data[i]
        n = len(t["boxes"])
        boxes, scores = t["boxes"].clone(), torch.full((n,), 0.9)
        iou = box_iou(t["boxes"], t["boxes"]) - torch.eye(n)
        if shift_iou is not None and n and float(iou.max()) <= 0.0:
            w = boxes[:, 2] - boxes[:, 0]
            dx = w * (1 - shift_iou) / (1 + shift_iou)  # same height: IoU = (w - dx) / (w + dx)
            boxes[:, [0, 2]] += dx[:, None]
            scores[:] = 0.5
            shifted += n
        total += n
        dets.append(FrameInstances(boxes=boxes, scores=scores, masks=t["masks"].bool(), keypoints=t["keypoints"].clone(),
                                   keypoint_scores=torch.zeros(n, 17)))  # fmt: skip
    return dets, shifted, total


def test_ap_is_one_for_the_ground_truth_and_a_known_value_for_shifted_boxes(synthetic_tiny):
    data = SyntheticDetectionFrames(synthetic_tiny, "test", "cs", frame_stride=4, max_clips=6)
    exact, _, total = _ground_truth_as_detections(data)
    perfect = score_detections(data, exact)
    for key in ("box_AP", "box_AP50", "box_AP75", "mask_AP", "mask_AP50", "keypoint_AP", "keypoint_AP75"):
        assert perfect[key] == pytest.approx(1.0), key
    assert perfect["instances"] == perfect["detections"] == total
    # Boxes at IoU 0.625 match at the thresholds 0.50, 0.55, 0.60 and miss at 0.65..0.95; their
    # lower score puts them after the exact ones, so above 0.6 precision is 1 up to the exact
    # ones' recall R and nothing after: AP(t) = #{101-point recall levels <= R} / 101.
    dets, shifted, total = _ground_truth_as_detections(data, shift_iou=0.625)
    assert 0 < shifted < total
    recall = (total - shifted) / total
    a = sum(1 for k in range(101) if k / 100 <= recall + 1e-12) / 101
    got = score_detections(data, dets)
    assert got["box_AP50"] == pytest.approx(1.0) and got["box_AP75"] == pytest.approx(a)
    assert got["box_AP"] == pytest.approx((3 * 1.0 + 7 * a) / 10)
    assert got["mask_AP"] == pytest.approx(1.0) and got["keypoint_AP"] == pytest.approx(1.0)  # masks, joints untouched
    with pytest.raises(ValueError, match="frames of detections"):
        score_detections(data, exact[:-1])


def test_keypoint_ap_under_noise_is_one_without_noise_and_falls_as_the_noise_grows(synthetic_tiny):
    out = keypoint_ap_under_noise(synthetic_tiny, noise_px=(0.0, 1.0, 3.0, 12.0), frame_stride=8, max_clips=4)
    ap = [r["keypoint_AP"] for r in out["rows"]]
    assert [r["noise_px"] for r in out["rows"]] == [0.0, 1.0, 3.0, 12.0]
    assert ap[0] == pytest.approx(1.0) and 1.0 > ap[1] > ap[2] > ap[3] >= 0.0
    assert ap[3] < 0.05  # 12 px is most of a small person's limb: almost nothing matches at OKS >= 0.5
    assert out["instances"] > 0 and 10 < out["median_box_height_px"] < 144 and out["median_mask_area_px"] > 0
    again = keypoint_ap_under_noise(synthetic_tiny, noise_px=(1.0,), frame_stride=8, max_clips=4)
    assert again["rows"][0]["keypoint_AP"] == pytest.approx(ap[1])  # seeded
