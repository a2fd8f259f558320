"""Planted bugs: wrong numbers put into a scratch copy of the library on purpose, and the
tests that must fail on each (results/bench/planted_bugs.json).

Each :class:`Plant` is one deliberate change (a text replaced once in one file) of the
kind the unit tests once let through where stages join: test videos written as training
videos, every person given one label, boxes in the wrong pixels, DDP or its sharding
gone, the detector trained on its own test clips, the pooler's x and y scales swapped,
a CLI command unregistered, a wrong NTU subject, COCO boxes in the wrong format, a CLI
error escaping as a traceback, the detector-plus-tracker path skipping frames, the
tracker's settings not reaching it, a synthetic take missing from a view. The script
copies the repository's tracked files to a scratch folder, runs every plant's tests on
the unchanged copy first (they must pass there, or nothing is learnt from their failing),
then applies each plant alone and runs its tests again, up to the first that fails: a
plant is *caught* when one fails or cannot be collected (the record names it), not when
the run only outlasts the hang guard. Mutation testing (``make mutation``) measures the same thing by
machine over every operator; these are the named cases, kept so that a refactor that
loses one shows up.

Usage: ``make planted-bugs``, or ``python benchmarks/planted_bugs.py [--out
results/bench/planted_bugs.json] [--only NAME ...]``: minutes on 2 CPU cores (the tests
include an extraction, a detector's training steps and a two-rank torchrun); exit 1 when
a plant is not caught. ``--check`` only says whether every plant still fits the code.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMAND = "make planted-bugs"


@dataclass(frozen=True)
class Plant:
    """One deliberate change: ``old`` (found exactly once in ``file``) becomes ``new``,
    and at least one of ``tests`` (pytest node ids or files) must then fail."""

    name: str
    what: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


EXTRACTION_TEST = "tests/test_features.py::test_extraction_keeps_the_protocols_splits_the_labels_and_boxes_in_source_pixels"

PLANTS: tuple[Plant, ...] = (
    Plant(
        "tubes_every_video_train", "extraction writes every video of a cache of tubes as split 'train' (test videos leak into training)",
        "hiar_lib/features.py", "extract_video(model, sample, split, config,", 'extract_video(model, sample, "train", config,',
        (EXTRACTION_TEST,),
    ),
    Plant(
        "crops_test_videos_also_train", "a crops cache records every protocol's test videos among its training videos",
        "hiar_lib/experiments/extraction.py", "recorded[name] = {k: [s.name for s in v] for k, v in splits.items()}",
        'recorded[name] = {k: [s.name for s in v] for k, v in splits.items()}\n'
        '        recorded[name]["train"] = [s.name for v in splits.values() for s in v]',
        ("tests/test_engine.py::test_a_crops_cache_serves_every_protocol_of_its_dataset_from_one_extraction",),
    ),
    Plant(
        "tubes_source_boxes_times_3", "a cache of tubes keeps its boxes in source pixels multiplied by 3",
        "hiar_lib/features.py", "src_boxes = tubes.boxes / torch.tensor([sx, sy, sx, sy])",
        "src_boxes = tubes.boxes / torch.tensor([sx, sy, sx, sy]) * 3", (EXTRACTION_TEST,),
    ),
    Plant(
        "crops_source_boxes_times_3", "a crops cache keeps its boxes in source pixels multiplied by 3",
        "hiar_lib/crops.py", "src = b / to_src\n", "src = b / to_src * 3\n", ("tests/test_crops.py",),
    ),
    Plant(
        "person_labels_one_class", "every person of a synthetic video recorded with class 0 (bystanders as actors)",
        "hiar_lib/crops.py", '"person_labels": torch.as_tensor(ground_truth.person_labels, dtype=torch.int64)',
        '"person_labels": torch.zeros(len(ground_truth.person_labels), dtype=torch.int64)', ("tests/test_crops.py",),
    ),
    Plant(
        "ddp_wrapper_removed", "head training on several ranks without DistributedDataParallel (ranks drift apart)",
        "hiar_lib/engine/train.py",
        'net = nn.parallel.DistributedDataParallel(model, device_ids=[info.device.index] if info.device.type == "cuda" else None)',
        "net = model",
        ("tests/test_engine.py::test_torchrun_trains_on_two_gloo_ranks_and_rank_zero_writes_one_checkpoint",),
    ),
    Plant(
        "ddp_sharding_removed", "every rank trains on every video (no sharding)",
        "hiar_lib/engine/train.py", "num_replicas=info.world_size, rank=info.rank", "num_replicas=1, rank=0",
        ("tests/test_engine.py::test_torchrun_trains_on_two_gloo_ranks_and_rank_zero_writes_one_checkpoint",),
    ),
    Plant(
        "detector_split_every_clip", "the synthetic detector's train (and test) split returns every clip",
        "hiar_lib/detection/dataset.py", "return [c for c in manifest[\"clips\"] if rule.split_of_value(c[rule.by]) == split]",
        "return list(manifest[\"clips\"])", ("tests/detection/test_dataset.py",),
    ),
    Plant(
        "pooler_xy_swapped", "the pooler maps boxes to the detector's input with x and y scale factors swapped",
        "hiar_lib/pool.py", "torch.tensor([sx, sy, sx, sy], dtype=torch.float32)", "torch.tensor([sy, sx, sy, sx], dtype=torch.float32)",
        ("tests/test_pool.py",),
    ),
    Plant(
        "crop_pooler_xy_swapped", "a crop cache's clips pooled with x and y scale factors swapped",
        "hiar_lib/crops.py", "to_image = torch.tensor([ax, ay, ax, ay], dtype=torch.float32)",
        "to_image = torch.tensor([ay, ax, ay, ax], dtype=torch.float32)", ("tests/test_crops.py",),
    ),
    Plant(
        "cli_index_unregistered", "`hiar index` missing from the CLI's command list",
        "hiar_lib/cli/__init__.py", '"synth", "index", "detect"', '"synth", "detect"',
        ("tests/test_cli_index.py", "tests/test_readme.py"),
    ),
    Plant(
        "ntu_cs_subject_38_to_36", "NTU RGB+D 60 cross-subject training performer 38 replaced by 36",
        "hiar_lib/data/ntu.py", "31, 34, 35, 38}", "31, 34, 35, 36}", ("tests/test_data_ntu.py",),
    ),
    Plant(
        "coco_detections_xyxy", "detections handed to the COCO scoring as (x1, y1, x2, y2) instead of (x, y, w, h)",
        "hiar_lib/detection/coco_eval.py", '"category_id": 1,\n                    "bbox": [x1, y1, x2 - x1, y2 - y1],\n                    "score"',
        '"category_id": 1,\n                    "bbox": [x1, y1, x2, y2],\n                    "score"', ("tests/detection/test_coco_eval.py",),
    ),
    Plant(
        "engine_error_not_a_hiar_error", "a bad protocol or cache escapes the CLI as a traceback (not its one-line error, exit 2)",
        "hiar_lib/engine/data.py", "class EngineError(HiarError):", "class EngineError(ValueError):",
        ("tests/test_engine.py::test_cli_train_with_two_seeds_writes_results_with_provenance",),
    ),
    Plant(
        "detector_tracker_every_other_frame", "the detector-plus-tracker evaluation reads the video at stride 2",
        "hiar_lib/tracking_eval.py", "clip_len=probe_video(sample.path).num_frames, stride=1, start=0",
        "clip_len=probe_video(sample.path).num_frames, stride=2, start=0", ("tests/test_tracking_eval.py",),
    ),
    Plant(
        "tracker_settings_dropped", "the tracking evaluation tracks with the default tracker whatever settings it is given",
        "hiar_lib/tracking_eval.py", "track_instances(inst.keypoints, inst.boxes, **asdict(tracker))",
        "track_instances(inst.keypoints, inst.boxes)", ("tests/test_tracking_eval.py",),
    ),
    Plant(
        "evaluation_least_likely_class", "evaluation predicts each test video's least likely class",
        "hiar_lib/engine/evaluate.py", "best, cls = prob.max(dim=1)", "best, cls = prob.min(dim=1)", ("tests/test_engine.py",),
    ),
    Plant(
        "evaluation_predictions_shifted", "evaluation files each video's prediction under the next video of its batch",
        "hiar_lib/engine/evaluate.py", "pred[batch.video_index] = cls", "pred[batch.video_index.roll(1)] = cls",
        ("tests/test_engine.py",),
    ),
    Plant(
        "test_clip_first_not_centred", "the evaluated clip of a crops cache's test video starts at frame 0, not centred",
        "hiar_lib/engine/data.py", 'sample_clip_start(meta.num_frames, self.clip.clip_len, meta.stride, "center")',
        'sample_clip_start(meta.num_frames, self.clip.clip_len, meta.stride, "first")', ("tests/test_engine.py",),
    ),
    Plant(
        "test_instance_presence_ignored", "the evaluated track chosen by score alone, a one-frame fragment counting as much as a whole track",
        "hiar_lib/pool.py", "seen = present.float().mean(dim=1)", "seen = present.float().amax(dim=1)", ("tests/test_pool.py",),
    ),
    Plant(
        "majority_baseline_least_frequent", "the majority baseline takes the least frequent training class",
        "hiar_lib/engine/evaluate.py", "label = int(np.argmax(freq))", "label = int(np.argmin(freq))", ("tests/test_engine.py",),
    ),
    Plant(
        "seed_std_population", "the mean +- std over seeds uses the population std (ddof 0)",
        "hiar_lib/engine/evaluate.py", "float(a.std(ddof=1)) if a.size > 1", "float(a.std(ddof=0)) if a.size > 1",
        ("tests/test_engine.py",),
    ),
    Plant(
        "claims_interval_n_dof", "the claims' 95 % interval takes Student t at n degrees of freedom, not n - 1 (too narrow)",
        "hiar_lib/experiments/claims.py", "stats.t.ppf(0.5 + confidence / 2, n - 1)", "stats.t.ppf(0.5 + confidence / 2, n)",
        ("tests/test_experiments_claims.py",),
    ),
    Plant(
        "claims_std_population", "the claims' paired differences' std with ddof 0",
        "hiar_lib/experiments/claims.py", "std = float(d.std(ddof=1))", "std = float(d.std(ddof=0))", ("tests/test_experiments_claims.py",),
    ),
    Plant(
        "synthetic_take_missing_from_view_3", "one take in three is not rendered from view 3 (cross-view loses classes)",
        "hiar_lib/synth/benchmark.py", "names = [clip_name(take, v) for v in config.views]",
        "names = [clip_name(take, v) for v in config.views if take.take % 3 or v != 3]", ("tests/test_data_synthetic.py",),
    ),
)


def check_plant(plant: Plant, root: Path = REPO) -> str:
    """The plant's file text with the change applied.

    Raises:
        ValueError: ``old`` is not in the file exactly once (the code moved: update the plant).
    """
    text = (root / plant.file).read_text()
    count = text.count(plant.old)
    if count != 1:
        raise ValueError(f"plant {plant.name}: {plant.file} holds its text {count} times, not once: update it to today's code")
    if plant.new == plant.old:
        raise ValueError(f"plant {plant.name}: the change changes nothing")
    return text.replace(plant.old, plant.new)


def scratch_copy(dest: Path) -> None:
    """The repository's tracked files (as they are in the working tree) under ``dest``."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.M)


