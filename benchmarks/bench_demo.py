"""``hiar demo`` on a real clip: frames per second end to end and per stage (decode,
detection, tracking, pooling, head, drawing), with the machine's matmul rate measured in
the same run (:func:`hiar_lib.experiments.timing.demo_speed`, :func:`matmul_gflops`).

Usage::

    .venv/bin/python benchmarks/bench_demo.py --head cache/runs/<run>/seed0 \\
        --weights cache/detectors/synthetic-quick.pt [--video ../shared/realdata/clips/basketball_two_people.mp4] \\
        [--out results/bench/demo_cpu.json] [--still results/figures/demo_basketball.png]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hiar_lib.experiments.provenance import device_name, provenance  # noqa: E402
from hiar_lib.experiments.records import write_record  # noqa: E402
from hiar_lib.experiments.timing import demo_speed, matmul_gflops  # noqa: E402

DEFAULT_VIDEO = REPO.parent / "shared" / "realdata" / "clips" / "basketball_two_people.mp4"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--head", type=Path, required=True, help="a head checkpoint (the demo's)")
    w = parser.add_mutually_exclusive_group(required=True)
    w.add_argument("--weights", type=Path, help="the synthetic detector its tubes came from")
    w.add_argument("--random-init", action="store_true", help="an untrained detector (checks only)")
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-side", type=int, default=640)
    parser.add_argument("--out", type=Path, default=None, help="default results/bench/demo_<cpu|cuda>.json")
    parser.add_argument("--still", type=Path, default=None, help="also save the drawn video's middle frame (PNG)")
    args = parser.parse_args(argv)
    out = args.out or REPO / "results" / "bench" / f"demo_{torch.device(args.device).type}.json"
    t0 = time.perf_counter()
    gflops = matmul_gflops(args.device)
    d = demo_speed(args.video, args.head, args.weights, device=args.device, max_side=args.max_side, random_init=args.random_init,
                   still=args.still)
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in d["seconds"].items())
    print(f"demo on {d['video']} ({d['frames']} frames at {d['size'][0]}x{d['size'][1]}, {d['detected_frames']} detected): "
          f"{d['wall_s']:.1f} s, {d['fps']:.2f} fps ({stages}); matmul {gflops:.0f} GFLOP/s")  # fmt: skip
    parameters = {"benchmark": "hiar demo end to end (hiar_lib.experiments.timing.demo_speed)", "video": str(args.video),
                  "head": str(args.head), "weights": str(args.weights) if args.weights else "untrained", "max_side": args.max_side}  # fmt: skip
    prov = provenance(device=args.device, wall_time_s=round(time.perf_counter() - t0, 2), matmul_gflops=round(gflops, 1))
    write_record(out, "bench_demo", parameters, {"rows": [d]}, prov)
    print(f"wrote {out} ({device_name(args.device)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
