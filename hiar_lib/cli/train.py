"""``hiar train`` and ``hiar evaluate``: TAHNet heads on a feature cache.

``hiar train`` trains one head per seed on the cache's training videos, evaluates each
on its test videos (one instance per video, Section 4.2) and prints the top-1 accuracy,
mean ± std over seeds, beside the majority-class baseline. The results record
(:mod:`hiar_lib.experiments.records`: per-run accuracy, per-class accuracy, confusion
matrix and predictions, the summary, the majority baseline, and the provenance with the
wall time) always goes to ``OUT/results.json``, and to ``--results`` when given. Under
``torchrun`` every seed trains with DistributedDataParallel; rank 0 evaluates and
writes. The work itself is :func:`hiar_lib.experiments.heads.train_heads` and
:func:`~hiar_lib.experiments.heads.evaluate_checkpoints`; this module only parses.

The split of each video was fixed at extraction (``hiar extract --protocol``);
``--protocol`` must name the protocol the cache was extracted for.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from hiar_lib.experiments.heads import TEST_RULES
from hiar_lib.pool_config import ABSENT_MODES, BOX_MODES, COMBINES
from hiar_lib.profiles import DEFAULT_PROFILE, PROFILE_NAMES


def _option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` -> (key, value); VALUE as JSON (``512``, ``[8,14,14]``), ``8,14,14`` -> (8, 14, 14), else a string."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. dim_conv=512), got {text!r}")
    key, value = text.split("=", 1)
    try:
        parsed: Any = json.loads(value)
    except json.JSONDecodeError:
        parsed = tuple(int(v) for v in value.split(",")) if re.fullmatch(r"\d+(,\d+)+", value) else value
    return key.strip(), tuple(parsed) if isinstance(parsed, list) else parsed


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train TAHNet heads on a feature cache (one per seed) and evaluate them",
        description=(
            "Train a TAHNet head on the training videos of a feature cache (every instance of a "
            "video carries the video's label, eq. 16), once per seed, and evaluate each on the test "
            "videos (one instance per video: the most confident track, or the largest box for "
            "N-UCLA). Prints top-1 accuracy (mean ± std over seeds) and the majority-class "
            "baseline. Checkpoints go to OUT/seed<N>/last.pt; an interrupted run resumes. Runs "
            "under torchrun with DistributedDataParallel."
        ),
    )
    p.add_argument("--cache", required=True, type=Path, help="feature cache folder (from `hiar extract`)")
    p.add_argument("--protocol", required=True,
                   help="the protocol whose splits train and test (e.g. cs, cv, v12_3; a crops cache holds every "
                        "protocol of its dataset, a tubes cache the one it was extracted for)")  # fmt: skip
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=PROFILE_NAMES,
                   help="training budget (paper: 120k iterations on NTU, 10k on N-UCLA; quick: 400 iterations of 8 "
                        "videos, minutes on CPU, 100 when fine-tuning; smoke: 5 iterations, for checks)")  # fmt: skip
    p.add_argument("--head", default="tahnet_v1", help="a preset (tahnet_v1..v4, tahnet_v2_wo_cb) or a spec such as CB+Conv3Dx4+GAP+FC")
    p.add_argument("--head-option", dest="head_options", action="append", type=_option, default=[], metavar="KEY=VALUE",
                   help="a TAHNetConfig field, repeatable (e.g. dim_conv=512, input_size=8,28,28)")
    p.add_argument("--num-classes", type=int, default=None, help="classifier width (default: the dataset's class count)")
    p.add_argument("--iterations", type=int, default=None, help="SGD steps (default: the profile's)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (paper: 0.001)")
    p.add_argument("--milestones", type=int, nargs="*", default=None, help="iterations where the rate drops x0.1")
    p.add_argument("--weight-decay", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=None, help="videos per iteration over all ranks (paper: 4)")
    p.add_argument("--instances", default=None, choices=["all", "actors"],
                   help="training instances: every track with the video's label (all, the paper) or only the tracks "
                        "of the people performing the action (actors; synthetic caches, which record who is who)")
    c = p.add_argument_group("clips pooled from a cache of track crops (default: the profile's)")
    c.add_argument("--clip-len", type=int, default=None, help="T frames per clip (profiles: 8; at most the cache's max)")
    c.add_argument("--box", default=None, choices=BOX_MODES, help="action region (profiles: outermost)")
    c.add_argument("--levels", nargs="+", default=None, help="FPN levels, among those the cache kept (profiles: P2 P3)")
    c.add_argument("--output-size", type=int, default=None, help="S of the S x S region (7, 14, 28; profiles: 14)")
    c.add_argument("--combine", default=None, choices=COMBINES, help="how levels are combined (profiles: mean)")
    c.add_argument("--absent", default=None, choices=ABSENT_MODES,
                   help="outermost region where the person was missed: pool it (eq. 7, profiles) or zeros")  # fmt: skip
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed (the paper: 3 runs on N-UCLA)")
    p.add_argument("--init-from", type=Path, default=None, help="fine-tune from this head checkpoint (NTU -> N-UCLA)")
    p.add_argument("--rule", default="auto", choices=list(TEST_RULES),
                   help="test instance: most confident track (score), largest box (area); auto: area on N-UCLA, else score")
    p.add_argument("--out", type=Path, default=None,
                   help="run folder (default runs/<cache>_<protocol>_<head>_<profile>[_<clip>] beside the features/ folder holding the cache)")  # fmt: skip
    p.add_argument("--results", type=Path, default=None, help="also write the results JSON here (it always goes to OUT/results.json)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--num-workers", type=int, default=0, help="DataLoader workers per rank")
    p.add_argument("--checkpoint-every", type=int, default=None)
    p.add_argument("--no-resume", action="store_true", help="start over even if OUT holds a checkpoint")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_train)

    e = sub.add_parser(
        "evaluate",
        help="evaluate head checkpoints on a feature cache's test videos",
        description=(
            "Classify one instance per test video (most confident track, or largest box) with each "
            "checkpoint; print top-1 accuracy (mean ± std over several checkpoints) and write the "
            "accuracy, per-class accuracy and confusion matrix to --results."
        ),
    )
    e.add_argument("--checkpoint", required=True, type=Path, nargs="+", help="last.pt file(s) from `hiar train`")
    e.add_argument("--cache", required=True, type=Path)
    e.add_argument("--protocol", default=None, help="check that the cache was extracted for this protocol")
    e.add_argument("--rule", default="auto", choices=list(TEST_RULES))
    e.add_argument("--results", type=Path, default=None)
    e.add_argument("--device", default="cpu")
    e.add_argument("--no-progress", action="store_true")
    e.set_defaults(func=run_evaluate)


def run_train(args: argparse.Namespace) -> int:
    from hiar_lib.experiments.heads import train_heads

    overrides: dict[str, Any] = {}
    for name in ("num_classes", "iterations", "lr", "weight_decay", "batch_size", "checkpoint_every", "instances"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    if args.milestones is not None:
        overrides["milestones"] = tuple(args.milestones)
    if args.head_options:
        overrides["head_options"] = dict(args.head_options)
    if args.init_from is not None:
        overrides["init_from"] = str(args.init_from)
    clip = {"clip_len": args.clip_len, "box": args.box, "levels": tuple(args.levels) if args.levels else None,
            "output_size": args.output_size, "combine": args.combine, "absent": args.absent}  # fmt: skip
    record = train_heads(
        args.cache, args.protocol, head=args.head, profile=args.profile, seeds=args.seeds, rule=args.rule, out=args.out,
        clip={k: v for k, v in clip.items() if v is not None},
        results=args.results, device=args.device, num_workers=args.num_workers, resume=not args.no_resume,
        progress=not args.no_progress, **overrides,
    )  # fmt: skip
    if record is not None:
        print(f"results written to {args.results or record.path}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from hiar_lib.experiments.heads import evaluate_checkpoints

    evaluate_checkpoints(args.checkpoint, args.cache, args.protocol, rule=args.rule, results=args.results,
                         device=args.device, progress=not args.no_progress)  # fmt: skip
    if args.results is not None:
        print(f"results written to {args.results}")
    return 0
