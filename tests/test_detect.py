"""Tests of hiar_lib.detect (and its drawing and CLI): real torchvision models, small inputs.

No weights are downloaded: the paper preset's loading path is exercised with state dicts
of torchvision's own architectures, saved under a temporary torch hub cache with the
exact file names of the COCO_V1 weight enums.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
from pathlib import Path

import pytest
import torch
from torchvision.models.detection import (
    KeypointRCNN_ResNet50_FPN_Weights,
    MaskRCNN_ResNet50_FPN_Weights,
    keypointrcnn_resnet50_fpn,
    maskrcnn_resnet50_fpn,
)
from torchvision.ops import MultiScaleRoIAlign, roi_align

from hiar_lib.data.video import read_clip
from hiar_lib.detect import (
    FPN_LEVELS,
    FPN_STRIDES,
    KEYPOINT_FLIP_INDEX,
    KEYPOINT_NAMES,
    Detections,
    FrameInstances,
    SyntheticDetectionFrames,
    TrainConfig,
    WeightsError,
    _hflip,
    _zoom_stretch,
    build_detector,
    detect_frames,
    evaluate_detector,
    find_paper_weights,
    map_boxes_to_level,
    read_checkpoint,
    save_detector,
    score_detections,
    train_detector,
)
from hiar_lib.synth import index_synthetic
from hiar_lib.viz import detection_grid, draw_instances, save_png
from tests.conftest import realdata_file

KP_FILE = os.path.basename(KeypointRCNN_ResNet50_FPN_Weights.COCO_V1.url)
MASK_FILE = os.path.basename(MaskRCNN_ResNet50_FPN_Weights.COCO_V1.url)

# Small inputs everywhere: the paper model at min_size 64 runs in a fraction of a second.
SMALL = dict(min_size=64, max_size=96)


# --------------------------------------------------------------------------- paper weights


@pytest.fixture(scope="module")
def coco_like_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """torchvision's two COCO architectures, random init, saved under TORCH_HOME/hub/checkpoints."""
    torch.manual_seed(0)
    home = tmp_path_factory.mktemp("torch_home")
    folder = home / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    kp = keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None).state_dict()
    mk = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None).state_dict()
    torch.save(kp, folder / KP_FILE)
    torch.save(mk, folder / MASK_FILE)
    keep = {
        "backbone": "backbone.body.layer1.0.conv1.weight",
        "bn_mean": "backbone.body.layer2.0.bn1.running_mean",
        "fpn": "backbone.fpn.inner_blocks.0.0.weight",
        "rpn": "rpn.head.conv.0.0.weight",
        "kp_head": "roi_heads.keypoint_head.0.weight",
        "box": "roi_heads.box_predictor.cls_score.weight",
    }
    return {
        "home": home,
        "folder": folder,
        "kp": {n: kp[k].clone() for n, k in keep.items()} | {"_keys": keep},
        "mask_head": mk["roi_heads.mask_head.0.0.weight"].clone(),
        "mask_logits_w": mk["roi_heads.mask_predictor.mask_fcn_logits.weight"].clone(),
        "mask_logits_b": mk["roi_heads.mask_predictor.mask_fcn_logits.bias"].clone(),
    }


def _check_loaded(model, ck: dict) -> None:
    sd = model.state_dict()
    for name, key in ck["kp"]["_keys"].items():
        assert torch.equal(sd[key], ck["kp"][name]), key
    assert torch.equal(sd["roi_heads.mask_head.0.0.weight"], ck["mask_head"])
    # the 91-class mask predictor is cut to background (0) and person (1)
    assert sd["roi_heads.mask_predictor.mask_fcn_logits.weight"].shape[0] == 2
    assert torch.equal(sd["roi_heads.mask_predictor.mask_fcn_logits.weight"], ck["mask_logits_w"][:2])
    assert torch.equal(sd["roi_heads.mask_predictor.mask_fcn_logits.bias"], ck["mask_logits_b"][:2])