def run_tests(copy: Path, tests: tuple[str, ...], timeout_s: int, first_failure: bool = False) -> tuple[int, list[str], float]:
    """pytest on ``tests`` in ``copy`` (its library first on the path): exit code, the
    failing tests' ids (only the first with ``first_failure``) and the wall time in seconds."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", *(["-x"] if first_failure else []), *tests],
            cwd=copy, env=env, capture_output=True, text=True, timeout=timeout_s,
        )  # fmt: skip
        code, out = run.returncode, run.stdout + run.stderr
    except subprocess.TimeoutExpired:  # a hang guard: -1, reported as such
        code, out = -1, ""
    return code, sorted(set(_FAILED.findall(out))), round(time.perf_counter() - start, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "results" / "bench" / "planted_bugs.json")
    parser.add_argument("--only", nargs="+", default=None, help="plant names to run (default: all)")
    parser.add_argument("--timeout-s", type=int, default=1800, help="a hang guard per pytest run")
    parser.add_argument("--check", action="store_true", help="only check that every plant fits today's code (no tests run)")
    args = parser.parse_args(argv)
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record

    plants = [p for p in PLANTS if args.only is None or p.name in args.only]
    unknown = set(args.only or ()) - {p.name for p in PLANTS}
    if unknown or not plants:
        print(f"unknown plants: {', '.join(sorted(unknown)) or '(none chosen)'}; known: {', '.join(p.name for p in PLANTS)}", file=sys.stderr)
        return 2
    try:  # every plant still fits the code before anything runs
        changed = {p.name: check_plant(p) for p in plants}
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    if args.check:
        print("\n".join(f"{p.name}: {p.file}" for p in plants))
        return 0
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="planted-") as tmp:
        copy = Path(tmp)
        scratch_copy(copy)
        tests = tuple(dict.fromkeys(t for p in plants for t in p.tests))
        code, failed, wall = run_tests(copy, tests, args.timeout_s)
        print(f"unchanged copy: pytest exit {code} in {wall:.0f} s over {len(tests)} test targets")
        if code != 0:
            print(f"the tests fail before any plant ({', '.join(failed) or 'see pytest'}): nothing to learn", file=sys.stderr)
            return 1
        for p in plants:
            target = copy / p.file
            original = target.read_text()
            target.write_text(changed[p.name])
            try:
                code, failed, wall = run_tests(copy, p.tests, args.timeout_s, first_failure=True)
            finally:
                target.write_text(original)
            caught = code in (1, 2)  # tests failed, or could not even be collected; a hang (-1) is not a catch
            rows.append({"name": p.name, "what": p.what, "file": p.file, "tests": list(p.tests), "caught": caught,
                         "failed": failed, "pytest_exit": code, "wall_s": wall})  # fmt: skip
            why = "caught by " + ", ".join(failed or [f"(pytest exit {code})"]) if caught else f"NOT CAUGHT (pytest exit {code})"
            print(f"{p.name}: {why} ({wall:.0f} s)")
    missed = [r["name"] for r in rows if not r["caught"]]
    metrics = {"plants": len(rows), "caught": len(rows) - len(missed), "missed": missed, "rows": rows}
    parameters = {"command": COMMAND, "plants": [p.name for p in plants], "baseline": "every plant's tests pass on the unchanged copy"}
    write_record(args.out, "planted_bugs", parameters, metrics, provenance(wall_time_s=time.perf_counter() - start))
    print(f"{args.out}: {metrics['caught']} of {len(rows)} plants caught" + (f"; missed: {', '.join(missed)}" if missed else ""))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
