"""Tracking throughput of :func:`hiar_lib.track.track_instances`, in frames per second.

Random-walk people (17 joints spread around each person's centre, instance order
shuffled every frame, like a detector's), ``--frames`` frames per clip, 2, 5 and 20
people per frame, greedy and Hungarian assignment, keypoints ``(N, 17, 3)`` with all
joints visible (what torchvision's Keypoint R-CNN returns) plus boxes for the gate.
Each figure is the best of ``--repeats`` runs of the whole call (input checks
included). Each run's identities are checked against the generator's, so a fast but
wrong tracker does not go unnoticed.

Usage::

    .venv/bin/python benchmarks/bench_tracker.py [--out results/bench/tracker.json]

The paper (section 4.4) reports 291 fps for its tracker; the target here is at least
30,000 fps with 5 people per frame on one CPU core.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hiar_lib.experiments.paper import paper_timing_fps  # noqa: E402
from hiar_lib.experiments.provenance import provenance  # noqa: E402
from hiar_lib.experiments.records import write_record  # noqa: E402
from hiar_lib.track import track_instances  # noqa: E402
from hiar_lib.vocabulary import NUM_KEYPOINTS  # noqa: E402

PEOPLE = (2, 5, 20)
METHODS = ("greedy", "hungarian")


def make_clip(
    num_frames: int, num_people: int, seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Random-walk people: keypoints ``F x (P, 17, 3)``, boxes ``F x (P, 4)``, true ids ``F x (P,)``.

    People start on a grid 200 px apart and take Gaussian steps of 3 px per frame (sd),
    so they stay apart and the true identities are recoverable.
    """
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(num_people)))
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side)), -1).reshape(-1, 2)
    start = grid[:num_people] * 200.0 + 100.0
    centres = start + np.cumsum(rng.normal(0.0, 3.0, (num_frames, num_people, 2)), axis=0)
    pose = rng.normal(0.0, 25.0, (num_people, NUM_KEYPOINTS, 2))  # each person's own pose
    jitter = rng.normal(0.0, 1.0, (num_frames, num_people, NUM_KEYPOINTS, 2))
    xy = centres[:, :, None, :] + pose[None] + jitter  # (F, P, 17, 2)
    kps, boxes, ids = [], [], []
    for f in range(num_frames):
        perm = rng.permutation(num_people)
        k = np.concatenate([xy[f, perm], np.ones((num_people, NUM_KEYPOINTS, 1))], axis=2)
        kps.append(k)
        boxes.append(np.concatenate([k[..., :2].min(1) - 5, k[..., :2].max(1) + 5], axis=1))
        ids.append(perm)
    return kps, boxes, ids


def identities_kept(tracks, true_ids: list[np.ndarray]) -> bool:
    """Whether every track holds exactly one true person over the whole clip."""
    if tracks.num_tracks != len(true_ids[0]):
        return False
    pairs = {(int(t), int(p)) for f, ids in enumerate(true_ids)
             for t, p in zip(tracks.instance_track_ids(f), ids)}
    return len(pairs) == len(true_ids[0])


def run(num_frames: int, repeats: int) -> list[dict]:
    rows = []
    for people in PEOPLE:
        kps, boxes, true_ids = make_clip(num_frames, people, seed=people)
        for method in METHODS:
            times = []
            correct = True
            for _ in range(repeats):
                t0 = time.perf_counter()
                tracks = track_instances(kps, boxes, method=method)
                times.append(time.perf_counter() - t0)
                correct = correct and identities_kept(tracks, true_ids)
            best = min(times)
            rows.append({
                "people_per_frame": people,
                "method": method,
                "frames": num_frames,
                "repeats": repeats,
                "best_s": best,
                "median_s": float(np.median(times)),
                "fps": num_frames / best,
                "us_per_frame": best / num_frames * 1e6,
                "identities_kept": correct,
            })
            print(f"{people:3d} people  {method:9s}  {num_frames / best:10.0f} fps  "
                  f"({best / num_frames * 1e6:6.1f} us/frame, median "
                  f"{num_frames / float(np.median(times)):8.0f} fps)  identities kept: {correct}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "results" / "bench" / "tracker.json")
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    if args.frames < 1 or args.repeats < 1:
        parser.error("--frames and --repeats must be >= 1")
    t0 = time.perf_counter()
    rows = run(args.frames, args.repeats)
    import scipy

    parameters = {
        "benchmark": "tracker throughput (hiar_lib.track.track_instances)",
        "settings": {"keypoints": "(N, 17, 3), all visible", "boxes": True, "gate": 1.0, "max_gap": 3,
                     "random_walk_step_sd_px": 3.0, "frames": args.frames, "repeats": args.repeats},
        "target": {"people_per_frame": 5, "min_fps": 30000},
        "paper_fps": paper_timing_fps("tracker", "ntu"),
    }  # fmt: skip
    prov = provenance(wall_time_s=round(time.perf_counter() - t0, 2), scipy=scipy.__version__,
                      load_average_1min=os.getloadavg()[0] if hasattr(os, "getloadavg") else None)  # fmt: skip
    write_record(args.out, "bench_tracker", parameters, {"results": rows}, prov)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