def test_paper_preset_loads_coco_files_from_torch_hub_cache(coco_like_checkpoints, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(coco_like_checkpoints["home"]))
    model = build_detector("paper", **SMALL)
    _check_loaded(model, coco_like_checkpoints)
    assert model.detector_info.preset == "paper"
    assert [Path(p).name for p in model.detector_info.weights] == [KP_FILE, MASK_FILE]
    assert not model.training
    assert model.roi_heads.score_thresh == 0.5


def test_paper_preset_loads_from_a_folder_and_from_a_combined_file(coco_like_checkpoints, tmp_path):
    model = build_detector("paper", weights=coco_like_checkpoints["folder"], **SMALL)
    _check_loaded(model, coco_like_checkpoints)
    combined = save_detector(model, tmp_path / "paper_combined.pt")
    again = build_detector("paper", weights=combined, **SMALL)
    _check_loaded(again, coco_like_checkpoints)


def test_paper_preset_reads_legacy_key_names_of_the_real_coco_files(coco_like_checkpoints, tmp_path):
    # The COCO files predate torchvision 0.13 and name some layers differently.
    def legacy(key: str) -> str:
        key = re.sub(r"^(backbone\.fpn\.(?:inner|layer)_blocks\.\d+)\.0\.", r"\1.", key)
        key = re.sub(r"^rpn\.head\.conv\.0\.0\.", "rpn.head.conv.", key)
        return re.sub(r"^roi_heads\.mask_head\.(\d)\.0\.", lambda m: f"roi_heads.mask_head.mask_fcn{int(m[1]) + 1}.", key)

    folder = tmp_path / "legacy"
    folder.mkdir()
    for name in (KP_FILE, MASK_FILE):
        sd = torch.load(coco_like_checkpoints["folder"] / name, weights_only=True)
        old = {legacy(k): v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
        assert any("mask_fcn1" in k or "rpn.head.conv.weight" == k for k in old)
        torch.save(old, folder / name)
    model = build_detector("paper", weights=folder, **SMALL)
    _check_loaded(model, coco_like_checkpoints)


def test_missing_paper_weights_error_names_files_folder_and_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty_home"))
    with pytest.raises(WeightsError) as e:
        build_detector("paper", **SMALL)
    msg = str(e.value)
    assert KP_FILE in msg and MASK_FILE in msg
    assert str(tmp_path / "empty_home" / "hub" / "checkpoints") in msg
    assert "weights='COCO_V1'" in msg and "python -c" in msg


def test_missing_mask_file_only_names_that_file(coco_like_checkpoints, tmp_path):
    folder = tmp_path / "only_kp"
    folder.mkdir()
    os.symlink(coco_like_checkpoints["folder"] / KP_FILE, folder / KP_FILE)
    with pytest.raises(WeightsError, match=re.escape(MASK_FILE)) as e:
        find_paper_weights(folder)
    assert f"{KP_FILE}," not in str(e.value).split("missing")[0]


def test_wrong_shapes_give_a_short_error_naming_file_and_keys(coco_like_checkpoints, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    sd = torch.load(coco_like_checkpoints["folder"] / KP_FILE, weights_only=True)
    sd["roi_heads.box_predictor.cls_score.weight"] = torch.zeros(91, 1024)
    sd["roi_heads.box_predictor.cls_score.bias"] = torch.zeros(91)
    torch.save(sd, folder / KP_FILE)
    os.symlink(coco_like_checkpoints["folder"] / MASK_FILE, folder / MASK_FILE)
    with pytest.raises(WeightsError) as e:
        build_detector("paper", weights=folder, **SMALL)
    msg = str(e.value)
    assert str(folder / KP_FILE) in msg
    assert "roi_heads.box_predictor.cls_score.bias" in msg and "(91,)" in msg
    assert len(msg) < 1200


def test_swapped_files_give_missing_key_error(coco_like_checkpoints, tmp_path):
    with pytest.raises(WeightsError, match="missing keys") as e:
        build_detector(
            "paper",
            weights=(coco_like_checkpoints["folder"] / MASK_FILE, coco_like_checkpoints["folder"] / KP_FILE),
            **SMALL,
        )
    assert MASK_FILE in str(e.value)


def test_unreadable_weights_file_is_a_weights_error(tmp_path):
    bad = tmp_path / "garbage.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="garbage.pt"):
        build_detector("paper", weights=bad, **SMALL)
    with pytest.raises(WeightsError, match="not a synthetic detector checkpoint|cannot read"):
        build_detector("synthetic", weights=bad)
    with pytest.raises(WeightsError, match="needs weights"):
        build_detector("synthetic")


def test_unknown_preset_is_rejected():
    with pytest.raises(ValueError, match="unknown detector preset"):
        build_detector("detectron")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- coordinates


@pytest.fixture(scope="module")
def real_frames() -> torch.Tensor:
    """Two frames of a real 426x240 video (two people playing basketball)."""
    path = realdata_file("clips", "basketball_two_people.mp4")
    return read_clip(path, clip_len=2, stride=10, start="first").frames


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


def test_paper_preset_pyramid_has_256_channels_and_strides_4_to_32(real_frames):
    model = build_detector("paper", random_init=True, score_thresh=0.0, **SMALL)
    dets = detect_frames(model, real_frames[:1], amp=True)
    feats = dets.features
    assert feats.channels == 256
    assert feats.strides == {"0": 4, "1": 8, "2": 16, "3": 32}
    assert feats.maps["0"].dtype == torch.bfloat16  # autocast on CPU
    assert dets[0].boxes.dtype == torch.float32
    for k, s in FPN_STRIDES.items():
        assert feats.level(k).shape[-1] * s == feats.padded_size[1]
    assert feats.level("P3") is feats.maps["1"] and feats.level(5) is feats.maps["3"]


# --------------------------------------------------------------------------- outputs


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


def test_frame_instances_select_and_to():
    inst = FrameInstances(
        boxes=torch.rand(3, 4), scores=torch.tensor([0.9, 0.2, 0.7]), masks=torch.zeros(3, 8, 8, dtype=torch.bool),
        keypoints=torch.rand(3, 17, 3), keypoint_scores=torch.rand(3, 17),
    )  # fmt: skip
    kept = inst.select(inst.scores > 0.5)
    assert len(kept) == 2 and torch.equal(kept.scores, torch.tensor([0.9, 0.7]))
    assert kept.to("cpu").masks.shape == (2, 8, 8)


# --------------------------------------------------------------------------- synthetic data


def test_horizontal_flip_mirrors_and_swaps_left_and_right_joints():
    w = 50
    image = torch.rand(3, 20, w)
    kp = torch.rand(2, 17, 3) * 20
    kp[..., 2] = 2
    target = {"boxes": torch.tensor([[3.0, 1.0, 10.0, 15.0], [20.0, 2.0, 49.0, 19.0]]), "keypoints": kp,
              "masks": torch.zeros(2, 20, w, dtype=torch.uint8), "labels": torch.ones(2, dtype=torch.int64)}  # fmt: skip
    target["masks"][0, 5, 3] = 1
    img2, t2 = _hflip(image, target)
    assert torch.equal(img2[..., 0], image[..., -1])
    assert torch.equal(t2["boxes"][0], torch.tensor([40.0, 1.0, 47.0, 15.0]))
    ls, rs = KEYPOINT_NAMES.index("left_shoulder"), KEYPOINT_NAMES.index("right_shoulder")
    assert t2["keypoints"][0, ls, 0] == w - kp[0, rs, 0] and t2["keypoints"][0, ls, 1] == kp[0, rs, 1]
    assert t2["masks"][0, 5, w - 1 - 3] == 1
    assert KEYPOINT_FLIP_INDEX[KEYPOINT_FLIP_INDEX[ls]] == ls
    back_img, back = _hflip(img2, t2)
    assert torch.equal(back_img, image) and torch.allclose(back["keypoints"], kp, atol=1e-4)


@pytest.mark.parametrize("seed", range(6))
def test_zoom_stretch_keeps_boxes_masks_and_keypoints_together(seed):
    h, w = 40, 60
    image = torch.rand(3, h, w)
    masks = torch.zeros(2, h, w, dtype=torch.uint8)
    masks[0, 10:30, 20:35] = 1
    masks[1, 0:12, 50:60] = 1  # at the corner: may leave the frame
    kp = torch.zeros(2, 17, 3)
    kp[0, :, 0] = torch.linspace(20.5, 34.5, 17)
    kp[0, :, 1] = torch.linspace(10.5, 29.5, 17)
    kp[1, :, 0], kp[1, :, 1] = 55.5, 5.5
    kp[..., 2] = 2
    target = {"boxes": torch.tensor([[20.0, 10.0, 35.0, 30.0], [50.0, 0.0, 60.0, 12.0]]), "labels": torch.ones(2, dtype=torch.int64),
              "keypoints": kp, "masks": masks}  # fmt: skip
    gen = torch.Generator().manual_seed(seed)
    img2, t2 = _zoom_stretch(image, target, gen, scale=(0.7, 1.4), aspect=(0.7, 1.4))
    assert img2.shape == image.shape
    n = len(t2["boxes"])
    assert n >= 1 and t2["masks"].shape == (n, h, w) and t2["keypoints"].shape == (n, 17, 3)
    for i in range(n):
        m = t2["masks"][i].bool()
        ys, xs = torch.nonzero(m, as_tuple=True)
        assert t2["boxes"][i].tolist() == [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]
        for x, y, v in t2["keypoints"][i].tolist():
            inside = 0 <= x < w and 0 <= y < h
            assert (v > 0) == inside
            if inside:  # a joint drawn inside its mask stays inside it (up to a pixel of resampling)
                ys0, xs0 = int(y), int(x)
                assert m[max(ys0 - 1, 0) : ys0 + 2, max(xs0 - 1, 0) : xs0 + 2].any()


def test_synthetic_frames_match_the_benchmark_annotations(synthetic_tiny):
    data = SyntheticDetectionFrames(synthetic_tiny, "train", frame_stride=8, max_clips=2)
    image, target = data[0]
    assert image.dtype == torch.uint8 and image.shape[0] == 3
    n = len(target["boxes"])
    assert n >= 1 and target["masks"].shape == (n, *image.shape[-2:])
    assert target["keypoints"].shape == (n, 17, 3)
    # a box is the extent of its mask (x2, y2 exclusive)
    m = target["masks"][0].bool()
    ys, xs = torch.nonzero(m, as_tuple=True)
    assert target["boxes"][0].tolist() == [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]
    assert target["area"][0] == m.sum()


@pytest.mark.parametrize("protocol", ["cs", "cv"])
def test_detector_trains_and_tests_on_the_protocols_disjoint_splits(synthetic_tiny, protocol):
    split = index_synthetic(synthetic_tiny).split(protocol)
    seen = {}
    for part in ("train", "test"):
        data = SyntheticDetectionFrames(synthetic_tiny, part, protocol, frame_stride=16)
        seen[part] = set(data.names)
        assert seen[part] == {s.name for s in split[part]}
    assert seen["train"] and seen["test"] and not seen["train"] & seen["test"]


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


@pytest.mark.slow
def test_train_detector_caches_and_evaluates(synthetic_tiny, tmp_path):
    cfg = TrainConfig(minutes=None, iterations=2, batch_size=2, frame_stride=8, warmup_iterations=1)
    path = train_detector(synthetic_tiny, cache_dir=tmp_path / "cache", config=cfg, progress=False)
    training = read_checkpoint(path)["training"]
    assert training["iterations"] == 2 and training["curve"]
    assert math.isfinite(training["curve"][-1]["loss"])
    stamp = path.stat().st_mtime_ns
    copy = tmp_path / "out" / "det.pt"
    again = train_detector(synthetic_tiny, copy, cache_dir=tmp_path / "cache", config=cfg, progress=False)
    assert again == copy and path.stat().st_mtime_ns == stamp  # loaded from the cache, not retrained
    assert read_checkpoint(copy)["training"]["cache_key"] == training["cache_key"]

    model = build_detector("synthetic", weights=copy)
    assert model.transform.min_size == (216,) and model.transform.max_size == 288  # 192x144 frames x 1.5
    assert model.detector_info.training["iterations"] == 2
    result = evaluate_detector(model, synthetic_tiny, "test", frame_stride=8, max_clips=2, progress=False)
    for key in ("box_AP", "box_AP50", "keypoint_AP", "mask_AP"):
        assert 0.0 <= result[key] <= 1.0
    assert result["images"] == 4 and result["instances"] >= 4
    assert model.roi_heads.score_thresh == 0.5  # restored after evaluation


# --------------------------------------------------------------------------- drawing and CLI


def test_drawing_colours_the_detected_people(real_frames):
    torch.manual_seed(0)
    model = build_detector("synthetic", random_init=True, score_thresh=0.0, min_size=96, max_size=200)
    dets = detect_frames(model, real_frames, return_features=False)
    one = draw_instances(real_frames[0], dets[0])
    assert one.shape == real_frames[0].shape and one.dtype == torch.uint8
    assert not torch.equal(one, real_frames[0])
    assert torch.equal(draw_instances(real_frames[0], dets[0], score_thresh=2.0), real_frames[0])
    grid = detection_grid(real_frames, dets, nrow=2, padding=2)
    assert grid.shape == (3, 240 + 4, 2 * 426 + 6)
    with pytest.raises(ValueError, match="2 frames but detections for 1"):
        detection_grid(real_frames, dets.instances[:1])


def _cli(argv: list[str]) -> int:
    from hiar_lib.cli import detect as cli_detect

    parser = argparse.ArgumentParser(prog="hiar")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_detect.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_detect_writes_a_png_grid(tmp_path):
    video = realdata_file("clips", "basketball_two_people.mp4")
    out = tmp_path / "det.png"
    rc = _cli([
        "detect", str(video), "--out", str(out), "--preset", "synthetic", "--random-init",
        "--frames", "2", "--stride", "5", "--score-thresh", "0.0", "--max-side", "160",
    ])  # fmt: skip
    assert rc == 0 and out.stat().st_size > 0
    from torchvision.io import read_image

    img = read_image(str(out))
    assert img.shape[0] == 3 and img.shape[2] > 160


@pytest.mark.slow
def test_cli_train_detector_writes_results_json(synthetic_tiny, tmp_path):
    results = tmp_path / "results" / "detector_synthetic.json"
    rc = _cli([
        "train-detector", "--data", str(synthetic_tiny), "--minutes", "0", "--iterations", "1",
        "--batch-size", "2", "--cache-dir", str(tmp_path / "cache"), "--results", str(results),
        "--eval-stride", "16", "--no-progress",
    ])  # fmt: skip
    assert rc == 0
    r = json.loads(results.read_text())
    assert r["artefact"] == "detector_synthetic" and r["training"]["iterations"] == 1
    assert {"box_AP", "box_AP50", "keypoint_AP", "mask_AP"} <= set(r["metrics"])
    prov = r["provenance"]  # nested as in every results file
    assert "git_commit" in prov and prov["versions"]["torch"] == torch.__version__ and r["config"]["batch_size"] == 2
    assert prov["profile"] == "tiny" and prov["seeds"] == [0] and r["training"]["skipped_nonfinite_steps"] == 0
    assert Path(r["checkpoint"]).is_file()


def test_save_png_rejects_float_images(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        save_png(torch.zeros(3, 4, 4), tmp_path / "x.png")
