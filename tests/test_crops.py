"""Track crops: a clip pooled from them equals pooling the detector's whole levels."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from hiar_lib.crops import (
    CropError, DetectedVideo, crop_video, crop_window, detect_video, extract_crops, track_crops, window_starts, window_tracks,
)  # fmt: skip
from hiar_lib.data.synthetic import index_synthetic
from hiar_lib.data.synthetic_annotation import load_annotation
from hiar_lib.data.video import read_clip
from hiar_lib.detection.build import build_detector
from hiar_lib.detection.inference import detect_frames
from hiar_lib.person_labels import ground_truth_iou, track_person_labels
from hiar_lib.pool import pool_action_regions
from hiar_lib.pool_config import PoolerConfig
from hiar_lib.track_config import TrackerConfig

LEVELS = ("P2", "P3", "P4", "P5")
STRIDE = 2


@pytest.fixture(scope="module")
def video(synthetic_tiny: Path):
    """One synthetic clip with a distractor: its crop payload and, for reference, every
    frame's detections and FPN maps from the same detector."""
    index = index_synthetic(synthetic_tiny)
    sample = next(s for s in index.samples if "distractor" in load_annotation(synthetic_tiny, s.name).roles)
    gt = load_annotation(synthetic_tiny, sample.name)
    model = build_detector("synthetic", random_init=True, score_thresh=0.55, seed=0)
    payload = extract_crops(model, sample.path, stride=STRIDE, levels=LEVELS, max_clip_len=6, tracker=TrackerConfig(),
                            ground_truth=gt)  # fmt: skip
    clip = read_clip(sample.path, clip_len=gt.num_frames, stride=1, start=0)
    det = detect_frames(model, clip.frames, features_device="cpu")
    return payload, det, gt


def reference(payload, det, start: int, clip_len: int, cfg: PoolerConfig, frame_scale: tuple[float, float] = (1.0, 1.0)) -> torch.Tensor:
    """The clip's tubes pooled from the whole levels (rounded to half precision as the
    crops are), with the tracks the payload's phase holds; ``frame_scale``: frame pixels
    per source pixel (x, y) of the frames ``det`` saw."""
    phase = payload["phases"][start % STRIDE]
    r = start // STRIDE + torch.arange(clip_len)
    f = phase["frames"].shape[0]
    valid = r < f
    rc = r.clamp(max=f - 1)
    present = phase["present"][:, rc] & valid[None]
    keep = present.any(dim=1)
    feats = det.features
    rows = phase["frames"][rc]
    maps = {k: v[rows].to(torch.float16).float() for k, v in feats.maps.items()}
    pyramid = dataclasses.replace(feats, maps=maps)
    sx, sy = frame_scale
    boxes = phase["boxes"][keep][:, rc] * torch.tensor([sx, sy, sx, sy])  # source -> frame pixels
    return pool_action_regions(pyramid, boxes, present[keep], cfg, frame_valid=valid)


def first_frames(det, n: int) -> DetectedVideo:
    """The first ``n`` frames of a :func:`detect_frames` result as :func:`crop_video`'s
    input (frames at source size)."""
    inst = [det.instances[i] for i in range(n)]
    maps = dataclasses.replace(det.features, maps={k: v[:n] for k, v in det.features.maps.items()})
    return DetectedVideo(n, maps, [d.keypoints.numpy() for d in inst], [d.boxes.numpy() for d in inst],
                         [d.scores.numpy() for d in inst], (1.0, 1.0))  # fmt: skip


@pytest.mark.parametrize(
    "cfg",
    [
        PoolerConfig(),  # the paper's: outermost over P2 + P3, 14 x 14, eq. 7
        PoolerConfig(box="basic", output_size=7),
        PoolerConfig(absent="zero", levels=("P4",), output_size=28),
        PoolerConfig(levels=LEVELS, combine="assign"),
        PoolerConfig(box="basic", levels=("P3", "P5"), combine="max"),
    ],
    ids=["paper", "basic-7", "zero-P4-28", "assign", "basic-max"],
)
def test_a_clip_pooled_from_crops_equals_pooling_the_whole_levels(video, cfg: PoolerConfig) -> None:
    payload, det, _ = video
    starts = [0, 1, 3, 10]  # both phases; the last runs past the video's end (padding)
    compared = 0
    for start in starts:
        got = crop_window(payload, start, 4, cfg)
        want = reference(payload, det, start, 4, cfg)
        assert got["tubes"].shape == want.shape
        torch.testing.assert_close(got["tubes"], want, atol=1e-4, rtol=1e-4)
        compared += int((want != 0).any(dim=(1, 3, 4)).sum())
    assert compared > 0  # tracks were there and pooled
    padded = crop_window(payload, 10, 4, cfg)
    assert padded["frame_indices"].tolist()[-1] == -1 and (padded["tubes"][:, :, -1] == 0).all()


