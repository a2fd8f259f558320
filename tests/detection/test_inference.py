"""hiar_lib.detection.inference: detect_frames against torchvision's own forward, its
output shapes and its input checks."""

from __future__ import annotations

import pytest
import torch

from hiar_lib.detection.build import build_detector
from hiar_lib.detection.inference import detect_frames
from hiar_lib.detection.outputs import Detections
from hiar_lib.vocabulary import KEYPOINT_NAMES


def test_detections_equal_torchvision_forward(real_frames):
    torch.manual_seed(1)
    model = build_detector("synthetic", random_init=True, score_thresh=0.0, min_size=96, max_size=200)
    dets = detect_frames(model, real_frames, batch_size=2, mask_threshold=None)
    with torch.inference_mode():
        ref = model([f.float() / 255 for f in real_frames])
    for got, want in zip(dets.instances, ref):
        assert len(got) == len(want["boxes"]) > 0
        assert torch.allclose(got.boxes, want["boxes"])
        assert torch.allclose(got.keypoints, want["keypoints"])
        assert torch.allclose(got.masks, want["masks"][:, 0])
        assert got.boxes[:, 2].max() <= 426 and got.boxes[:, 3].max() <= 240  # original pixels


def test_outputs_have_documented_shapes_and_types_for_a_batch():
    torch.manual_seed(0)
    model = build_detector("synthetic", random_init=True, score_thresh=0.0, min_size=64, max_size=96)
    frames = torch.randint(0, 256, (5, 3, 60, 90), dtype=torch.uint8)
    dets = detect_frames(model, frames, batch_size=2)
    assert isinstance(dets, Detections) and len(dets) == 5
    assert any(len(x) > 0 for x in dets.instances)
    for inst in dets.instances:
        n = len(inst)
        assert inst.boxes.shape == (n, 4) and inst.boxes.dtype == torch.float32
        assert inst.scores.shape == (n,)
        assert inst.masks.shape == (n, 60, 90) and inst.masks.dtype == torch.bool
        assert inst.keypoints.shape == (n, len(KEYPOINT_NAMES), 3)
        assert inst.keypoint_scores.shape == (n, 17)
    feats = dets.features
    assert feats.num_frames == 5  # three batches gathered
    assert feats.maps["0"].shape[:2] == (5, feats.channels)
    assert feats.original_size == (60, 90)
    assert not model.training


def test_no_detection_gives_empty_tensors_of_the_right_shapes():
    model = build_detector("synthetic", random_init=True, score_thresh=1.0, min_size=64, max_size=96)
    frames = [torch.zeros(3, 48, 64, dtype=torch.uint8)]
    inst = detect_frames(model, frames, mask_threshold=None, return_features=False)[0]
    assert len(inst) == 0
    assert inst.boxes.shape == (0, 4) and inst.scores.shape == (0,)
    assert inst.masks.shape == (0, 48, 64) and inst.masks.dtype == torch.float32
    assert inst.keypoints.shape == (0, 17, 3) and inst.keypoint_scores.shape == (0, 17)


@pytest.fixture(scope="module")
def tiny_model():
    return build_detector("synthetic", random_init=True, min_size=64, max_size=96)


@pytest.mark.parametrize(
    ("frames", "error", "match"),
    [
        ([], ValueError, "no frames"),
        (torch.zeros(0, 3, 32, 32, dtype=torch.uint8), ValueError, "no frames"),
        (torch.zeros(3, 32, 32, dtype=torch.uint8), ValueError, r"\(T, 3, H, W\)"),
        (torch.zeros(2, 1, 32, 32, dtype=torch.uint8), ValueError, r"\(T, 3, H, W\)"),
        (torch.zeros(2, 3, 32, 32), TypeError, "uint8"),
        ([torch.zeros(3, 32, 32, dtype=torch.uint8), torch.zeros(3, 40, 32, dtype=torch.uint8)], ValueError, "one size"),
        ([torch.zeros(32, 32, dtype=torch.uint8)], ValueError, r"\(3, H, W\)"),
        ("frames.mp4", TypeError, "uint8 tensor"),
    ],
    ids=["empty-list", "empty-tensor", "rank-3", "one-channel", "float", "mixed-sizes", "list-rank-2", "string"],
)
def test_bad_frames_are_rejected_clearly(tiny_model, frames, error, match):
    with pytest.raises(error, match=match):
        detect_frames(tiny_model, frames)
