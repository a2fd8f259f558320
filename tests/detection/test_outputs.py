"""hiar_lib.detection.outputs: where boxes land in the FPN levels, and the instance type."""

from __future__ import annotations

import math

import torch
from torchvision.ops import MultiScaleRoIAlign, roi_align

from hiar_lib.detection.build import build_detector
from hiar_lib.detection.inference import detect_frames
from hiar_lib.detection.outputs import FrameInstances, map_boxes_to_level
from hiar_lib.vocabulary import FPN_LEVELS, FPN_STRIDES


def test_boxes_map_into_each_level_where_torchvision_transform_puts_them(real_frames):
    torch.manual_seed(0)
    # 426x240 -> shorter side 100 (scale 0.4167): resized 177x100, padded 192x128
    model = build_detector("synthetic", random_init=True, min_size=100, max_size=400)
    dets = detect_frames(model, real_frames, batch_size=2)
    feats = dets.features
    assert feats.original_size == (240, 426)
    box = torch.tensor([[100.3, 40.7, 180.9, 230.2], [0.0, 0.0, 426.0, 240.0]])

    image = real_frames[0].float() / 255
    image_list, targets = model.transform([image], [{"boxes": box.clone()}])
    assert feats.image_size == tuple(image_list.image_sizes[0])
    assert feats.padded_size == tuple(image_list.tensors.shape[-2:])
    resized = targets[0]["boxes"]
    assert torch.allclose(feats.boxes_to_image(box), resized)
    assert feats.scale[0] != feats.scale[1]  # per axis: 177/426 vs 100/240

    features = model.backbone(image_list.tensors)  # the same pass, redone
    for k in FPN_LEVELS:
        stride = FPN_STRIDES[k]
        level = feats.maps[k][:1]
        assert level.shape[-2:] == (math.ceil(feats.padded_size[0] / stride), math.ceil(feats.padded_size[1] / stride))
        assert torch.allclose(level, features[k], atol=1e-5)
        mapped = feats.boxes_to_level(box, k)
        assert torch.allclose(mapped * stride, resized, atol=1e-4)
        assert torch.allclose(mapped, map_boxes_to_level(box, feats.scale, stride))
        # RoIAlign with spatial_scale = 1 / stride on resized boxes == on mapped boxes at scale 1
        for aligned in (False, True):
            a = roi_align(level, [resized], output_size=7, spatial_scale=1.0 / stride, sampling_ratio=2, aligned=aligned)
            b = roi_align(level, [mapped], output_size=7, spatial_scale=1.0, sampling_ratio=2, aligned=aligned)
            assert torch.allclose(a, b, atol=1e-5)
        # torchvision's pooler (aligned=False) infers the same 1 / stride from the map sizes
        pooler = MultiScaleRoIAlign([k], output_size=7, sampling_ratio=2)
        c = pooler({k: level}, [resized], [feats.image_size])
        b = roi_align(level, [mapped], output_size=7, spatial_scale=1.0, sampling_ratio=2)
        assert torch.allclose(c, b, atol=1e-5)


def test_frame_instances_select_and_to():
    inst = FrameInstances(
        boxes=torch.rand(3, 4), scores=torch.tensor([0.9, 0.2, 0.7]), masks=torch.zeros(3, 8, 8, dtype=torch.bool),
        keypoints=torch.rand(3, 17, 3), keypoint_scores=torch.rand(3, 17),
    )  # fmt: skip
    kept = inst.select(inst.scores > 0.5)
    assert len(kept) == 2 and torch.equal(kept.scores, torch.tensor([0.9, 0.7]))
    assert kept.to("cpu").masks.shape == (2, 8, 8)
