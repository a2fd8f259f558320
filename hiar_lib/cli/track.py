"""``hiar eval-tracking``: the tracker on the synthetic benchmark, alone and after the detector."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hiar_lib.experiments.provenance import provenance
from hiar_lib.profiles import DEFAULT_PROFILE, PROFILE_NAMES


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
    p.add_argument("--profile", default=None, choices=PROFILE_NAMES,
                   help="whose extraction settings the detector + tracker run uses (score threshold, people a frame, "
                        "tracker); default the benchmark's own profile (its manifest's), else quick")  # fmt: skip
    p.add_argument("--score-thresh", type=float, default=None, help="person score threshold of the detector (profiles: 0.5; smoke: 0.05)")
    p.add_argument("--max-people", type=int, default=None, help="at most this many people a frame (profiles: 100; smoke: 2)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", type=Path, default=None, help="write the results JSON here")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)

    v = sub.add_parser(
        "track-video",
        help="detect and track the people of a video and draw the tracks to a PNG",
        description=(
            "Run the detector and the tracker over T frames of a video and draw every frame's people "
            "in their track's colour (boxes, masks, skeletons) into a PNG grid. Works with whatever "
            "weights are present: --weights for the synthetic detector, the COCO files for --preset "
            "paper, or --random-init for a smoke run (untrained: the drawing then shows noise)."
        ),
    )
    v.add_argument("video", type=Path)
    v.add_argument("--out", required=True, type=Path, help="PNG to write")
    v.add_argument("--preset", default="auto", choices=["auto", "synthetic", "paper"],
                   help="detector: paper (COCO files), synthetic (a `hiar train-detector` checkpoint; default the "
                        "newest cached one), auto (paper when its files are there, else synthetic)")  # fmt: skip
    w = v.add_mutually_exclusive_group()
    w.add_argument("--weights", type=Path, default=None)
    w.add_argument("--random-init", action="store_true")
    v.add_argument("--frames", type=int, default=8, help="T frames (default 8)")
    v.add_argument("--stride", type=int, default=2, help="temporal stride (default 2)")
    v.add_argument("--max-side", type=int, default=None, help="shrink frames to this longer side first")
    v.add_argument("--score-thresh", type=float, default=0.5)
    v.add_argument("--method", default="greedy", choices=["greedy", "hungarian"])
    v.add_argument("--device", default="cpu")
    v.add_argument("--nrow", type=int, default=4)
    v.set_defaults(func=run_video)


def detection_settings(args: argparse.Namespace, benchmark_profile: str) -> dict:
    """The detector + tracker run's settings: the profile's extraction settings
    (``--profile``, else the benchmark's own profile when it is one, else quick's), with
    ``--score-thresh`` and ``--max-people`` over them: ``{"profile", "score_thresh",
    "max_people", "tracker"}`` (the tracker as :class:`~hiar_lib.track_config.TrackerConfig`)."""
    from hiar_lib.experiments.extraction import extraction_settings
    from hiar_lib.track_config import tracker_config

    profile = args.profile or (benchmark_profile if benchmark_profile in PROFILE_NAMES else DEFAULT_PROFILE)
    settings = extraction_settings(profile)
    return {
        "profile": profile,
        "score_thresh": settings.score_thresh if args.score_thresh is None else args.score_thresh,
        "max_people": settings.max_people if args.max_people is None else args.max_people,
        "tracker": tracker_config(settings.tracker),
    }


def run(args: argparse.Namespace) -> int:
    from hiar_lib.data.synthetic import load_manifest
    from hiar_lib.track_config import PAPER_CONFIG, TrackerConfig
    from hiar_lib.tracking_eval import evaluate_tracker_on_benchmark

    start = time.perf_counter()
    manifest = load_manifest(args.data)
    detection = detection_settings(args, manifest["profile"])
    runs = []
    for method in ("greedy", "hungarian"):
        runs.append(evaluate_tracker_on_benchmark(args.data, args.protocol, args.split, TrackerConfig(method=method),
                                                  progress=not args.no_progress))  # fmt: skip
    runs.append(evaluate_tracker_on_benchmark(args.data, args.protocol, args.split, PAPER_CONFIG, progress=not args.no_progress))
    if args.weights is not None:
        from hiar_lib.detection.build import build_detector

        model = build_detector("synthetic", weights=args.weights, device=args.device, score_thresh=detection["score_thresh"],
                               detections_per_img=detection["max_people"])  # fmt: skip
        runs.append(evaluate_tracker_on_benchmark(args.data, args.protocol, args.split, detection["tracker"], model=model,
                                                  device=args.device, progress=not args.no_progress))  # fmt: skip
    for r in runs:
        m = r["all"]
        t = r["tracker"]
        print(f"{r['instances']:>12} instances, {t['method']:>9}, gate {t['gate']}, max_gap {t['max_gap']}: "
              f"MOTA {m['mota']:.4f}  IDF1 {m['idf1']:.4f}  ID switches {m['id_switches']}  "
              f"({r['clips']} clips, {r['clips_with_crossings']} with people crossing)")  # fmt: skip
    if args.out:
        from hiar_lib.experiments.detector import checkpoint_identity
        from hiar_lib.experiments.records import no_value_as_none, write_record

        parameters = {
            "benchmark": {"root": str(args.data), "profile": manifest["profile"], "seed": manifest["seed"]},
            "protocol": args.protocol,
            "split": args.split,
            "detector": checkpoint_identity(args.weights) if args.weights else None,
            "settings_of": detection["profile"] if args.weights else None,
            "score_thresh": detection["score_thresh"] if args.weights else None,
            "max_people": detection["max_people"] if args.weights else None,
        }
        prov = provenance(profile=manifest["profile"], seeds=[manifest["seed"]], device=args.device,
                          wall_time_s=round(time.perf_counter() - start, 2))  # fmt: skip
        write_record(args.out, "tracking_synthetic", parameters, {"runs": no_value_as_none(runs)}, prov)
        print(f"results written to {args.out}")
    return 0


def run_video(args: argparse.Namespace) -> int:
    import torch
    from torchvision.utils import make_grid

    from hiar_lib.data.video import read_clip
    from hiar_lib.detection.build import build_detector
    from hiar_lib.experiments.detector import resolve_detector
    from hiar_lib.pipeline import run_clip
    from hiar_lib.track_config import TrackerConfig
    from hiar_lib.viz import PALETTE, draw_instances, save_png

    preset, weights = resolve_detector(args.preset, args.weights, args.random_init)
    clip = read_clip(args.video, clip_len=args.frames, stride=args.stride, start="first", max_side=args.max_side)
    model = build_detector(preset, weights=weights, random_init=args.random_init, device=args.device,
                           score_thresh=args.score_thresh)  # fmt: skip
    n = int(clip.valid.sum())
    frames = clip.frames[:n]
    out = run_clip(model, frames, tracker=TrackerConfig(method=args.method), device=args.device)
    dets, tracks = out.detections.instances, out.tracks
    drawn = []
    for t, (frame, inst) in enumerate(zip(frames, dets)):
        colors = [PALETTE[int(i) % len(PALETTE)] for i in tracks.instance_track_ids(t)]  # one colour per track
        drawn.append(draw_instances(frame, inst, colors=colors, labels=False) if len(inst) else frame)
    save_png(make_grid(torch.stack(drawn), nrow=args.nrow, padding=2), args.out)
    lengths = sorted(tracks.lengths().tolist(), reverse=True)
    shown = ", ".join(str(k) for k in lengths[:8]) + (f", ... ({len(lengths) - 8} more)" if len(lengths) > 8 else "")
    print(f"{args.video}: {n} frames, {sum(len(d) for d in dets)} detections, {tracks.num_tracks} tracks "
          f"(frames per track, longest first: {shown or 'none'}); drawing written to {args.out}")  # fmt: skip
    return 0
