"""Section 4.4's measurements: what they run is checked here, their speeds only recorded."""

from __future__ import annotations

import numpy as np

from hiar_lib.experiments.timing import detector_speed, head_speed, identities_kept, make_walkers, tracker_speed
from hiar_lib.track import track_instances


def test_the_tracker_bench_checks_identities_and_would_catch_a_swap() -> None:
    kps, boxes, ids = make_walkers(30, 3, seed=1)
    assert len(kps) == 30 and kps[0].shape == (3, 17, 3) and boxes[0].shape == (3, 4)
    tracks = track_instances(kps, boxes)
    assert identities_kept(tracks, ids)
    swapped = [i.copy() for i in ids]
    swapped[15][[0, 1]] = swapped[15][[1, 0]]  # the truth says two people traded places mid-clip
    assert not identities_kept(tracks, swapped)
    rows = tracker_speed(num_frames=30, repeats=1, people=(2,), methods=("greedy", "hungarian"), log=None)
    assert [(r["method"], r["identities_kept"]) for r in rows] == [("greedy", True), ("hungarian", True)]
    assert all(r["fps"] > 0 and np.isclose(r["us_per_frame"], r["best_s"] / 30 * 1e6) for r in rows)


def test_the_detector_and_head_timings_run_the_paper_models_at_the_asked_size() -> None:
    d = detector_speed((96, 64), frames=1, repeats=1)
    assert d["size"] == [96, 64] and d["frames"] == 1 and d["fps"] > 0 and d["weights"] in ("coco", "untrained")
    (v4,) = head_speed(("tahnet_v4",), batches=(2,), repeats=1, log=None)
    assert v4["input"] == [256, 8, 28, 28] and round(v4["gmacs_per_clip"], 1) == 5.3 and v4["clips_per_s"] > 0


def test_end_to_end_timing_runs_the_whole_pipeline_on_a_real_clip(synthetic_tiny, tmp_path) -> None:
    import pytest
    import torch

    from hiar_lib.data.video import read_clip
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.weights import save_detector
    from hiar_lib.experiments.timing import end_to_end_speed
    from hiar_lib.pipeline import run_clip
    from hiar_lib.pool_config import PoolerConfig

    weights = save_detector(build_detector("synthetic", random_init=True, seed=0), tmp_path / "det.pt")
    video = sorted((synthetic_tiny / "videos").glob("*.mp4"))[0]
    frames = read_clip(video, clip_len=8).frames
    e = end_to_end_speed(frames, weights, repeats=1)
    assert e["size"] == [frames.shape[3], frames.shape[2]] and e["frames"] == 8 and e["head"] == "tahnet_v4"
    assert set(e["seconds"]) == {"detect", "track", "pool", "head"} and e["seconds"]["detect"] > 0
    assert e["fps"] == pytest.approx(8 / e["best_s"]) and e["best_s"] >= sum(e["seconds"].values()) - 1e-3
    # what it timed is what the pipeline finds on that clip with the same detector
    same = run_clip(build_detector("synthetic", weights=weights, min_size=min(e["size"]), max_size=max(e["size"])),
                    frames, pooler=PoolerConfig(output_size=28))  # fmt: skip
    assert e["tracks"] == len(same.tubes.tubes)
    assert e["people_per_frame"] == pytest.approx(np.mean([len(b) for b in same.boxes]))
    with pytest.raises(ValueError, match="clips of 8 frames"):
        end_to_end_speed(torch.zeros(4, 3, 32, 32, dtype=torch.uint8), weights)
