"""Tests of hiar_lib.pipeline: one clip through detector, tracker and pooler."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from hiar_lib.data.synthetic import index_synthetic
from hiar_lib.data.video import read_clip
from hiar_lib.detection.build import build_detector
from hiar_lib.detection.inference import detect_frames
from hiar_lib.pipeline import run_clip
from hiar_lib.pool import action_tubes
from hiar_lib.pool_config import PoolerConfig
from hiar_lib.track import track_instances
from hiar_lib.track_config import TrackerConfig


def test_run_clip_is_the_detector_then_the_tracker_then_the_pooler_with_every_stage_kept(synthetic_tiny: Path) -> None:
    torch.manual_seed(0)
    # Untrained, its scores sit around 0.5-0.6: a high threshold keeps a few boxes per frame.
    model = build_detector("synthetic", random_init=True, score_thresh=0.57)
    sample = index_synthetic(synthetic_tiny, probe=False).split("cv")["test"][0]
    # 10 frames at stride 2 from frame 0 of a 16-frame clip: the last two are padding.
    clip = read_clip(sample.path, clip_len=10, stride=2, start=0)
    assert clip.valid.tolist() == [True] * 8 + [False] * 2
    tracker = TrackerConfig(method="hungarian", gate=None, max_gap=1)
    pooler = PoolerConfig(box="basic", levels=("P2", "P3", "P4"), output_size=7)
    out = run_clip(model, clip.frames, tracker=tracker, pooler=pooler, frame_valid=clip.valid, batch_size=3)

    want = detect_frames(model, clip.frames)
    assert sum(len(d) for d in want.instances) > 0
    assert len(out.detections.instances) == clip.num_frames
    for got, ref in zip(out.detections.instances, want.instances):
        assert torch.allclose(got.boxes, ref.boxes, atol=1e-4) and torch.allclose(got.keypoints, ref.keypoints, atol=1e-4)
    for t, ref in enumerate(want.instances):
        np.testing.assert_array_equal(out.scores[t], ref.scores.numpy())
    boxes = [d.boxes.numpy() for d in want.instances]
    ref_tracks = track_instances([d.keypoints.numpy() for d in want.instances], boxes, **asdict(tracker))
    np.testing.assert_array_equal(out.tracks.assignment, ref_tracks.assignment)
    ref_tubes = action_tubes(want.features, ref_tracks.assignment, boxes, [d.scores.numpy() for d in want.instances],
                             ref_tracks.track_ids, pooler, frame_valid=clip.valid)  # fmt: skip
    assert out.tubes is not None
    assert out.tubes.tubes.shape == (out.tracks.num_tracks, ref_tubes.tubes.shape[1], 10, 7, 7)
    assert torch.allclose(out.tubes.tubes, ref_tubes.tubes, atol=1e-4)
    assert torch.equal(out.tubes.present, ref_tubes.present)
    # No track is present in the padded frames, though the detector ran on them.
    assert not out.tubes.present[:, ~clip.valid].any()

    # Without a pooler: the same tracks, no FPN maps kept, no tubes.
    bare = run_clip(model, clip.frames, tracker=tracker)
    assert bare.tubes is None and bare.detections.features is None
    np.testing.assert_array_equal(bare.tracks.assignment, out.tracks.assignment)
    # Without a tracker: the default TrackerConfig.
    default = run_clip(model, clip.frames)
    np.testing.assert_array_equal(
        default.tracks.assignment, track_instances(bare.keypoints, bare.boxes, **asdict(TrackerConfig())).assignment
    )
