"""Forward speed of the TAHNet presets v1-v4, beside the machine's dense matmul speed
(:func:`hiar_lib.experiments.timing.head_speed`, which the timing notebook calls too).

For each preset at its paper input (256 channels; v1-v3 8x14x14, v4 8x28x28) and batch
1 and 8: clips per second of an inference forward pass (best of ``--repeats``), the
GFLOP/s it achieves (2 x multiply-accumulates per clip x clips/s, the MACs counted by
``hiar_lib.models.count_gflops``), and, measured in the same run, the dense float32
matmul GFLOP/s of this machine (an ``n x n`` by ``n x n`` product), so the ratio shows
how close the heads run to the hardware.

Usage::

    .venv/bin/python benchmarks/bench_tahnet.py [--out results/bench/tahnet.json] [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hiar_lib.experiments.provenance import provenance  # noqa: E402
from hiar_lib.experiments.records import write_record  # noqa: E402
from hiar_lib.experiments.timing import HEAD_PRESETS, head_speed, matmul_gflops  # noqa: E402

PRESETS = HEAD_PRESETS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "results" / "bench" / "tahnet.json")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--matmul-size", type=int, default=2048)
    parser.add_argument("--matmul-repeats", type=int, default=10)
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    t0 = time.perf_counter()
    # The matmul is timed before and after the heads and the faster taken: timed first
    # alone, a cold process (thread pool, clock ramp-up) read 260 GFLOP/s on a machine
    # that sustains 430, and the heads then looked faster than the hardware.
    before = matmul_gflops(device, args.matmul_size, args.matmul_repeats)
    print(f"dense float32 matmul {args.matmul_size}^3: {before:.1f} GFLOP/s (before the heads)")
    rows = head_speed(PRESETS, args.batches, args.repeats, args.device)
    after = matmul_gflops(device, args.matmul_size, args.matmul_repeats)
    peak = max(before, after)
    print(f"dense float32 matmul {args.matmul_size}^3: {after:.1f} GFLOP/s (after the heads); reference {peak:.1f}")
    for row in rows:
        row["fraction_of_matmul"] = row["achieved_gflop_s"] / peak
        print(f"{row['head']:10s} batch {row['batch']}: {row['fraction_of_matmul']:.0%} of matmul")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    parameters = {
        "benchmark": "TAHNet forward speed (inference, float32)",
        "presets": list(PRESETS), "batches": list(args.batches), "repeats": args.repeats,
        "matmul": {"n": args.matmul_size, "repeats": args.matmul_repeats},
        "note": "GFLOP/s counts 2 FLOPs per multiply-accumulate; the paper's GFLOPs column counts MACs.",
    }  # fmt: skip
    metrics = {"matmul_gflop_s": peak, "matmul_gflop_s_before": before, "matmul_gflop_s_after": after, "results": rows}
    prov = provenance(device=args.device, wall_time_s=round(time.perf_counter() - t0, 2), load_average_1min=load)
    write_record(args.out, "bench_tahnet", parameters, metrics, prov)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
