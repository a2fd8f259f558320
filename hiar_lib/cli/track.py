"""``hiar eval-tracking``: the tracker on the synthetic benchmark, alone and after the detector."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hiar_lib.provenance import provenance


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval-tracking",
        help="score the tracker on a synthetic benchmark (MOTA, IDF1, ID switches)",
        description=(
            "Track every clip of a split of a synthetic benchmark and score the tracks against the "
            "true identities with motmetrics: once on ground-truth instances (the tracker alone) and, "
            "with --weights, once on the detector's instances (detector + tracker)."
        ),
    )
    p.add_argument("--data", required=True, type=Path, help="a benchmark made by `hiar synth`")
    p.add_argument("--protocol", default="cs")
    p.add_argument("--split", default="test", help="default: the cross-subject test split (validation)")
    p.add_argument("--weights", type=Path, default=None, help="synthetic detector checkpoint: also score detector + tracker")
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", type=Path, default=None, help="write the results JSON here")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def detected_instances(model, device: str = "cpu"):
    """A function from a video path to the detector's per-frame instances (every frame)."""
    from hiar_lib.data.video import probe_video, read_clip
    from hiar_lib.detect import detect_frames
    from hiar_lib.tracking_eval import FrameInstances

    def detect(video: str) -> FrameInstances:
        clip = read_clip(video, clip_len=probe_video(video).num_frames, stride=1, start=0)
        dets = detect_frames(model, clip.frames, device=device, return_features=False)
        return FrameInstances([d.keypoints.cpu().numpy() for d in dets.instances], [d.boxes.cpu().numpy() for d in dets.instances])

    return detect


def run(args: argparse.Namespace) -> int:
    from hiar_lib.track import TrackerConfig
    from hiar_lib.tracking_eval import evaluate_tracker_on_benchmark

    start = time.perf_counter()
    runs = []
    for method in ("greedy", "hungarian"):
        runs.append(evaluate_tracker_on_benchmark(args.data, args.protocol, args.split, TrackerConfig(method=method),
                                                  progress=not args.no_progress))  # fmt: skip
    paper = TrackerConfig(method="greedy", gate=None, max_gap=0)  # eq. 3 exactly, adjacent frames only
    runs.append(evaluate_tracker_on_benchmark(args.data, args.protocol, args.split, paper, progress=not args.no_progress))
    if args.weights is not None:
        from hiar_lib.detect import build_detector

        model = build_detector("synthetic", weights=args.weights, device=args.device)
        detect = detected_instances(model, args.device)
        runs.append(evaluate_tracker_on_benchmark(args.data, args.protocol, args.split, TrackerConfig(), detect=detect,
                                                  progress=not args.no_progress))  # fmt: skip
    for r in runs:
        m = r["all"]
        t = r["tracker"]
        print(f"{r['instances']:>12} instances, {t['method']:>9}, gate {t['gate']}, max_gap {t['max_gap']}: "
              f"MOTA {m['mota']:.4f}  IDF1 {m['idf1']:.4f}  ID switches {m['id_switches']}  "
              f"({r['clips']} clips, {r['clips_with_crossings']} with people crossing)")  # fmt: skip
    if args.out:
        from hiar_lib.synth import load_manifest

        manifest = load_manifest(args.data)
        record = {
            "artefact": "tracking_synthetic",
            "benchmark": {"root": str(args.data), "profile": manifest["profile"], "seed": manifest["seed"]},
            "runs": runs,
            "detector_weights": str(args.weights) if args.weights else None,
            "wall_time_s": round(time.perf_counter() - start, 1),
            "provenance": provenance(profile=manifest["profile"], seeds=[manifest["seed"]], device=args.device),
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=1) + "\n")
        print(f"results written to {args.out}")
    return 0
