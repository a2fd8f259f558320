"""The action pooler against hand-computed RoIAlign on feature maps of known values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torchvision.ops import roi_align

from hiar_lib.detection.outputs import FeaturePyramid
from hiar_lib.pool import (
    action_tubes,
    outermost_boxes,
    pool_action_regions,
    pooled_regions,
    roi_align_levels,
    select_test_instance,
    track_boxes,
)
from hiar_lib.pool_config import PoolerConfig
from hiar_lib.vocabulary import FPN_LEVEL_KEYS

STRIDES = {"0": 4, "1": 8, "2": 16, "3": 32}
COEF = {"0": (1.0, 10.0, 3.0), "1": (2.0, -1.0, 5.0), "2": (0.5, 0.5, 0.0), "3": (-1.0, 2.0, 7.0)}


def ramp_pyramid(
    t: int = 3, scale: float | tuple[float, float] = 0.5, size: int = 256, channels: int = 2
) -> FeaturePyramid:
    """Level maps whose value at cell (row i, col j) of frame f is a*j + b*i + c + 100*f
    (channel 1: the negative), for an original frame of ``size / scale`` pixels
    (``scale`` one factor, or ``(sx, sy)``)."""
    sx, sy = scale if isinstance(scale, tuple) else (scale, scale)
    maps = {}
    for key, s in STRIDES.items():
        n = size // s
        a, b, c = COEF[key]
        i, j = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing="ij")
        base = torch.stack([a * j + b * i + c + 100 * f for f in range(t)])  # (T, n, n)
        maps[key] = torch.stack([base, -base], dim=1)[:, :channels]  # (T, C, n, n)
    orig = (int(size / sy), int(size / sx))  # (H, W)
    return FeaturePyramid(maps, dict(STRIDES), (sx, sy), orig, (size, size), (size, size))


def expected_bins(
    box: list[float], key: str, frame: int, s: int, scale: float | tuple[float, float] = 0.5
) -> np.ndarray:
    """RoIAlign (aligned=True) of a linear map = the map at each bin centre, by hand."""
    a, b, c = COEF[key]
    sx, sy = scale if isinstance(scale, tuple) else (scale, scale)
    x1, x2 = (v * sx / STRIDES[key] for v in (box[0], box[2]))
    y1, y2 = (v * sy / STRIDES[key] for v in (box[1], box[3]))
    cx = x1 + (np.arange(s) + 0.5) * (x2 - x1) / s - 0.5  # cell-index coordinates
    cy = y1 + (np.arange(s) + 0.5) * (y2 - y1) / s - 0.5
    return a * cx[None, :] + b * cy[:, None] + c + 100 * frame


def test_basic_boxes_pool_each_frames_box_on_one_level() -> None:
    feats = ramp_pyramid()
    boxes = torch.tensor([[[40.0, 60, 120, 200], [48, 64, 128, 208], [56, 70, 140, 220]]])  # (K=1, T=3, 4)
    present = torch.ones(1, 3, dtype=torch.bool)
    out = pool_action_regions(feats, boxes, present, PoolerConfig(box="basic", levels=("P2",), output_size=7))
    assert out.shape == (1, 2, 3, 7, 7)
    for f in range(3):
        want = expected_bins(boxes[0, f].tolist(), "0", f, 7)
        np.testing.assert_allclose(out[0, 0, f].numpy(), want, atol=1e-3)
        np.testing.assert_allclose(out[0, 1, f].numpy(), -want, atol=1e-3)


def test_unequal_x_and_y_scales_map_each_axis_by_its_own_factor() -> None:
    # A 1024x512 (W x H) frame resized to 256x256: x shrinks by 4, y by 2.
    scale = (0.25, 0.5)
    feats = ramp_pyramid(scale=scale)
    assert feats.original_size == (512, 1024)
    boxes = torch.tensor([[[160.0, 60, 480, 200], [200, 80, 640, 240], [100, 40, 900, 300]]])
    present = torch.ones(1, 3, dtype=torch.bool)
    for box_mode in ("basic", "outermost"):
        out = pool_action_regions(feats, boxes, present, PoolerConfig(box=box_mode, levels=("P3",), output_size=7))
        used = boxes if box_mode == "basic" else outermost_boxes(boxes, present)[:, None].expand(1, 3, 4)
        for f in range(3):
            want = expected_bins(used[0, f].tolist(), "1", f, 7, scale=scale)
            np.testing.assert_allclose(out[0, 0, f].numpy(), want, atol=1e-3)
    # The swapped factors pool another region (the check above is not blind to the axis).
    swapped = expected_bins(boxes[0, 0].tolist(), "1", 0, 7, scale=(0.5, 0.25))
    assert np.abs(swapped - expected_bins(boxes[0, 0].tolist(), "1", 0, 7, scale=scale)).max() > 1.0


def test_outermost_box_is_the_union_over_present_frames_and_pooled_in_every_frame_eq7() -> None:
    feats = ramp_pyramid()
    boxes = torch.tensor([[[40.0, 60, 120, 200], [float("nan")] * 4, [56, 50, 140, 220]]])
    present = torch.tensor([[True, False, True]])
    outer = outermost_boxes(boxes, present)
    assert outer.tolist() == [[40.0, 50.0, 140.0, 220.0]]
    out = pool_action_regions(feats, boxes, present, PoolerConfig(box="outermost", levels=("P3",), output_size=14))
    for f in range(3):  # frame 1, where the person was missed, pools the outermost box too
        np.testing.assert_allclose(out[0, 0, f].numpy(), expected_bins(outer[0].tolist(), "1", f, 14), atol=1e-3)
    pooled, mask = pooled_regions(boxes, present)
    assert mask.tolist() == [[True, True, True]] and pooled[0, 1].tolist() == outer[0].tolist()
    # A track never present, and tracks over no frame at all (a phase of a video shorter
    # than its stride), have no outermost box.
    assert torch.isnan(outermost_boxes(boxes, torch.zeros(1, 3, dtype=torch.bool))).all()
    none = outermost_boxes(torch.zeros(2, 0, 4), torch.zeros(2, 0, dtype=torch.bool))
    assert none.shape == (2, 4) and torch.isnan(none).all()


def test_outermost_pools_frames_before_a_track_starts_and_after_it_ends_but_not_padding() -> None:
    feats = ramp_pyramid(t=4)
    boxes = torch.tensor([[[float("nan")] * 4, [40.0, 60, 120, 200], [48, 64, 128, 208], [float("nan")] * 4]])
    present = torch.tensor([[False, True, True, False]])
    valid = torch.tensor([True, True, True, False])  # frame 3 is padding past the video's end
    out = pool_action_regions(feats, boxes, present, PoolerConfig(levels=("P3",), output_size=7), frame_valid=valid)
    outer = [40.0, 60, 128, 208]
    for f in range(3):
        np.testing.assert_allclose(out[0, 0, f].numpy(), expected_bins(outer, "1", f, 7), atol=1e-3)
    assert (out[0, :, 3] == 0).all()


def test_absent_zero_and_basic_regions_give_zeros_where_the_track_has_no_instance() -> None:
    feats = ramp_pyramid()
    boxes = torch.tensor([[[40.0, 60, 120, 200], [float("nan")] * 4, [56, 50, 140, 220]]])
    present = torch.tensor([[True, False, True]])
    for cfg in (PoolerConfig(box="outermost", absent="zero", levels=("P3",)), PoolerConfig(box="basic", levels=("P3",))):
        out = pool_action_regions(feats, boxes, present, cfg)
        assert (out[0, :, 1] == 0).all() and (out[0, :, 0] != 0).all() and (out[0, :, 2] != 0).all()
        pooled, mask = pooled_regions(boxes, present, cfg)
        assert mask.tolist() == [[True, False, True]] and torch.isnan(pooled[0, 1]).all()
    with pytest.raises(ValueError, match="absent"):
        PoolerConfig(absent="fill")


def test_levels_are_averaged_summed_or_maxed() -> None:
    feats = ramp_pyramid()
    box = [64.0, 64, 192, 256]
    boxes = torch.tensor([[box] * 3])
    present = torch.ones(1, 3, dtype=torch.bool)
    p2 = expected_bins(box, "0", 0, 7)
    p3 = expected_bins(box, "1", 0, 7)
    for combine, want in (("mean", (p2 + p3) / 2), ("sum", p2 + p3), ("max", np.maximum(p2, p3))):
        cfg = PoolerConfig(box="basic", levels=("P2", "P3"), output_size=7, combine=combine)
        out = pool_action_regions(feats, boxes, present, cfg)
        np.testing.assert_allclose(out[0, 0, 0].numpy(), want, atol=1e-3)


@pytest.mark.parametrize("levels", [("P2",), ("P2", "P3"), ("P2", "P3", "P4"), ("P2", "P3", "P4", "P5")])
def test_combined_levels_equal_the_stacked_levels_reduction_to_the_bit_half_precision_maps_included(levels) -> None:
    """roi_align_levels folds the levels one at a time; its values are torchvision's
    RoIAlign per level, stacked and reduced, exactly. Half-precision maps (a crop cache's)
    of which the boxes use a few rows give what the same rows converted whole give."""
    rng = torch.Generator().manual_seed(0)
    keys = [FPN_LEVEL_KEYS[lv] for lv in levels]
    maps = {k: torch.randn(9, 3, 128 // STRIDES[k], 128 // STRIDES[k], generator=rng).to(torch.float16) for k in keys}
    strides = {k: STRIDES[k] for k in keys}
    frames = torch.tensor([6, 2, 6, 4, 2])  # rows of the maps, out of order and repeated
    xy = torch.rand(5, 2, generator=rng) * 80
    boxes = torch.cat([xy, xy + 8 + torch.rand(5, 2, generator=rng) * 40], dim=1)
    rois = torch.cat([frames[:, None].float(), boxes], dim=1)
    stacked = torch.stack([roi_align(maps[k].float(), rois, 7, 1.0 / strides[k], 2, aligned=True) for k in keys])
    for combine, want in (("mean", stacked.mean(0)), ("sum", stacked.sum(0)), ("max", stacked.amax(0))):
        cfg = PoolerConfig(box="basic", levels=levels, output_size=7, combine=combine)
        got = roi_align_levels(maps, strides, frames, boxes, cfg)
        assert got.dtype == torch.float32 and torch.equal(got, want), combine


def test_assign_pools_small_boxes_from_fine_levels_and_large_from_coarse() -> None:
    feats = ramp_pyramid(size=512, scale=1.0)
    small = [100.0, 100, 140, 150]  # ~45 px: level 2 after clamping
    large = [20.0, 20, 480, 500]  # ~470 px: level 5
    boxes = torch.tensor([[small] * 3, [large] * 3])
    present = torch.ones(2, 3, dtype=torch.bool)
    cfg = PoolerConfig(box="basic", levels=("P2", "P3", "P4", "P5"), output_size=7, combine="assign")
    out = pool_action_regions(feats, boxes, present, cfg)
    np.testing.assert_allclose(out[0, 0, 0].numpy(), expected_bins(small, "0", 0, 7, 1.0), atol=1e-3)
    np.testing.assert_allclose(out[1, 0, 0].numpy(), expected_bins(large, "3", 0, 7, 1.0), atol=1e-3)


def test_assign_over_one_level_is_that_levels_roialign() -> None:
    """With one level chosen, Mask R-CNN's level assignment has nowhere else to send a box:
    ``combine="assign"`` gives what the mean over that one level gives, for small and
    large boxes alike."""
    feats = ramp_pyramid(size=512, scale=1.0)
    boxes = torch.tensor([[[100.0, 100, 140, 150]] * 3, [[20.0, 20, 480, 500]] * 3])
    present = torch.ones(2, 3, dtype=torch.bool)
    assign = pool_action_regions(feats, boxes, present, PoolerConfig(box="basic", levels=("P3",), output_size=7, combine="assign"))
    mean = pool_action_regions(feats, boxes, present, PoolerConfig(box="basic", levels=("P3",), output_size=7, combine="mean"))
    assert assign.shape == (2, 2, 3, 7, 7) and torch.equal(assign, mean)


def test_padded_frames_past_the_end_of_the_video_are_zero() -> None:
    feats = ramp_pyramid()
    boxes = torch.tensor([[[40.0, 60, 120, 200]] * 3])
    out = pool_action_regions(feats, boxes, torch.ones(1, 3, dtype=torch.bool), PoolerConfig(output_size=7),
                              frame_valid=torch.tensor([True, True, False]))  # fmt: skip
    assert (out[0, :, 2] == 0).all() and (out[0, :, :2] != 0).any()


def test_action_tubes_from_a_tracker_assignment() -> None:
    feats = ramp_pyramid()
    dets = [np.array([[10.0, 10, 50, 90], [200, 40, 260, 180]]), np.array([[204.0, 44, 262, 182]]), np.zeros((0, 4))]
    scores = [np.array([0.9, 0.6]), np.array([0.7]), np.zeros(0)]
    assignment = np.array([[0, 1], [-1, 0], [-1, -1]])  # (T, K)
    tubes = action_tubes(feats, assignment, dets, scores, track_ids=[5, 6], config=PoolerConfig(output_size=7))
    assert tubes.tubes.shape == (2, 2, 3, 7, 7)
    assert tubes.present.tolist() == [[True, False, False], [True, True, False]]
    assert tubes.track_ids.tolist() == [5, 6]
    assert tubes.scores.tolist() == pytest.approx([0.9, 0.65])
    assert tubes.areas[0] == pytest.approx(40 * 80)
    assert tubes.pooled_boxes[1, 0].tolist() == [200.0, 40.0, 262.0, 182.0]  # the outermost box
    assert tubes.pooled_boxes[0, 1].tolist() == [10.0, 10.0, 50.0, 90.0]  # eq. 7: pooled where the track is absent
    basic = action_tubes(feats, assignment, dets, scores, config=PoolerConfig(box="basic", output_size=7))
    assert torch.isnan(basic.pooled_boxes[0, 1]).all() and (basic.tubes[0, :, 1] == 0).all()
    # Track 5 is a fragment: one frame of three at 0.9; track 6 is seen in two at 0.65. The
    # fragment's higher mean confidence does not win it the test instance, nor would a box
    # larger in its one frame than the other's in each of two.
    assert select_test_instance(tubes.scores, tubes.areas, tubes.present, "score") == 1
    assert select_test_instance(tubes.scores, tubes.areas, tubes.present, "area") == 1
    assert select_test_instance(tubes.scores, tubes.areas * torch.tensor([3.0, 1.0]), tubes.present, "area") == 1  # 9600 > 8202 px
    assert select_test_instance(tubes.scores, tubes.areas * torch.tensor([6.0, 1.0]), tubes.present, "area") == 0  # 19200 / 3 > 8202 * 2 / 3
    everywhere = torch.ones(2, 3, dtype=torch.bool)  # both seen throughout: the plain rules
    assert select_test_instance(tubes.scores, tubes.areas, everywhere, "score") == 0
    assert select_test_instance(torch.zeros(0), torch.zeros(0), torch.zeros(0, 3, dtype=torch.bool)) == -1


def test_action_tubes_of_a_padded_clip_pool_nothing_past_the_videos_end() -> None:
    """A clip padded past the video's end (``frame_valid`` False in its last frame, given
    as 0/1 the way a caller may hold it): no track is present there, the outermost box
    (eq. 7, pooled where a track is absent) is not pooled there, and its tube is zero there;
    the valid frames are what an unpadded clip gives. Two tracks in four frames, ids 0 and
    1 by default (one per track, not per frame), each detection's score 1 where none is given."""
    feats = ramp_pyramid(t=4)
    dets = [np.array([[10.0, 10, 50, 90], [200, 40, 260, 180]])] * 3 + [np.array([[12.0, 12, 52, 92]])]
    assignment = np.array([[0, 1], [0, 1], [0, -1], [0, -1]])  # (T=4, K=2); frame 3 is padding
    padded = action_tubes(feats, assignment, dets, frame_valid=torch.tensor([1, 1, 1, 0]), config=PoolerConfig(output_size=7))
    plain = action_tubes(feats, assignment, dets, config=PoolerConfig(output_size=7))
    assert padded.track_ids.tolist() == [0, 1] and padded.tubes.shape == (2, 2, 4, 7, 7)
    assert padded.scores.tolist() == [1.0, 1.0]  # no scores given: every detection counts 1
    assert padded.present.tolist() == [[True, True, True, False], [True, True, False, False]]
    assert torch.isnan(padded.pooled_boxes[:, 3]).all() and (padded.tubes[:, :, 3] == 0).all()
    # Track 1, absent in frame 2 of the video, is still pooled there (eq. 7), and in frame 3 without the padding.
    assert padded.pooled_boxes[1, 2].tolist() == [200.0, 40.0, 260.0, 180.0] and (plain.tubes[:, :, 3] != 0).any()
    # Track 0's outermost box leaves out the padded frame's box (12, 12, 52, 92 would widen it).
    assert padded.pooled_boxes[0, 0].tolist() == [10.0, 10.0, 50.0, 90.0]
    assert torch.equal(padded.tubes[1, :, :3], plain.tubes[1, :, :3])