def test_a_clip_holds_the_tracks_present_in_it_with_their_boxes_scores_and_people(video) -> None:
    payload, det, gt = video
    for start in (0, 3, 5):
        clip = crop_window(payload, start, 4, PoolerConfig(output_size=7))
        phase = payload["phases"][start % STRIDE]
        assert clip["start"] == start and clip["frame_indices"].tolist() == [start + STRIDE * i for i in range(4)]
        assert clip["present"].any(dim=1).all() and len(clip["track_ids"]) == clip["tubes"].shape[0]
        for k, tid in enumerate(clip["track_ids"].tolist()):
            row = phase["track_ids"].tolist().index(tid)
            for t in torch.nonzero(clip["present"][k]).flatten().tolist():
                frame = clip["frame_indices"][t].item()
                # The track's box in that frame is one of the frame's detections.
                assert (det.instances[frame].boxes - clip["boxes"][k, t]).abs().amax(dim=1).min() < 1e-3
                assert phase["present"][row, frame // STRIDE]
        want = track_person_labels(clip["boxes"], clip["present"], clip["frame_indices"], gt)
        assert clip["person_labels"].tolist() == want.tolist()


def test_a_resized_videos_crops_keep_source_pixels_its_people_and_pool_as_the_whole_levels(synthetic_tiny: Path) -> None:
    # 192 x 144 frames read at 96 x 144 (x halved, y kept): an axis given the other's
    # factor anywhere between the source, the frame and the detector's input shows. The
    # frames are padded to multiples of 64 (128 x 192) as the detector is given them.
    index = index_synthetic(synthetic_tiny)
    sample = next(s for s in index.samples if s.label != 0 and "distractor" in load_annotation(synthetic_tiny, s.name).roles)
    gt = load_annotation(synthetic_tiny, sample.name)
    model = build_detector("synthetic", random_init=True, score_thresh=0.55, seed=0)
    size = (96, 144)
    payload = extract_crops(model, sample.path, stride=STRIDE, levels=("P2", "P3"), max_clip_len=4, tracker=TrackerConfig(),
                            size=size, pad_to_multiple=64, ground_truth=gt)  # fmt: skip
    clip = read_clip(sample.path, clip_len=gt.num_frames, stride=1, start=0, size=size, pad_to_multiple=64)
    sx, sy = clip.scale
    assert (sx, sy) == (0.5, 1.0) and tuple(clip.frames.shape[-2:]) == (192, 128)
    det = detect_frames(model, clip.frames, features_device="cpu")
    fx, fy = det.features.scale
    assert payload["to_image"].tolist() == pytest.approx([sx * fx, sy * fy])
    # Every person of the video with their own class (the actor's, -1 for a distractor).
    assert payload["person_labels"].tolist() == [int(v) for v in gt.person_labels] and -1 in payload["person_labels"]
    boxes = 0
    for phase in payload["phases"]:  # each kept box, in source pixels, is one of its frame's detections
        for k, f in torch.nonzero(phase["present"]).tolist():
            in_frame = phase["boxes"][k, f] * torch.tensor([sx, sy, sx, sy])
            assert (det.instances[int(phase["frames"][f])].boxes - in_frame).abs().amax(dim=1).min() < 1e-3
            boxes += 1
    assert boxes > 0
    for start in (0, 1, 5):
        got = crop_window(payload, start, 4, PoolerConfig())
        want = reference(payload, det, start, 4, PoolerConfig(), frame_scale=(sx, sy))
        assert got["tubes"].shape == want.shape and (want != 0).any()
        torch.testing.assert_close(got["tubes"], want, atol=1e-4, rtol=1e-4)
    # The annotated people as the tracks (the oracle): their boxes stay the annotation's
    # source pixels and are cut from the resized frames' maps where they lie.
    oracle = extract_crops(model, sample.path, stride=STRIDE, levels=("P2", "P3"), max_clip_len=4, tracker=TrackerConfig(),
                           size=size, pad_to_multiple=64, ground_truth=gt, instances="ground_truth")  # fmt: skip
    phase = oracle["phases"][0]
    on = phase["present"]
    frames = phase["frames"].numpy()
    people = [i for i in range(len(gt.track_ids)) if gt.present[frames, i].any()]
    assert torch.allclose(phase["boxes"][on], torch.from_numpy(gt.boxes[frames][:, people].transpose(1, 0, 2)).float()[on])
    got = crop_window(oracle, 0, 4, PoolerConfig())
    want = reference(oracle, det, 0, 4, PoolerConfig(), frame_scale=(sx, sy))
    assert (want != 0).any()
    torch.testing.assert_close(got["tubes"], want, atol=1e-4, rtol=1e-4)


def test_the_crops_cover_only_what_a_clip_can_reach(video) -> None:
    payload, det, _ = video
    full = sum(v[0].numel() for v in det.features.maps.values())  # one frame, every level
    stored = sum(c.numel() for ph in payload["phases"] for cs in ph["crops"].values() for c in cs)
    frames_tracked = sum(int((ph["rows"][:, 1] - ph["rows"][:, 0]).sum()) for ph in payload["phases"])
    assert frames_tracked > 0 and stored < full * frames_tracked  # smaller than whole levels per track-frame
    for ph in payload["phases"]:
        for j in range(len(ph["track_ids"])):
            on = torch.nonzero(ph["present"][j]).flatten()
            r0, r1 = ph["rows"][j].tolist()
            assert r0 == max(int(on.min()) - 5, 0) and r1 == min(int(on.max()) + 6, len(ph["frames"]))


def test_clips_the_crops_cannot_give_are_refused(video) -> None:
    payload, _, _ = video
    with pytest.raises(CropError, match="up to 6 frames, not 8"):
        crop_window(payload, 0, 8, PoolerConfig())
    small = {**payload, "phases": [{**ph, "crops": {"0": ph["crops"]["0"]}} for ph in payload["phases"]]}
    with pytest.raises(CropError, match="kept levels P2, not P3"):
        crop_window(small, 0, 4, PoolerConfig())
    two = {**payload, "phases": [{**ph, "crops": {k: ph["crops"][k] for k in ("0", "1")}} for ph in payload["phases"]]}
    with pytest.raises(CropError, match="^the feature cache kept levels P2, P3, not P4, P5$"):
        crop_window(two, 0, 4, PoolerConfig(levels=LEVELS))


def test_window_starts_are_every_start_inside_the_video() -> None:
    assert window_starts(16, 4, 2).tolist() == list(range(10))  # span 7: starts 0..9
    assert window_starts(5, 4, 2).tolist() == [0]  # shorter than the span: padded
    assert np.array_equal(window_starts(7, 4, 2), [0])


def test_ground_truth_instances_are_the_annotated_people_pooled_from_the_same_maps(video, synthetic_tiny: Path) -> None:
    # The oracle: the same detector's maps, but the tracks are the annotated people, each
    # present exactly where annotated, with its annotated box and label; a clip pooled from
    # these crops equals pooling the whole levels under the annotated boxes.
    detected, det, gt = video
    index = index_synthetic(synthetic_tiny)
    sample = next(s for s in index.samples if s.name == gt.name)
    model = build_detector("synthetic", random_init=True, score_thresh=0.55, seed=0)
    payload = extract_crops(model, sample.path, stride=STRIDE, levels=LEVELS, max_clip_len=6, tracker=TrackerConfig(),
                            ground_truth=gt, instances="ground_truth")  # fmt: skip
    for p, phase in enumerate(payload["phases"]):
        frames = phase["frames"].numpy()
        assert np.array_equal(frames, np.arange(p, gt.num_frames, STRIDE))
        people = [i for i in range(len(gt.track_ids)) if gt.present[frames, i].any()]
        assert phase["track_ids"].tolist() == [int(gt.track_ids[i]) for i in people]
        assert np.array_equal(phase["present"].numpy(), gt.present[frames][:, people].T)
        on = phase["present"]
        assert torch.allclose(phase["boxes"][on], torch.from_numpy(gt.boxes[frames][:, people].transpose(1, 0, 2)).float()[on])
        assert torch.isnan(phase["boxes"][~on]).all() and (phase["scores"][on] == 1).all()
        # Each track overlaps its own person fully where present, and nobody where absent.
        iou = phase["gt_iou"].float()
        own = iou[torch.arange(len(people)), :, torch.as_tensor(people)]  # (K, F)
        assert (own[on] > 0.999).all() and (iou[~on] == 0).all()
    assert "distractor" in gt.roles and len(payload["phases"][0]["track_ids"]) == len(gt.track_ids)  # actors and distractors
    clip = crop_window(payload, 2, 4, PoolerConfig())
    assert clip["person_labels"].tolist() == [int(gt.person_labels[list(gt.track_ids).index(t)]) for t in clip["track_ids"].tolist()]
    assert torch.allclose(clip["tubes"], reference(payload, det, 2, 4, PoolerConfig()), atol=1e-5)
    with pytest.raises(CropError, match=r"^ground-truth instances need the video's annotation \(ground_truth\)$"):
        extract_crops(model, sample.path, stride=STRIDE, levels=LEVELS, max_clip_len=6, tracker=TrackerConfig(), instances="ground_truth")


def test_a_tracks_crop_is_the_cells_roi_align_reads_under_its_boxes_plus_one_each_side(video) -> None:
    # RoIAlign (aligned=True) samples a box [lo, hi] of detector-input pixels at cell
    # coordinates lo / s - 0.5 .. hi / s - 0.5 and reads floor(u) and floor(u) + 1 there:
    # cells floor(lo / s - 0.5) .. floor(hi / s - 0.5) + 1, one more each side is kept,
    # clamped to the map. Worked by hand for a box of x 10..30, y 20..50 over two frames.
    _, det, _ = video
    feats = det.features
    rows = np.array([1, 3, 5, 7, 9])
    boxes = torch.full((2, 5, 4), float("nan"))
    boxes[0, 1] = torch.tensor([10.0, 20.0, 30.0, 50.0])
    boxes[0, 2] = torch.tensor([12.0, 24.0, 28.0, 44.0])  # inside the first: the union is the first
    hp, wp = feats.padded_size
    boxes[1, 4] = torch.tensor([0.0, 0.0, float(wp), float(hp)])  # the whole input: clamped to the map
    present = ~torch.isnan(boxes[..., 0])
    crop_rows, origins, crops = track_crops(feats, rows, boxes, present, ("P2", "P4"), max_clip_len=2)
    assert crop_rows.tolist() == [[0, 4], [3, 5]]  # rows within max_clip_len - 1 = 1 of the first and last instance
    assert crop_rows.dtype == origins["0"].dtype == origins["2"].dtype == torch.int64  # as the payload's docstring says
    # P2 (stride 4): x floor(2.0) - 1 = 1 .. floor(7.0) + 3 = 10; y floor(4.5) - 1 = 3 .. floor(12.0) + 3 = 15.
    # P4 (stride 16): x floor(0.125) - 1 -> 0 .. floor(1.375) + 3 = 4; y floor(0.75) - 1 -> 0 .. floor(2.625) + 3 = 5.
    assert origins["0"][0].tolist() == [1, 3] and origins["2"][0].tolist() == [0, 0]
    h2, w2 = feats.maps["0"].shape[2:]
    h4, w4 = feats.maps["2"].shape[2:]
    assert crops["0"][0].shape == (4, feats.channels, 12, 9) and crops["2"][0].shape == (4, feats.channels, 5, 4)
    assert crops["0"][1].shape == (2, feats.channels, h2, w2) and crops["2"][1].shape == (2, feats.channels, h4, w4)
    for key, (x0, y0) in (("0", (1, 3)), ("2", (0, 0))):
        c = crops[key][0]
        assert c.dtype == torch.float16
        want = feats.maps[key][torch.as_tensor(rows[0:4]), :, y0 : y0 + c.shape[2], x0 : x0 + c.shape[3]].to(torch.float16)
        assert torch.equal(c, want)  # the phase's frames (rows), not the first frames of the video
    assert torch.equal(crops["2"][1], feats.maps["2"][torch.as_tensor(rows[3:5])].to(torch.float16))


def test_a_payload_records_its_settings_scores_and_each_tracks_overlap_with_every_person(video) -> None:
    payload, det, gt = video
    feats = det.features
    assert payload["kind"] == "crops" and payload["num_frames"] == gt.num_frames == len(det.instances)
    assert payload["stride"] == STRIDE and payload["max_clip_len"] == 6 and payload["channels"] == feats.channels
    assert payload["strides"] == {"0": 4, "1": 8, "2": 16, "3": 32}
    for p, phase in enumerate(payload["phases"]):
        assert phase["frames"].tolist() == list(range(p, gt.num_frames, STRIDE))
        assert set(phase["crops"]) == set(phase["origins"]) == {"0", "1", "2", "3"}
        for k, f in torch.nonzero(phase["present"]).tolist():  # each score is its detection's
            inst = det.instances[int(phase["frames"][f])]
            i = int((inst.boxes - phase["boxes"][k, f]).abs().amax(dim=1).argmin())
            assert phase["scores"][k, f].item() == pytest.approx(float(inst.scores[i]))
        assert torch.isnan(phase["scores"][~phase["present"]]).all()
        assert phase["gt_iou"].dtype == torch.float16 and phase["gt_iou"].shape[-1] == len(gt.track_ids)
        want = ground_truth_iou(phase["boxes"], phase["present"], phase["frames"], gt).to(torch.float16)
        assert torch.equal(phase["gt_iou"], want)


def test_a_clips_scores_and_areas_are_the_means_over_the_frames_its_tracks_are_present_in(video) -> None:
    payload, _, _ = video
    for start in (0, 3, 9):
        clip = crop_window(payload, start, 4, PoolerConfig(output_size=7))
        on, b = clip["present"], clip["boxes"]
        assert on.any(dim=1).all() and torch.isnan(b[~on]).all()
        phase = payload["phases"][start % STRIDE]
        for k, tid in enumerate(clip["track_ids"].tolist()):
            row = phase["track_ids"].tolist().index(tid)
            cols = [start // STRIDE + int(t) for t in torch.nonzero(on[k]).flatten()]
            want_score = phase["scores"][row, cols].mean()
            bx = phase["boxes"][row, cols]
            want_area = ((bx[:, 2] - bx[:, 0]) * (bx[:, 3] - bx[:, 1])).mean()
            assert clip["scores"][k].item() == pytest.approx(want_score.item(), rel=1e-5)
            assert clip["areas"][k].item() == pytest.approx(want_area.item(), rel=1e-5)
        assert window_tracks(payload, start, 4).tolist() == clip["track_ids"].tolist()


def test_a_video_shorter_than_the_stride_leaves_a_phase_empty_whose_clips_are_padding(video) -> None:
    # One frame at stride 2: phase 1 holds no frame. Its clips have no track, frames -1.
    _, det, gt = video
    feats = det.features
    inst = det.instances[0]
    detected = first_frames(det, 1)
    payload = crop_video(detected, stride=2, levels=("P2", "P3"), max_clip_len=4, tracker=TrackerConfig())
    assert payload["num_frames"] == 1 and payload["person_labels"] is None
    assert payload["phases"][1]["frames"].numel() == 0 and payload["phases"][1]["track_ids"].numel() == 0
    assert payload["phases"][0]["gt_iou"] is None and len(payload["phases"][0]["track_ids"]) == len(inst.boxes) > 0
    empty = crop_window(payload, 1, 4, PoolerConfig())
    assert empty["frame_indices"].tolist() == [-1] * 4 and empty["track_ids"].numel() == 0
    assert empty["tubes"].shape == (0, feats.channels, 4, 14, 14)  # no track, the tubes' shape kept
    assert window_tracks(payload, 1, 4).numel() == 0
    first = crop_window(payload, 0, 4, PoolerConfig())
    assert first["frame_indices"].tolist() == [0, -1, -1, -1] and first["tubes"].shape[0] == len(inst.boxes)
    assert first["present"][:, 1:].any().item() is False and (first["tubes"][:, :, 1:] == 0).all()
    assert first["person_labels"] is None and empty["person_labels"] is None  # no ground truth given
    # With the video's annotation, the empty phase's clips label no track.
    labelled = crop_video(detected, stride=2, levels=("P2", "P3"), max_clip_len=4, tracker=TrackerConfig(), ground_truth=gt)
    assert labelled["phases"][1]["gt_iou"].shape == (0, 0, len(gt.track_ids))
    assert crop_window(labelled, 1, 4, PoolerConfig())["person_labels"].tolist() == []
    assert len(crop_window(labelled, 0, 4, PoolerConfig())["person_labels"]) == len(inst.boxes)
    with pytest.raises(CropError, match="'detected' or 'ground_truth'"):
        crop_video(detected, stride=2, levels=("P2",), max_clip_len=4, tracker=TrackerConfig(), instances="oracle")


def test_crops_extracted_under_autocast_pool_as_the_autocast_detectors_whole_levels(video, synthetic_tiny: Path) -> None:
    # amp=True reaches the detector: its maps are bfloat16 on the CPU (another rounding
    # than float32's), and the crops are cut from those maps.
    _, _, gt = video
    sample = next(s for s in index_synthetic(synthetic_tiny).samples if s.name == gt.name)
    model = build_detector("synthetic", random_init=True, score_thresh=0.55, seed=0)
    payload = extract_crops(model, sample.path, stride=STRIDE, levels=("P2", "P3"), max_clip_len=4, tracker=TrackerConfig(),
                            amp=True, batch_size=3)  # fmt: skip
    clip = read_clip(sample.path, clip_len=gt.num_frames, stride=1, start=0)
    det = detect_frames(model, clip.frames, features_device="cpu", amp=True)
    assert det.features.maps["0"].dtype == torch.bfloat16
    compared = 0
    for start in (0, 1, 4):
        got = crop_window(payload, start, 4, PoolerConfig())
        want = reference(payload, det, start, 4, PoolerConfig())
        torch.testing.assert_close(got["tubes"], want, atol=1e-4, rtol=1e-4)
        compared += int((want != 0).any())
    assert compared


def test_detect_video_by_default_reads_every_frame_at_source_size_in_float32_on_the_cpu(video, synthetic_tiny: Path) -> None:
    _, det, gt = video
    sample = next(s for s in index_synthetic(synthetic_tiny).samples if s.name == gt.name)
    model = build_detector("synthetic", random_init=True, score_thresh=0.55, seed=0)
    got = detect_video(model, sample.path)
    assert got.num_frames == gt.num_frames and got.frame_scale == (1.0, 1.0)
    assert len(got.boxes) == len(got.keypoints) == len(got.scores) == gt.num_frames
    assert got.features.maps["0"].dtype == torch.float32 and got.features.maps["0"].device.type == "cpu"
    assert got.features.original_size == det.features.original_size  # the frames as stored, unpadded
    for f in (0, gt.num_frames - 1):
        assert np.allclose(got.boxes[f], det.instances[f].boxes.numpy(), atol=1e-4)
        assert torch.allclose(got.features.maps["1"][f], det.features.maps["1"][f], atol=1e-5)


def test_the_trackers_settings_reach_the_tracker(video) -> None:
    # A gate of almost nothing links no detection to another frame's: every track then
    # lives one frame. The default gate links the same people into longer tracks.
    _, det, _ = video
    inst = det.instances
    detected = first_frames(det, len(inst))
    lengths = {}
    for name, tracker in (("default", TrackerConfig()), ("no links", TrackerConfig(gate=1e-9, max_gap=0))):
        payload = crop_video(detected, stride=1, levels=("P4",), max_clip_len=2, tracker=tracker)
        lengths[name] = payload["phases"][0]["present"].sum(dim=1)
    assert lengths["no links"].max() == 1 and lengths["no links"].sum() == sum(len(d.boxes) for d in inst)
    assert lengths["default"].max() > 1 and len(lengths["default"]) < len(lengths["no links"])


def test_the_trackers_gate_is_measured_on_the_detections_boxes(video) -> None:
    # One person whose keypoints huddle within 2 px (a detector's keypoints can) inside
    # an 80 x 100 box, moving 8 px between two frames: 8 px per joint is within the box's
    # diagonal (128 px), not within the keypoints' own span (2.8 px). With the boxes the
    # two detections are one track; gated on the keypoints alone they would be two.
    _, det, _ = video
    two = first_frames(det, 2).features
    joints = np.zeros((1, 17, 3), dtype=np.float32)
    joints[0, :, 0] = 50 + np.linspace(0, 2, 17)
    joints[0, :, 1] = 60 + np.linspace(0, 2, 17)[::-1]
    joints[0, :, 2] = 1.0
    moved = joints.copy()
    moved[0, :, 0] += 8
    box = np.array([[20.0, 20.0, 100.0, 120.0]], dtype=np.float32)
    detected = DetectedVideo(2, two, [joints, moved], [box, box + np.array([8.0, 0, 8, 0], dtype=np.float32)],
                             [np.array([0.9], dtype=np.float32)] * 2, (1.0, 1.0))  # fmt: skip
    payload = crop_video(detected, stride=1, levels=("P3",), max_clip_len=2, tracker=TrackerConfig())
    assert payload["phases"][0]["present"].tolist() == [[True, True]]
