"""The synthetic detector trained, cached and scored, as one results record.

What ``hiar train-detector`` does, callable from a notebook::

    from hiar_lib.experiments.detector import train_synthetic_detector
    from hiar_lib.profiles import get_profile

    record = train_synthetic_detector("cache/synthetic/quick", get_profile("quick").detector, profile="quick")
    record.metrics["keypoint_AP"]

The record's ``metrics`` are the COCO APs on the test split; its ``parameters`` name the
benchmarks, the training config and the checkpoint *by its content*
(:func:`checkpoint_identity`: hash, iterations, training date), never by a path alone.
The provenance's wall time is the work behind the numbers: training (the original
training's seconds when the checkpoint came from the cache, then marked ``reused``) plus
evaluation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hiar_lib.detection.config import HOW_TO_TRAIN
from hiar_lib.errors import HiarError
from hiar_lib.experiments.records import ResultsRecord, read_record, write_record
from hiar_lib.fileio import sha256_file

__all__ = ["checkpoint_identity", "newest_cached_detector", "resolve_detector", "train_synthetic_detector"]


def checkpoint_identity(path: str | os.PathLike) -> dict[str, Any]:
    """What a detector checkpoint is: ``sha256`` (first 16 hex digits of the file's hash),
    ``weights_sha256`` (the same of its weights alone: equal for two trainings that end in
    the same weights, although their files differ in the training date), ``iterations``,
    ``trained_at`` (UTC date), ``cache_key`` (the training settings' key) and the ``file``
    it was read from (a path names where, the hashes name what)."""
    from hiar_lib.detection.weights import read_checkpoint, state_dict_sha256

    p = Path(path)
    checkpoint = read_checkpoint(p)
    training = checkpoint.get("training", {})
    return {
        "sha256": sha256_file(p)[:16],
        "weights_sha256": state_dict_sha256(checkpoint["state_dict"])[:16],
        "iterations": training.get("iterations"),
        "trained_at": training.get("date"),
        "cache_key": training.get("cache_key"),
        "file": str(p),
    }


def train_synthetic_detector(
    data: str | os.PathLike,
    config: Any = None,
    *,
    eval_data: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    results: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    force: bool = False,
    eval_stride: int = 4,
    device: str = "cpu",
    progress: bool = True,
    log: Callable[[str], Any] | None = print,
    profile: str | None = None,
) -> ResultsRecord:
    """Train (or take from the cache) the synthetic detector and score it on a test split.

    Args:
        data: the benchmark whose training split (or, with ``config.split == "all"``,
            every clip) the detector trains on.
        config: a :class:`hiar_lib.detection.config.DetectorTrainConfig` (``None``: the
            ``quick`` profile's).
        eval_data: the benchmark scored (default ``data``; required with ``split="all"``).
        out: also copy the checkpoint here.
        results: write the record here (without it, the record is returned only).
        cache_dir, force: the checkpoint cache, and training even when it holds one.
        eval_stride: score every ``eval_stride``-th test frame.
        device, progress, log: where, progress bars, one summary line (``None``: silent).
        profile: the profile whose settings ``config`` holds, recorded in the provenance
            (default: the benchmark's profile).

    Raises:
        HiarError: a folder that is not a synthetic benchmark, ``split="all"`` without
            ``eval_data`` or with an ``eval_data`` of the training benchmark's seed.
    """
    from hiar_lib.data.synthetic import load_manifest
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.coco_eval import evaluate_detector
    from hiar_lib.profiles import get_profile
    from hiar_lib.detection.train import default_cache_dir, train_detector
    from hiar_lib.detection.weights import read_checkpoint
    from hiar_lib.experiments.provenance import provenance

    config = config if config is not None else get_profile("quick").detector
    if config.split == "all" and eval_data is None:
        name = profile or "quick"
        raise HiarError(
            f"the {name} detector trains on every clip of {data}, a benchmark generated for it alone; score it on "
            f"another with --eval-data (generate its own with `hiar synth --profile {name} --for-detector --out DIR`, "
            f"then `hiar train-detector --data DIR --eval-data {data}`), or train on the training split of {data} "
            "with --train-split train"
        )
    eval_root = Path(eval_data if eval_data is not None else data)
    train_manifest = load_manifest(data)
    manifest = load_manifest(eval_root)
    if config.split == "all" and train_manifest.get("seed") == manifest.get("seed"):
        raise HiarError(
            f"the detector would train on {data}, generated with the seed of {eval_root} ({manifest.get('seed')}): "
            "the same people, or the very clips it is scored on; train on a benchmark generated with another "
            "seed (`hiar synth --for-detector`)"
        )
    cached = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    before = {p.name: p.stat().st_mtime_ns for p in (cached / "detectors").glob("synthetic-*.pt")}
    path = train_detector(data, out, device=device, progress=progress, cache_dir=cache_dir, config=config, force=force)
    training = read_checkpoint(path).get("training", {})
    identity = checkpoint_identity(path)
    cache_file = cached / "detectors" / f"synthetic-{training.get('cache_key')}.pt"
    from_cache = cache_file.name in before and cache_file.stat().st_mtime_ns == before[cache_file.name]
    model = build_detector("synthetic", weights=path, device=device)
    metrics = evaluate_detector(model, eval_root, "test", protocol=config.protocol, frame_stride=eval_stride,
                                device=device, progress=progress)  # fmt: skip
    reused = None
    trained_s = float(training.get("wall_time_s") or 0.0)
    if from_cache:  # this run did not train
        reused = {"from": identity["file"], "sha256": identity["sha256"], "date": training.get("date")}
    parameters = {
        "dataset": "synthetic",
        "benchmark_root": str(eval_root),
        "benchmark_seed": manifest.get("seed"),
        "benchmark_profile": manifest.get("profile"),
        "train_benchmark_root": str(Path(data)),
        "train_benchmark_seed": train_manifest.get("seed"),
        "train_benchmark_profile": train_manifest.get("profile"),
        "train_split": config.split,
        "protocol": config.protocol,
        "split": "test",
        "config": training.get("config"),
        "checkpoint": identity,
    }
    result = {
        **{k: metrics[k] for k in metrics if k.endswith(("AP", "AP50", "AP75"))},
        "evaluation": {k: metrics[k] for k in ("images", "instances", "detections", "frame_stride", "wall_time_s")},
        "training": {
            "iterations": training.get("iterations"),
            "images_seen": training.get("images_seen"),
            "train_frames": training.get("train_frames"),
            "skipped_nonfinite_steps": training.get("skipped_nonfinite_steps"),
            "wall_time_s": training.get("wall_time_s"),
            "trained_on": training.get("device"),
            "trained_at": training.get("date"),
            "amp_bfloat16": training.get("amp_bfloat16"),
            "curve": training.get("curve"),
        },
    }
    prov = provenance(profile=profile or manifest.get("profile"), seeds=[config.seed], device=device,
                      wall_time_s=round(trained_s + float(metrics["wall_time_s"]), 2), reused=reused)  # fmt: skip
    if log is not None:
        log(f"detector {identity['sha256']}: {training.get('iterations')} iterations in {training.get('wall_time_s')} s"
            f"{' (from the cache)' if reused else ''}; test split: box AP {result['box_AP']:.3f}, "
            f"AP50 {result['box_AP50']:.3f}; keypoint AP {result['keypoint_AP']:.3f}; mask AP {result['mask_AP']:.3f}")  # fmt: skip
    if results is None:
        return ResultsRecord("detector_synthetic", parameters, result, prov, None)
    return read_record(write_record(results, "detector_synthetic", parameters, result, prov))


def newest_cached_detector(cache_dir: str | os.PathLike | None = None) -> Path | None:
    """The most recently written synthetic detector checkpoint of the cache (``None``: none)."""
    from hiar_lib.detection.train import default_cache_dir

    folder = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / "detectors"
    found = sorted(folder.glob("synthetic-*.pt"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _is_synthetic_checkpoint(path: Path) -> bool:
    from hiar_lib.detection.weights import WeightsError, read_checkpoint

    try:
        read_checkpoint(path)
        return True
    except WeightsError:
        return False


def resolve_detector(
    preset: str = "auto",
    weights: str | os.PathLike | None = None,
    random_init: bool = False,
    cache_dir: str | os.PathLike | None = None,
) -> tuple[str, Path | None]:
    """Which detector a command runs: the one rule every command follows.

    - ``random_init``: an untrained model (``auto`` means the light synthetic architecture).
    - ``paper``: torchvision's COCO files from ``weights`` (a folder or file) or the torch
      hub cache.
    - ``synthetic``: the checkpoint ``weights``, else the newest one ``hiar train-detector``
      cached.
    - ``auto``: a ``weights`` file that is a synthetic checkpoint is run as one; otherwise
      ``paper`` when its files are found, else ``synthetic``.

    Returns:
        ``(preset, weights)`` for :func:`hiar_lib.detection.build.build_detector`.

    Raises:
        HiarError: no weights for the preset; the message names the options
            (``--weights``, ``hiar train-detector``, ``hiar weights download``, ``--random-init``).
    """
    from hiar_lib.detection.weights import WeightsError, find_paper_weights

    if preset not in ("auto", "paper", "synthetic"):
        raise HiarError(f"unknown detector preset {preset!r}: expected auto, paper or synthetic")
    path = Path(weights) if weights is not None else None
    if random_init:
        return ("synthetic" if preset == "auto" else preset), None
    if preset == "auto" and path is not None and path.is_file() and _is_synthetic_checkpoint(path):
        return "synthetic", path
    if preset in ("auto", "paper"):
        try:
            find_paper_weights(path)
            return "paper", path
        except WeightsError as e:
            if preset == "paper":
                raise HiarError(f"{e}\nFor a smoke run without weights, pass --random-init.") from None
    if path is not None:
        if not path.is_file():
            raise HiarError(f"no detector checkpoint at {path}")
        return "synthetic", path
    newest = newest_cached_detector(cache_dir)
    if newest is None:
        raise HiarError(
            "no detector weights: neither the paper preset's COCO files (torch hub cache; `hiar weights download` "
            f"fetches them) nor a trained synthetic checkpoint ({HOW_TO_TRAIN}) were found; "
            "pass --weights PATH, or --random-init for a smoke run"
        )
    return "synthetic", newest