def test_the_test_instance_rule_defaults_to_score_and_never_picks_a_track_absent_from_the_clip() -> None:
    """The default rule is the most confident track (NTU RGB+D's); a track absent from
    every frame of the clip (its mean score and area NaN, as :func:`action_tubes` gives
    them) is never picked, even where the others score 0; bad input is refused by name."""
    present = torch.tensor([[False, False, False], [True, True, False], [True, False, False]])
    scores, areas = torch.tensor([float("nan"), 0.5, 0.9]), torch.tensor([float("nan"), 100.0, 900.0])
    assert select_test_instance(scores, areas, present) == select_test_instance(scores, areas, present, "score") == 1
    assert select_test_instance(scores, areas, present, "area") == 2  # 900 / 3 > 100 * 2 / 3
    assert select_test_instance(torch.zeros(3), torch.zeros(3), present) in (1, 2)  # not the absent track 0
    assert select_test_instance(torch.zeros(3), torch.zeros(3), present, "area") in (1, 2)
    with pytest.raises(ValueError, match=r"present must be \(K, T\) with K = 3 tracks, got \(2, 3\)"):
        select_test_instance(scores, areas, present[:2])
    with pytest.raises(ValueError, match="rule must be 'score' or 'area', got 'largest'"):
        select_test_instance(scores, areas, present, "largest")  # type: ignore[arg-type]


