"""``hiar extract``: compute action region tubes once and cache them per video."""

from __future__ import annotations

import argparse
from pathlib import Path

from hiar_lib.pool_config import BOX_MODES, CACHE_KINDS, COMBINES
from hiar_lib.profiles import DEFAULT_PROFILE, PROFILE_NAMES
from hiar_lib.track_config import TRACKER_NAMES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="detect, track and pool every video of a dataset into the feature cache",
        description=(
            "Run the detector, the tracker and the action pooler over every video of a dataset's "
            "train and test splits and write one file of action region tubes per video. Videos "
            "already cached are skipped (an interrupted run resumes). Under torchrun, videos are "
            "shared out across ranks."
        ),
    )
    p.add_argument("--dataset", required=True, choices=["synthetic", "ntu60", "nucla", "generic"])
    p.add_argument("--data", required=True, type=Path, help="dataset root")
    p.add_argument("--protocol", required=True, help="protocol deciding train and test videos (e.g. cs, cv, v12_3)")
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=PROFILE_NAMES,
                   help=f"default clip, pooler and detector-threshold settings (default {DEFAULT_PROFILE}); "
                        "the options below override them one by one")  # fmt: skip
    p.add_argument("--detector", default="synthetic", choices=["synthetic", "paper", "auto"],
                   help="detector preset (synthetic: --weights, default the newest checkpoint `hiar train-detector` "
                        "cached; paper: COCO files; auto: paper when its files are there, else synthetic)")  # fmt: skip
    w = p.add_mutually_exclusive_group()
    w.add_argument("--weights", type=Path, default=None, help="detector weights (synthetic: the checkpoint file)")
    w.add_argument("--random-init", action="store_true", help="an untrained detector (smoke runs only)")
    p.add_argument("--score-thresh", type=float, default=None, help="person score threshold (profiles: 0.5, the paper's)")
    p.add_argument("--max-people", type=int, default=None,
                   help="at most this many people a frame, the highest-scoring (profiles: 100; smoke: 2)")
    p.add_argument("--tracker", default=None, choices=TRACKER_NAMES,
                   help="paper: eq. 3 alone (the paper profile); extended: eq. 3 with a gate and gap bridging "
                        "(smoke, quick, synthetic-full)")  # fmt: skip
    p.add_argument("--cache-root", type=Path, default=Path("cache/features"), help="caches live in CACHE_ROOT/<settings key>")
    p.add_argument("--cache", type=Path, default=None, help="use exactly this cache folder (refused if made with other settings)")
    p.add_argument("--kind", default=None, choices=CACHE_KINDS,
                   help="crops: every frame's people kept as track crops, any clip and pooler setting pooled when a "
                        "head reads them (smoke, quick, synthetic-full); tubes: fixed clips pooled now (paper)")  # fmt: skip
    p.add_argument("--levels", nargs="+", default=None,
                   help="FPN levels: kept (crops; profiles: P2 P3 P4 P5) or pooled (tubes; profiles: P2 P3)")  # fmt: skip
    p.add_argument("--max-clip-len", type=int, default=None, help="crops: the longest clip heads may pool (profiles: 16; smoke: 8)")
    p.add_argument("--box", default=None, choices=BOX_MODES, help="tubes: action region (profiles: outermost)")
    p.add_argument("--output-size", type=int, default=None, help="tubes: S of the S x S action region (7, 14, 28; profiles: 14)")
    p.add_argument("--combine", default=None, choices=COMBINES,
                   help="tubes: how levels are combined (profiles: mean)")  # fmt: skip
    p.add_argument("--clip-len", type=int, default=None, help="tubes: T frames per clip (profiles: 8)")
    p.add_argument("--stride", type=int, default=None, help="temporal stride (smoke, quick, synthetic-full: 2; paper: 4)")
    p.add_argument("--size", type=int, nargs=2, metavar=("W", "H"), default=None,
                   help="resize frames before detection (paper profile: NTU RGB+D 1280 720; others keep the frames)")  # fmt: skip
    p.add_argument("--pad-to-multiple", type=int, default=None, help="pad frames to a multiple (NTU: 32)")
    p.add_argument("--train-clips", type=int, default=None,
                   help="tubes: random temporal clips kept per training video (paper: 1)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--amp", action="store_true", help="mixed precision detection")
    p.add_argument("--limit", type=int, default=None, help="only the first N videos of each split (smoke runs)")
    p.add_argument("--instances", default="detected", choices=["detected", "ground_truth"],
                   help="the people pooled: the detector's, tracked (default), or the synthetic benchmark's annotated "
                        "ones (the oracle: what the instance stage costs)")
    p.add_argument("--oracle-cache", default=None, metavar="DIR",
                   help="(synthetic benchmark, crops, detected instances) also fill DIR with the ground-truth "
                        "instances cache, cropped from the same detector pass (the oracle rows at no second pass)")  # fmt: skip
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hiar_lib.experiments.extraction import extract_dataset, extraction_settings

    settings = extraction_settings(
        args.profile, kind=args.kind, stride=args.stride, levels=args.levels, max_clip_len=args.max_clip_len,
        score_thresh=args.score_thresh, max_people=args.max_people, tracker=args.tracker, clip_len=args.clip_len, train_clips=args.train_clips,
        box=args.box, output_size=args.output_size, combine=args.combine,
    )  # fmt: skip
    cache, stats = extract_dataset(
        args.dataset, args.data, args.protocol, settings=settings, detector=args.detector, weights=args.weights,
        random_init=args.random_init, size=tuple(args.size) if args.size else None,
        pad_to_multiple=args.pad_to_multiple, seed=args.seed, device=args.device, amp=args.amp, limit=args.limit,
        cache=args.cache, cache_root=args.cache_root, progress=not args.no_progress, instances=args.instances,
        oracle_cache=args.oracle_cache,
    )  # fmt: skip
    also = f" (and the oracle cache {args.oracle_cache})" if args.oracle_cache else ""
    print(f"feature cache {cache}{also}: {stats['done']} videos extracted, {stats['skipped']} already there "
          f"(rank {stats['rank']} of {stats['world']})")  # fmt: skip
    return 0
