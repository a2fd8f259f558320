"""``hiar synth``: generate the synthetic benchmark; ``hiar synth-sheet``: draw it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hiar_lib.experiments.provenance import provenance
from hiar_lib.experiments.records import write_record
from hiar_lib.errors import HiarError
from hiar_lib.profiles import DEFAULT_PROFILE, DETECTOR_DATA_SEED, PROFILES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="generate the synthetic multi-person action benchmark",
        description=(
            "Render the synthetic benchmark (mp4 clips plus exact boxes, masks, keypoints, "
            "track ids and per-person labels) into OUT, deterministically from --seed. "
            "An interrupted run resumes where it stopped."
        ),
    )
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=[n for n, q in PROFILES.items() if q.synth],
                   help=f"size (default: {DEFAULT_PROFILE}; smoke: the smallest, for checks)")  # fmt: skip
    p.add_argument("--seed", type=int, default=None,
                   help=f"random seed (default: 0; with --for-detector {DETECTOR_DATA_SEED})")  # fmt: skip
    p.add_argument("--for-detector", action="store_true",
                   help="the benchmark the profile's synthetic detector trains on (other people than the "
                        "evaluation benchmark's; then `hiar train-detector --data OUT --eval-data BENCHMARK`)")  # fmt: skip
    p.add_argument("--workers", type=int, default=None, help="rendering processes (default: CPU count, at most 4)")
    p.add_argument("--summary", type=Path, default=None, help="also write the summary with provenance to this JSON file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_synth)

    q = sub.add_parser(
        "synth-sheet",
        help="draw a contact sheet of a synthetic benchmark with its ground truth",
        description="Write a PNG grid of frames of ROOT, one clip per class, with masks, boxes and keypoints drawn.",
    )
    q.add_argument("root", type=Path, help="a folder made by `hiar synth`")
    q.add_argument("--out", required=True, type=Path, help="PNG file to write")
    q.add_argument("--clips", type=int, default=12, help="rows (default: 12, one per class)")
    q.add_argument("--frames", type=int, default=4, help="frames per row (default: 4)")
    q.set_defaults(func=run_sheet)


def run_synth(args: argparse.Namespace) -> int:
    from hiar_lib.data.synthetic import summarize_benchmark
    from hiar_lib.profiles import get_profile
    from hiar_lib.synth.benchmark import generate_benchmark

    profile = get_profile(args.profile)
    config = profile.detector_data if args.for_detector else profile.synth
    if config is None:
        raise HiarError(f"profile {args.profile}'s detector trains on its benchmark's training split: it has no "
                        "benchmark of its own to generate (drop --for-detector)")  # fmt: skip
    seed = args.seed if args.seed is not None else (DETECTOR_DATA_SEED if args.for_detector else 0)
    before = _manifest_date(args.out)
    manifest = generate_benchmark(args.out, config, seed=seed, workers=args.workers, progress=not args.no_progress)
    summary = summarize_benchmark(args.out)
    print(f"synthetic benchmark ({summary['profile']}, seed {summary['seed']}) written to {args.out}")
    print(
        f"  {summary['clips']} clips, {summary['frames']} frames of {summary['frame_size'][0]}x{summary['frame_size'][1]} "
        f"at {summary['fps']:g} fps; {summary['classes']} classes, {summary['subjects']} subjects, views {summary['views']}"
    )
    people = ", ".join(f"{v} with {k}" for k, v in summary["clips_by_people"].items())
    print(f"  clips by number of people: {people}")
    for proto, splits in summary["protocols"].items():
        parts = []
        for split, s in splits.items():
            miss = f", missing {len(s['classes_missing'])} classes" if s["classes_missing"] else ", every class"
            parts.append(f"{split} {s['clips']} clips{miss}")
        print(f"  {proto}: " + "; ".join(parts))
    made = manifest.get("date")
    reused = before is not None and made == before  # the manifest was not rewritten: nothing was rendered
    print(f"  generation wall time {manifest['wall_time_s']:.1f} s" + (f" (rendered {made or 'earlier'}; reused)" if reused else ""))
    if args.summary:
        prov = provenance(profile=summary["profile"], seeds=[seed], wall_time_s=float(manifest["wall_time_s"]),
                          reused={"from": str(args.out), "date": made} if reused else None)  # fmt: skip
        metrics = {k: v for k, v in summary.items() if k not in ("profile", "seed", "generation_wall_time_s")}
        write_record(args.summary, "synthetic_benchmark", {"profile": summary["profile"], "seed": summary["seed"],
                                                           "root": str(args.out)}, metrics, prov)  # fmt: skip
        print(f"  summary written to {args.summary}")
    return 0


def _manifest_date(root: Path) -> str | None:
    """The ``date`` of the manifest already in ``root`` (``None``: no readable manifest)."""
    try:
        return json.loads((root / "manifest.json").read_text()).get("date")
    except (OSError, ValueError, AttributeError):
        return None


def run_sheet(args: argparse.Namespace) -> int:
    from hiar_lib.synth.sheet import make_contact_sheet

    out = make_contact_sheet(args.root, args.out, num_clips=args.clips, frames_per_clip=args.frames)
    print(f"contact sheet written to {out}")
    return 0
