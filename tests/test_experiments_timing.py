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
