"""Section 4.4 on one device: the detector at the paper's frame sizes and at ours, the
tracker, the TAHNet heads and the whole pipeline end to end, beside the paper's P40.

The functions are :mod:`hiar_lib.experiments.timing`'s (the timing notebook calls the same
ones). Rows:

- ``detector``: the paper's ResNet-50-FPN Keypoint/Mask R-CNN at 1280 x 736 (NTU RGB+D)
  and 640 x 480 (N-UCLA), COCO weights where they are on the machine, else untrained (the
  backbone, which dominates, costs the same); and, with ``--weights``, the synthetic
  benchmark's ResNet-18-FPN detector at the clip's own size.
- ``tracker``: eq. 3 on random-walk people (CPU).
- ``head``: TAHNet-v1..v4 at their paper input and widths, batch 1 and 8.
- ``end_to_end`` (with ``--weights`` and ``--clip``): one 8-frame clip of the synthetic
  benchmark through detector (FPN maps kept), tracker, pooler and TAHNet-v4 on every
  track, with each stage's seconds.

Usage::

    .venv/bin/python benchmarks/bench_timing.py --device cpu \\
        --weights cache/detectors/synthetic-quick.pt \\
        --data cache/synthetic/quick [--out results/bench/timing_cpu.json]

``--clip`` takes a video (decoded with PyAV) or a ``.pt`` file holding the ``uint8 (8, 3,
H, W)`` frames (for a machine without PyAV). ``--commit`` records the commit of a copy of
the code that has no git folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hiar_lib.experiments.paper import paper_timing_fps  # noqa: E402
from hiar_lib.experiments.provenance import device_name, provenance  # noqa: E402
from hiar_lib.experiments.records import write_record  # noqa: E402
from hiar_lib.experiments.timing import (  # noqa: E402
    HEAD_PRESETS, busiest_test_clip, detector_speed, end_to_end_speed, head_speed, matmul_gflops, tracker_speed,
)  # fmt: skip

PAPER_SIZES = {"ntu": (1280, 736), "nucla": (640, 480)}
CLIP_LEN = 8


def load_clip(path: Path) -> torch.Tensor:
    """``uint8 (8, 3, H, W)``: the centred 8 frames of a video, or a saved frames tensor."""
    if path.suffix == ".pt":
        frames = torch.load(path, weights_only=True)
    else:
        from hiar_lib.data.video import read_clip

        frames = read_clip(path, clip_len=CLIP_LEN).frames
    if frames.dtype != torch.uint8 or frames.ndim != 4 or frames.shape[0] != CLIP_LEN or frames.shape[1] != 3:
        raise SystemExit(f"{path}: expected uint8 frames (8, 3, H, W), got {frames.dtype} {tuple(frames.shape)}")
    return frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=None, help="default results/bench/timing_<cpu|cuda>.json")
    parser.add_argument("--weights", type=Path, default=None, help="the synthetic detector checkpoint")
    parser.add_argument("--clip", type=Path, default=None, help="a synthetic test video or a .pt of its frames")
    parser.add_argument("--data", type=Path, default=None,
                        help="a synthetic benchmark: --clip is its cross-subject test video with the most people")
    parser.add_argument("--frames", type=int, default=8, help="frames per detector timing")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--commit", default=None, help="the code's commit where the copy has no git folder")
    parser.add_argument("--sizes", nargs="*", default=list(PAPER_SIZES), choices=list(PAPER_SIZES),
                        help="the paper's frame sizes the detector is timed at (default both; none: skip)")
    parser.add_argument("--heads", nargs="+", default=list(HEAD_PRESETS), choices=list(HEAD_PRESETS))
    args = parser.parse_args(argv)
    if args.data is not None:
        if args.clip is not None:
            parser.error("give --clip or --data, not both")
        args.clip = busiest_test_clip(args.data)
    if args.clip is not None and args.weights is None:
        parser.error("--clip needs --weights (the detector that finds its people)")
    out = args.out or REPO / "results" / "bench" / f"timing_{torch.device(args.device).type}.json"
    t0 = time.perf_counter()
    rows: list[dict] = []
    for dataset in args.sizes:
        size = PAPER_SIZES[dataset]
        d = detector_speed(size, frames=args.frames, repeats=args.repeats, device=args.device)
        rows.append({"component": "detector", "dataset": dataset, **d, "paper_fps": paper_timing_fps("detector", dataset)})
        print(f"detector {d['preset']} ({d['weights']}) {size[0]}x{size[1]}: {d['fps']:.2f} fps", flush=True)
    clip = load_clip(args.clip) if args.clip is not None else None
    if args.weights is not None:
        size = (clip.shape[3], clip.shape[2]) if clip is not None else (192, 144)
        d = detector_speed(size, frames=args.frames, repeats=args.repeats, device=args.device, weights=args.weights, preset="synthetic")
        rows.append({"component": "detector", "dataset": "synthetic", **d, "paper_fps": None})
        print(f"detector synthetic {size[0]}x{size[1]}: {d['fps']:.2f} fps", flush=True)
    track = tracker_speed(num_frames=1000, repeats=args.repeats, people=(2, 5), methods=("greedy",), log=None)
    rows += [{"component": "tracker", "dataset": "random walk", **r, "paper_fps": paper_timing_fps("tracker", "ntu")} for r in track]
    for r in head_speed(args.heads, batches=(1, 8), repeats=args.repeats, device=args.device):
        paper = {"tahnet_v4": paper_timing_fps("head", "ntu"), "tahnet_v3": paper_timing_fps("head", "nucla")}.get(r["head"])
        rows.append({"component": "head", "dataset": None, **r, "frames_per_s": r["clips_per_s"] * CLIP_LEN,
                     "paper_fps": paper if r["batch"] == 1 else None})  # fmt: skip
    if clip is not None:
        e = end_to_end_speed(clip, args.weights, repeats=args.repeats, device=args.device)
        rows.append({"component": "end_to_end", "dataset": "synthetic", **e, "paper_fps": None})
        shares = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in e["seconds"].items())
        print(f"end to end {e['size'][0]}x{e['size'][1]}: {e['fps']:.2f} fps, {e['people_per_frame']:.1f} people/frame ({shares})")
    parameters = {
        "benchmark": "Section 4.4 timings (hiar_lib.experiments.timing)",
        "frames": args.frames, "repeats": args.repeats, "clip": str(args.clip) if args.clip else None,
        "paper_device": "Nvidia Tesla P40",
    }  # fmt: skip
    extra = {"git_commit": args.commit} if args.commit else {}
    prov = provenance(device=args.device, wall_time_s=round(time.perf_counter() - t0, 2),
                      matmul_gflops=round(matmul_gflops(args.device), 1), **extra)  # fmt: skip
    write_record(out, "bench_timing", parameters, {"rows": rows}, prov)
    print(f"wrote {out} ({device_name(args.device)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