def test_bad_shapes_are_refused() -> None:
    feats = ramp_pyramid()
    with pytest.raises(ValueError, match="boxes must be"):
        pool_action_regions(feats, torch.zeros(1, 2, 4), torch.ones(1, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="frames"):
        pool_action_regions(feats, torch.zeros(1, 4, 4), torch.ones(1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="assignment"):
        track_boxes(np.zeros((2, 1), int), [np.zeros((1, 4))])


def test_pooling_a_real_frame_matches_roialign_on_torchvisions_resized_boxes() -> None:
    """The box-to-feature mapping, checked through torchvision's own resize transform."""
    from torchvision.ops import roi_align

    from hiar_lib.data.video import read_clip
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.inference import detect_frames
    from tests.conftest import realdata_file

    clip = read_clip(realdata_file("posetrack18", "000001_mpiinew_test.mp4"), clip_len=2, stride=1, start=0)
    torch.manual_seed(0)
    model = build_detector("synthetic", random_init=True, min_size=144, max_size=256).eval()
    feats = detect_frames(model, clip.frames, return_features=True).features
    box = torch.tensor([[400.0, 150.0, 700.0, 650.0]])  # original 1280x720 pixels
    boxes = box[None].expand(1, 2, 4).clone()
    present = torch.ones(1, 2, dtype=torch.bool)
    ours = pool_action_regions(feats, boxes, present, PoolerConfig(box="basic", levels=("P3",), output_size=7))

    # torchvision's transform resizes the frame and the target box itself.
    image = clip.frames[0].float() / 255
    images, targets = model.transform([image], [{"boxes": box, "labels": torch.ones(1, dtype=torch.int64),
                                                 "keypoints": torch.zeros(1, 17, 3)}])  # fmt: skip
    with torch.no_grad():
        p3 = model.backbone(images.tensors)["1"]
    want = roi_align(p3, [targets[0]["boxes"]], 7, spatial_scale=1 / 8, sampling_ratio=2, aligned=True)
    torch.testing.assert_close(ours[0, :, 0], want[0], rtol=1e-4, atol=1e-4)


# Mask R-CNN's level rule k = floor(4 + log2(sqrt(w * h) / 224)), clamped to the chosen
# levels; every expected level below is worked out by hand in the comment beside it.
LEVEL_CASES = [
    # (box x1, y1, x2, y2 in resized-image pixels, levels, expected level)
    ([100.0, 300, 324, 524], (2, 3, 4, 5), 4),  # 224 x 224: log2(1) = 0 -> the canonical level 4
    ([0.0, 0, 112, 112], (2, 3, 4, 5), 3),  # 112 x 112: log2(1/2) = -1 -> 3
    ([0.0, 0, 448, 448], (2, 3, 4, 5), 5),  # 448 x 448: log2(2) = 1 -> 5
    ([0.0, 0, 223, 223], (2, 3, 4, 5), 3),  # just under 224: log2(223/224) < 0 -> 3
    ([50.0, 10, 162, 458], (2, 3, 4, 5), 4),  # 112 x 448: sqrt = 224 -> 4 (width and height both count)
    ([300.0, 20, 356, 76], (2, 3, 4, 5), 2),  # 56 x 56 far right: log2(1/4) = -2 -> 2
    ([0.0, 300, 56, 356], (2, 3, 4, 5), 2),  # 56 x 56 far down: -> 2
    ([10.0, 0, 10.5, 20000], (2, 3, 4, 5), 2),  # 0.5 x 20000: sqrt = 100, log2(0.446) = -1.16 -> 2
    ([0.0, 10, 20000, 10.5], (2, 3, 4, 5), 2),  # 20000 x 0.5: the same area -> 2
    ([0.0, 0, 10, 10], (2, 3, 4, 5), 2),  # 10 x 10: log2(0.045) = -4.5 -> 0, clamped up to 2
    ([0.0, 0, 448, 448], (2, 3), 3),  # level 5 clamped down to the coarsest chosen level, 3
    ([0.0, 0, 1000, 1000], (3, 4), 4),  # log2(4.46) = 2.16 -> 6, clamped down to 4
    ([0.0, 0, 56, 56], (4, 5), 4),  # level 2 clamped up to 4
    ([5.0, 5, 5, 60], (2, 3, 4, 5), 2),  # zero width: area 0 -> the finest level
]


@pytest.mark.parametrize("box, levels, want", LEVEL_CASES)
def test_assign_levels_follows_mask_rcnn_level_rule_by_hand(box, levels, want) -> None:
    from hiar_lib.pool import _assign_levels

    got = _assign_levels(torch.tensor([box]), list(levels))
    assert got.dtype == torch.int64
    assert got.tolist() == [want]


def test_assign_levels_matches_a_plain_reference_on_many_boxes_at_once() -> None:
    from hiar_lib.pool import _assign_levels

    boxes = torch.tensor([case[0] for case in LEVEL_CASES if case[1] == (2, 3, 4, 5)])
    ref = []
    for x1, y1, x2, y2 in boxes.tolist():
        area = max(x2 - x1, 0.0) * max(y2 - y1, 0.0)
        k = 2 if area == 0 else math.floor(4 + math.log2(math.sqrt(area) / 224))
        ref.append(min(max(k, 2), 5))
    assert _assign_levels(boxes, [2, 3, 4, 5]).tolist() == ref


def test_assign_pools_a_box_too_large_for_the_chosen_levels_from_the_coarsest_one() -> None:
    feats = ramp_pyramid(size=512, scale=1.0)
    large = [20.0, 20, 480, 500]  # ~470 px: level 5 by the rule, clamped to P3
    boxes = torch.tensor([[large] * 3])
    present = torch.ones(1, 3, dtype=torch.bool)
    cfg = PoolerConfig(box="basic", levels=("P2", "P3"), output_size=7, combine="assign")
    out = pool_action_regions(feats, boxes, present, cfg)
    for f in range(3):
        np.testing.assert_allclose(out[0, 0, f].numpy(), expected_bins(large, "1", f, 7, 1.0), atol=1e-3)


def test_len_of_action_tubes_is_the_number_of_tracks() -> None:
    feats = ramp_pyramid(channels=2)
    dets = [np.array([[10.0, 10, 50, 90], [100, 40, 160, 180], [200, 20, 240, 100]])] * 3
    assignment = np.array([[0, 1, 2], [0, 1, -1], [2, -1, 1]])  # (T=3, K=3 tracks)
    tubes = action_tubes(feats, assignment, dets, config=PoolerConfig(output_size=7))
    assert tubes.tubes.shape[:2] == (3, 2)  # K = 3 tracks, C = 2 channels
    assert len(tubes) == 3
    assert len(action_tubes(feats, np.zeros((3, 0), dtype=np.int64), dets, config=PoolerConfig(output_size=7))) == 0
