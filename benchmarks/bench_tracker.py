"""Tracking throughput of :func:`hiar_lib.track.track_instances`, in frames per second
(:func:`hiar_lib.experiments.timing.tracker_speed`, which the timing notebook calls too).

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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hiar_lib.experiments.paper import paper_timing_fps  # noqa: E402
from hiar_lib.experiments.provenance import provenance  # noqa: E402
from hiar_lib.experiments.records import write_record  # noqa: E402
from hiar_lib.experiments.timing import tracker_speed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "results" / "bench" / "tracker.json")
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    if args.frames < 1 or args.repeats < 1:
        parser.error("--frames and --repeats must be >= 1")
    t0 = time.perf_counter()
    rows = tracker_speed(args.frames, args.repeats)
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
