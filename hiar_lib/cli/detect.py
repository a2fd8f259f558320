"""``hiar train-detector`` and ``hiar detect``: the human detector from the command line.

``hiar train-detector --data ROOT --eval-data BENCHMARK`` trains the synthetic preset on a
synthetic benchmark generated for it (``hiar synth --for-detector``; cached: a second run
with the same settings reuses the checkpoint), evaluates it on the benchmark's
cross-subject test split with pycocotools and writes
``results/detector_synthetic_<profile>.json`` (box / mask / keypoint AP, training time and
loss curve, provenance).

``hiar detect VIDEO --out PNG`` runs a detector on ``T`` frames of a video and draws the
boxes, masks and keypoints it finds into a PNG grid.
"""

from __future__ import annotations

import argparse
import sys

from hiar_lib.errors import HiarError
from hiar_lib.profiles import DEFAULT_PROFILE, PROFILES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train-detector`` and ``detect``."""
    t = subparsers.add_parser(
        "train-detector",
        help="train the synthetic-preset detector on a synthetic benchmark, evaluate it (AP)",
        description=(
            "Train the synthetic preset (Keypoint R-CNN + mask head on ResNet-18-FPN) for the "
            "profile's fixed number of iterations on every clip of a benchmark generated for it "
            "(`hiar synth --profile P --for-detector`: other people than the evaluation benchmark's), "
            "or with --train-split train on a benchmark's training split (the same settings give the "
            "same weights on the same kind of machine; the wall time is recorded), then measure box, "
            "mask and keypoint AP (pycocotools) on the test split of --eval-data and write a results "
            "JSON. Trained checkpoints are cached by their settings: rerunning with the same settings "
            "evaluates the cached one."
        ),
    )
    t.add_argument("--data", required=True, metavar="ROOT",
                   help="the synthetic benchmark it trains on (`hiar synth --for-detector`, or any with --train-split train)")  # fmt: skip
    t.add_argument("--profile", default=DEFAULT_PROFILE, choices=[n for n, p in PROFILES.items() if p.detector],
                   help=f"training settings (default {DEFAULT_PROFILE}; smoke: a few iterations, for checks)")  # fmt: skip
    t.add_argument("--iterations", type=int, default=None, metavar="N", help="iterations (default: the profile's)")
    t.add_argument("--minutes", type=float, default=None, metavar="M",
                   help="also stop after M minutes of training (then the result depends on the machine's speed)")  # fmt: skip
    t.add_argument("--batch-size", type=int, default=None, metavar="B", help="frames per iteration (default: the profile's)")
    t.add_argument("--lr", type=float, default=None, help="peak AdamW learning rate (default: the profile's)")
    t.add_argument("--seed", type=int, default=None, help="seed of the weights and the frame order (default 0)")
    t.add_argument("--protocol", default="cs", choices=("cs", "cv"), help="train on this protocol's train split")
    t.add_argument("--train-split", default=None, choices=("train", "all"),
                   help="train on the protocol's train split or on all clips of --data: a benchmark generated "
                        "only for the detector (`hiar synth --for-detector`), evaluated on --eval-data "
                        "(default: the profile's; quick trains on a benchmark of its own)")  # fmt: skip
    t.add_argument("--eval-data", default=None, metavar="ROOT",
                   help="evaluate on this benchmark's test split (default --data; required when training on all of --data)")  # fmt: skip
    t.add_argument("--device", default="cpu", help="torch device (default cpu)")
    t.add_argument("--amp", default="auto", choices=("auto", "on", "off"),
                   help="bfloat16 autocast while training (auto: where the CPU/GPU has fast bfloat16)")  # fmt: skip
    t.add_argument("--out", default=None, metavar="PATH", help="also copy the checkpoint here")
    t.add_argument("--results", default=None, metavar="JSON",
                   help="results file (default results/detector_synthetic_<profile>.json)")  # fmt: skip
    t.add_argument("--cache-dir", default=None, metavar="DIR", help="checkpoint cache (default: cache/ of the checkout)")
    t.add_argument("--force", action="store_true", help="train even if a cached checkpoint exists")
    t.add_argument("--eval-stride", type=int, default=4, metavar="K", help="evaluate every K-th frame (default 4)")
    t.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    t.set_defaults(func=run_train)

    d = subparsers.add_parser(
        "detect",
        help="draw the people a detector finds in a video (boxes, masks, keypoints) into a PNG",
        description=(
            "Read T frames of a video, detect people (boxes, masks, 17 keypoints) and write the "
            "frames with the detections drawn as one PNG grid."
        ),
        epilog=(
            "presets: paper = torchvision COCO weights (torch hub cache or --weights FOLDER); "
            "synthetic = a checkpoint of `hiar train-detector` (--weights, default the newest "
            "cached one); auto = paper if its weights are present, else synthetic. "
            "--random-init draws an untrained model's output (a smoke run)."
        ),
    )
    d.add_argument("video", metavar="VIDEO", help="a video file PyAV can read")
    d.add_argument("--out", required=True, metavar="PNG", help="output image")
    d.add_argument("--preset", default="auto", choices=("auto", "paper", "synthetic"))
    d.add_argument("--weights", default=None, metavar="PATH", help="weights file or folder (see epilog)")
    d.add_argument("--random-init", action="store_true", help="untrained weights (smoke run)")
    d.add_argument("--frames", type=int, default=8, metavar="T", help="frames to read (default 8)")
    d.add_argument("--stride", type=int, default=4, metavar="S", help="every S-th frame (default 4)")
    d.add_argument("--start", default="center", help="first frame index, or center / first (default center)")
    d.add_argument("--max-side", type=int, default=None, metavar="PX", help="shrink frames to this longer side first")
    d.add_argument("--score-thresh", type=float, default=0.5, help="person score threshold (default 0.5)")
    d.add_argument("--device", default="cpu")
    d.add_argument("--amp", action="store_true", help="mixed precision (autocast)")
    d.add_argument("--batch-size", type=int, default=4)
    d.add_argument("--nrow", type=int, default=4, help="frames per row of the grid")
    d.set_defaults(func=run_detect)


# --------------------------------------------------------------------------- train-detector


def run_train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from hiar_lib.experiments.detector import train_synthetic_detector
    from hiar_lib.profiles import get_profile

    given = {"iterations": args.iterations, "minutes": args.minutes, "batch_size": args.batch_size, "lr": args.lr,
             "seed": args.seed, "split": args.train_split}  # fmt: skip
    try:
        config = replace(
            get_profile(args.profile).detector, protocol=args.protocol,
            amp={"auto": None, "on": True, "off": False}[args.amp], **{k: v for k, v in given.items() if v is not None},
        )  # fmt: skip
    except ValueError as e:
        raise HiarError(str(e)) from None
    record = train_synthetic_detector(
        args.data, config, eval_data=args.eval_data, out=args.out,
        results=args.results or f"results/detector_synthetic_{args.profile}.json", cache_dir=args.cache_dir,
        force=args.force, eval_stride=args.eval_stride, device=args.device, progress=args.progress,
        profile=args.profile,
    )  # fmt: skip
    print(f"checkpoint {record.parameters['checkpoint']['file']}\nresults {record.path}")
    return 0


# --------------------------------------------------------------------------- detect


def run_detect(args: argparse.Namespace) -> int:
    from hiar_lib.data.video import read_clip
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.inference import detect_frames
    from hiar_lib.viz import detection_grid, save_png

    if args.frames < 1 or args.stride < 1:
        raise HiarError("--frames and --stride must be >= 1")
    start: int | str = int(args.start) if str(args.start).isdigit() else args.start
    if start not in ("center", "first") and not isinstance(start, int):
        raise HiarError(f"--start must be a frame index, 'center' or 'first', got {args.start!r}")
    from hiar_lib.experiments.detector import resolve_detector

    preset, weights = resolve_detector(args.preset, args.weights, args.random_init)
    model = build_detector(
        preset, weights=weights, random_init=args.random_init, device=args.device, score_thresh=args.score_thresh
    )
    clip = read_clip(args.video, clip_len=args.frames, stride=args.stride, start=start, max_side=args.max_side)
    frames = clip.frames[clip.valid]
    if frames.shape[0] == 0:
        raise HiarError(f"no frame read from {args.video}")
    dets = detect_frames(model, frames, batch_size=args.batch_size, device=args.device, amp=args.amp,
                         return_features=False)  # fmt: skip
    grid = detection_grid(frames, dets, nrow=args.nrow)
    out = save_png(grid, args.out)
    source = ", ".join(model.detector_info.weights) or "random init"
    counts = " ".join(str(len(x)) for x in dets.instances)
    print(f"{preset} detector ({source}); people per frame: {counts}\nwrote {out}", file=sys.stdout)
    return 0
