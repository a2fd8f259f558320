"""``hiar demo``: what each person in a video is doing (:mod:`hiar_lib.demo`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="detect, track and recognise every person's action in a video: annotated mp4 and JSON",
        description=(
            "Run the whole pipeline on any video PyAV reads: the detector on the frames the windows "
            "sample, the tracker over the whole video, and the head on every track of every temporal "
            "window. Writes <stem>_demo.mp4 (each person's box, mask, track id and top action, a colour "
            "per track) and <stem>_demo.json (the video, the models and settings, and per track its "
            "frames, boxes, keypoints and per window the top-5 actions) into --out; nothing is left "
            "there when it fails. The clip length, stride, tracker and pooler are the head's."
        ),
    )
    p.add_argument("video", type=Path, help="a video file (mp4, avi, mkv, webm, ...)")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--head", required=True, type=Path,
                   help="a head checkpoint: a run's seed<N> folder or its last.pt (from hiar train or make reproduce)")  # fmt: skip
    p.add_argument("--detector", default="auto", choices=["auto", "synthetic", "paper"],
                   help="detector: the one the head's tubes came from (auto: a synthetic --weights file as one, "
                        "else the COCO files when present, else the newest synthetic checkpoint)")  # fmt: skip
    w = p.add_mutually_exclusive_group()
    w.add_argument("--weights", type=Path, default=None, help="detector weights (synthetic checkpoint or COCO files)")
    w.add_argument("--random-init", action="store_true", help="an untrained detector (checks only)")
    p.add_argument("--window-stride", type=int, default=None,
                   help="source frames between window starts, a multiple of the head's stride (default: one window's span)")  # fmt: skip
    p.add_argument("--max-side", type=int, default=640, help="shrink frames to this longer side first (default 640; 0: keep)")
    p.add_argument("--batch-size", type=int, default=4, help="frames per detector pass")
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hiar_lib.demo import DemoSettings, run_demo

    settings = DemoSettings(window_stride=args.window_stride, max_side=args.max_side or None, batch_size=args.batch_size)
    result = run_demo(
        args.video, args.out, args.head, weights=args.weights, detector=args.detector, random_init=args.random_init,
        device=args.device, settings=settings, progress=not args.no_progress, log=print,
    )  # fmt: skip
    tracks = result.tracks
    print(f"{len(tracks)} track(s) over {result.data['video']['frames']} frames -> {result.video}, {result.json}")
    for t in tracks:
        last = t["windows"][-1]["top"][0] if t["windows"] else None
        print(f"  #{t['track']}: {len(t['frames'])} frames" + (f", last window: {last['action']} {last['probability']:.2f}" if last else ""))
    return 0
