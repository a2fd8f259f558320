"""``hiar train`` and ``hiar evaluate``: TAHNet heads on a feature cache.

``hiar train`` trains one head per seed on the cache's training videos, evaluates each
on its test videos (one instance per video, Section 4.2) and prints the top-1 accuracy,
mean ± std over seeds, beside the majority-class baseline. ``--results`` writes a JSON
file with the per-run accuracy, per-class accuracy, confusion matrix and predictions,
the summary, the majority baseline and the provenance (commit, profile, seeds, device,
versions, date, wall time); the same file always goes to ``OUT/results.json``. Under ``torchrun`` every seed trains with
DistributedDataParallel; rank 0 evaluates and writes.

The split of each video was fixed at extraction (``hiar extract --protocol``);
``--protocol`` must name the protocol the cache was extracted for.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

from hiar_lib.errors import HiarError
from hiar_lib.fileio import write_json


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
    p.add_argument("--protocol", required=True, help="the protocol the cache was extracted for (e.g. cs, cv, v12_3)")
    p.add_argument("--profile", default="quick", choices=["quick", "synthetic-full", "paper"],
                   help="training budget (paper: 120k iterations on NTU, 10k on N-UCLA; quick: 400 iterations of 16 videos, minutes on CPU)")
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
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed (the paper: 3 runs on N-UCLA)")
    p.add_argument("--init-from", type=Path, default=None, help="fine-tune from this head checkpoint (NTU -> N-UCLA)")
    p.add_argument("--rule", default="auto", choices=["auto", "score", "area"],
                   help="test instance: most confident track (score), largest box (area); auto: area on N-UCLA, else score")
    p.add_argument("--out", type=Path, default=None, help="run folder (default cache/runs/<cache>_<protocol>_<head>_<profile>)")
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
    e.add_argument("--rule", default="auto", choices=["auto", "score", "area"])
    e.add_argument("--results", type=Path, default=None)
    e.add_argument("--device", default="cpu")
    e.add_argument("--no-progress", action="store_true")
    e.set_defaults(func=run_evaluate)


def _rule(rule: str, dataset: str | None) -> str:
    return ("area" if dataset == "nucla" else "score") if rule == "auto" else rule


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _report(kind: str, info, rule: str, runs: list[dict[str, Any]], profile: str | None, seeds: list[int] | None,
            device: str, started: float, **extra: Any) -> dict[str, Any]:  # fmt: skip
    from hiar_lib.engine import cache_classes, summarize_runs
    from hiar_lib.experiments.provenance import provenance

    return {
        "artefact": kind,
        "dataset": info.dataset,
        "protocol": info.protocol,
        "cache": str(info.path),
        "cache_key": info.key,
        "classes": cache_classes(info.path),
        "rule": rule,
        **extra,
        "summary": summarize_runs(runs),
        "runs": runs,
        "provenance": provenance(profile=profile, seeds=seeds, device=device, dataset=info.dataset, protocol=info.protocol,
                                 wall_time_s=round(time.perf_counter() - started, 2)),  # fmt: skip
    }


def run_train(args: argparse.Namespace) -> int:
    import torch.distributed as dist

    from hiar_lib.engine import (
        check_protocol, evaluate_head, format_summary, init_distributed, load_checkpoint, profile_config, split_names,
        train_head,
    )  # fmt: skip

    started = time.perf_counter()
    info = check_protocol(args.cache, args.protocol)
    overrides: dict[str, Any] = {"head": args.head, "device": args.device, "num_workers": args.num_workers}
    for name in ("num_classes", "iterations", "lr", "weight_decay", "batch_size", "checkpoint_every", "instances"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    if args.milestones is not None:
        overrides["milestones"] = tuple(args.milestones)
    if args.head_options:
        overrides["head_options"] = dict(args.head_options)
    if args.init_from is not None:
        overrides["init_from"] = str(args.init_from)
    base = profile_config(args.profile, info.dataset or "synthetic", **overrides)
    rule = _rule(args.rule, info.dataset)
    out = args.out or Path("cache/runs") / _safe(f"{info.path.name}_{info.protocol or args.protocol}_{args.head}_{args.profile}")
    train_names = split_names(args.cache, "train")
    test_names = split_names(args.cache, "test")
    dist_info = init_distributed(args.device)
    try:
        runs: list[dict[str, Any]] = []
        for seed in args.seeds:
            config = profile_config(args.profile, info.dataset or "synthetic", **{**overrides, "seed": seed})
            ckpt = train_head(config, args.cache, train_names, out / f"seed{seed}", resume=not args.no_resume,
                              progress=not args.no_progress)  # fmt: skip
            if not dist_info.is_main:
                continue
            result = evaluate_head(ckpt, args.cache, test_names, rule=rule, device=dist_info.device, progress=not args.no_progress)
            runs.append({"seed": seed, **result})
            skipped = result["train_videos_without_track"]
            print(f"seed {seed}: top-1 {100 * result['accuracy']:.2f} % on {result['num_videos']} test videos "
                  f"({result['num_without_track']} without a track, counted wrong; {skipped} training videos "
                  f"without a track left out) -> {ckpt}")  # fmt: skip
        if not dist_info.is_main:
            return 0
        report = _report(
            "train", info, rule, runs, args.profile, list(args.seeds), args.device, started,
            head=args.head, head_config=load_checkpoint(out / f"seed{args.seeds[0]}")["head_config"],
            train_config={**base.to_dict(), "seed": None}, out=str(out), world_size=dist_info.world_size,
        )  # fmt: skip
        print(format_summary(report["summary"]))
        write_json(out / "results.json", report)
        if args.results is not None:
            write_json(args.results, report)
        print(f"results written to {args.results or out / 'results.json'}")
        return 0
    finally:
        if dist_info.initialised_here:
            dist.destroy_process_group()


def run_evaluate(args: argparse.Namespace) -> int:
    from hiar_lib.engine import check_protocol, evaluate_head, format_summary, load_checkpoint, split_names

    started = time.perf_counter()
    info = check_protocol(args.cache, args.protocol)
    rule = _rule(args.rule, info.dataset)
    test_names = split_names(args.cache, "test")
    runs = []
    for ckpt in args.checkpoint:
        if not ckpt.exists():
            raise HiarError(f"no checkpoint at {ckpt}")
        result = evaluate_head(ckpt, args.cache, test_names, rule=rule, device=args.device, progress=not args.no_progress)
        runs.append(result)
        print(f"{ckpt}: top-1 {100 * result['accuracy']:.2f} % on {result['num_videos']} test videos "
              f"({result['num_without_track']} without a track)")  # fmt: skip
    seeds = [int(r["seed"]) for r in (load_checkpoint(c)["config"] for c in args.checkpoint)]
    report = _report("evaluate", info, rule, runs, None, seeds, args.device, started)
    print(format_summary(report["summary"]))
    if args.results is not None:
        write_json(args.results, report)
        print(f"results written to {args.results}")
    return 0
