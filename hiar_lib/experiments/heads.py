"""Train and evaluate TAHNet heads over seeds on a feature cache, as one results record.

What ``hiar train`` and ``hiar evaluate`` do, callable from a notebook::

    from hiar_lib.experiments.heads import train_heads

    record = train_heads("cache/features/quick_cs", "cs", head="tahnet_v1", seeds=[0, 1, 2])
    record.metrics["summary"]["accuracy_mean"]

:func:`train_heads` trains one head per seed (resuming from ``OUT/seed<N>/last.pt``),
evaluates each on the cache's test videos (one instance per video, Section 4.2) and
returns the :class:`~hiar_lib.experiments.records.ResultsRecord` it also writes to
``OUT/results.json``: ``parameters`` (dataset, protocol, cache, classes, rule, head and
its config, training config, run folder, world size) and ``metrics`` (``summary``, the
mean ± std over seeds beside the majority baseline, and ``runs``, one
:func:`~hiar_lib.engine.evaluate.evaluate_head` result per seed). Under ``torchrun``
every seed trains with DistributedDataParallel; rank 0 evaluates, writes and returns the
record, other ranks return ``None``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hiar_lib.errors import HiarError
from hiar_lib.experiments.records import RecordError, ResultsRecord, read_record, write_record
from hiar_lib.profiles import get_profile

__all__ = ["CLIP_FIELDS", "TEST_RULES", "clip_name", "clip_settings", "default_run_dir", "evaluate_checkpoints", "test_rule",
           "train_heads"]  # fmt: skip

CLIP_FIELDS: tuple[str, ...] = ("clip_len", "box", "levels", "output_size", "combine", "absent")
"""What a head may choose of the clips it pools from a cache of track crops: ``T`` and
the :class:`~hiar_lib.pool_config.PoolerConfig` fields."""

TEST_RULES: tuple[str, ...] = ("auto", "score", "area")


def test_rule(rule: str, dataset: str | None) -> str:
    """The test-instance rule: ``auto`` is the largest box on N-UCLA, the most confident track elsewhere."""
    if rule not in TEST_RULES:
        raise HiarError(f"unknown test-instance rule {rule!r}; rules: {', '.join(TEST_RULES)}")
    return ("area" if dataset == "nucla" else "score") if rule == "auto" else rule


def clip_settings(config: dict[str, Any], profile: str, fields: dict[str, Any] | None = None) -> Any:
    """The clips a head pools from a cache of track crops: the profile's ``clip_len`` and
    pooler, with ``fields`` (:data:`CLIP_FIELDS`) changed; ``None`` for a cache of tubes.

    Args:
        config: the cache's extraction settings (``cache.json``'s ``config``).

    Raises:
        HiarError: clip fields for a cache of tubes, an unknown field or value, a level the
            cache did not keep, a clip longer than it kept crops for.
    """
    from dataclasses import replace

    from hiar_lib.engine.data import ClipSettings

    fields = {k: v for k, v in (fields or {}).items() if v is not None}
    if config.get("kind", "tubes") != "crops":
        if fields:
            raise HiarError(f"{', '.join(sorted(fields))}: this cache holds tubes pooled at extraction, whose clip length "
                            "and pooler were fixed there; they are chosen per head for a cache of track crops only")  # fmt: skip
        return None
    unknown = sorted(set(fields) - set(CLIP_FIELDS))
    if unknown:
        raise HiarError(f"unknown clip settings {', '.join(unknown)}; expected some of {', '.join(CLIP_FIELDS)}")
    extraction = get_profile(profile).extraction
    clip_len = int(fields.pop("clip_len", extraction.clip_len))
    try:
        pooler = replace(extraction.pooler, **fields)
    except ValueError as e:
        raise HiarError(str(e)) from None
    kept = list(config.get("levels") or [])
    missing = [lv for lv in pooler.levels if lv not in kept]
    if missing:
        raise HiarError(f"the cache kept levels {', '.join(kept)}; it cannot pool {', '.join(missing)}")
    if clip_len > int(config.get("max_clip_len", 0)):
        raise HiarError(f"the cache kept crops for clips of up to {config.get('max_clip_len')} frames, not {clip_len}")
    return ClipSettings(clip_len, pooler)


def clip_name(clip: Any) -> str:
    """A short readable name of :class:`~hiar_lib.engine.data.ClipSettings` (``"T8_outermost_P2P3_S14_mean"``)."""
    p = clip.pooler
    return f"T{clip.clip_len}_{p.box}_{''.join(p.levels)}_S{p.output_size}_{p.combine}" + ("_zero" if p.absent == "zero" else "")


def default_run_dir(
    cache: str | os.PathLike, protocol: str, head: str, profile: str, clip: Any = None, instances: str = "all"
) -> Path:
    """``<root>/runs/<cache folder>_<protocol>_<head>_<profile>[_<clip>][_actors]``, with
    unsafe characters replaced; ``<clip>`` (:func:`clip_name`) for a cache of track crops,
    so that heads trained on other clips of one cache never share a folder, and
    ``_actors`` for heads trained on actor tracks only. ``<root>`` holds the cache: the
    folder above ``features/`` for the suite's layout (``cache/features/<name>`` ->
    ``cache/runs/``), else the cache's own parent; never the working folder."""
    tail = f"_{clip_name(clip)}" if clip is not None else ""
    tail += "_actors" if instances == "actors" else ""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{Path(cache).name}_{protocol}_{head}_{profile}{tail}").strip("-")
    parent = Path(cache).parent
    return (parent.parent if parent.name == "features" else parent) / "runs" / name


def _evaluation_record(kind: str, info: Any, rule: str, runs: list[dict[str, Any]], parameters: dict[str, Any],
                       profile: str | None, seeds: list[int], device: str, started: float) -> tuple[dict, dict, dict]:  # fmt: skip
    from hiar_lib.engine import cache_classes, summarize_runs
    from hiar_lib.experiments.provenance import provenance

    params = {
        "dataset": info.dataset,
        "protocol": info.protocol,
        "cache": str(info.path),
        "cache_key": info.key,
        "extraction": info.config,
        "classes": cache_classes(info.path),
        "rule": rule,
        **parameters,
    }
    metrics = {"summary": summarize_runs(runs), "runs": runs}
    prov = provenance(profile=profile, seeds=seeds, device=device, wall_time_s=round(time.perf_counter() - started, 2))
    return params, metrics, prov


def _record_name(out: Path, seeds: Sequence[int]) -> str:
    """``results.json``, unless the record there covers more seeds than these (a run
    trained with seeds 0-2 asked again for seed 0): then ``results_seeds-0.json`` beside
    it, so the wider record is kept."""
    existing = out / "results.json"
    if existing.is_file():
        try:
            have = set(read_record(existing).provenance.get("seeds") or [])
        except RecordError:
            have = set()
        if have > set(seeds):
            return f"results_seeds-{'-'.join(map(str, seeds))}.json"
    return "results.json"


def train_heads(
    cache: str | os.PathLike,
    protocol: str,
    *,
    head: str = "tahnet_v1",
    profile: str = "quick",
    seeds: Sequence[int] = (0,),
    rule: str = "auto",
    clip: dict[str, Any] | None = None,
    out: str | os.PathLike | None = None,
    results: str | os.PathLike | None = None,
    device: str = "cpu",
    num_workers: int = 0,
    resume: bool = True,
    progress: bool = True,
    log: Callable[[str], Any] | None = print,
    **overrides: Any,
) -> ResultsRecord | None:
    """Train one head per seed on ``cache``'s training videos and evaluate each on its test videos.

    Args:
        cache: a feature cache folder (from ``hiar extract``).
        protocol: the protocol the cache was extracted for (checked, aliases allowed).
        head: a preset (``tahnet_v1`` .. ``tahnet_v4``, ``tahnet_v2_wo_cb``) or a spec string.
        profile: the training budget (:meth:`hiar_lib.profiles.Profile.head_config`).
        seeds: one run per seed.
        rule: the test instance, ``auto`` | ``score`` | ``area`` (:func:`test_rule`).
        clip: for a cache of track crops, the clips the heads pool, as
            :data:`CLIP_FIELDS` changed from the profile's (``{"box": "basic"}``,
            ``{"levels": ("P4",)}``, ``{"clip_len": 16}``); :func:`clip_settings`.
        out: run folder (default :func:`default_run_dir`); checkpoints go to ``OUT/seed<N>/``
            and the record to ``OUT/results.json`` (to ``OUT/results_seeds-<seeds>.json``
            when ``results.json`` covers more seeds than asked now: it is kept).
        results: also write the record here.
        device, num_workers: where the heads train and the DataLoader workers per rank.
        resume: continue from a run folder's checkpoints (``False`` starts over).
        progress: progress bars.
        log: called with one line per seed and a summary line (``None``: silent).
        **overrides: :class:`hiar_lib.engine.TrainConfig` fields (``iterations``, ``lr``,
            ``milestones``, ``batch_size``, ``instances``, ``head_options``, ``init_from``, ...).
            ``{seed}`` in ``init_from`` is each run's seed (each seed fine-tunes its own
            checkpoint, e.g. ``runs/cs_head/seed{seed}``).

    Returns:
        The record (rank 0), ``None`` on other ranks under ``torchrun``.

    Raises:
        HiarError: a cache of another protocol, a bad rule, no seeds, a bad override.
    """
    import torch.distributed as dist

    from hiar_lib.engine import (
        check_protocol, format_summary, init_distributed, load_checkpoint, split_names,
        train_head,
    )  # fmt: skip
    from hiar_lib.engine.data import recorded_protocol

    seeds = [int(s) for s in seeds]
    if not seeds:
        raise HiarError("train_heads needs at least one seed")
    started = time.perf_counter()
    info = check_protocol(cache, protocol)
    rule = test_rule(rule, info.dataset)
    clips = clip_settings(info.config, profile, clip)
    fields = {"head": head, "device": device, "num_workers": num_workers, "clip": clips, **overrides}
    budget = get_profile(profile)
    finetune = overrides.get("init_from") is not None  # the profile's fine-tuning budget, where it has one
    base = budget.head_config(info.dataset or "synthetic", finetune=finetune, **fields)
    instances = str(overrides.get("instances", "all"))
    name = recorded_protocol(info, protocol) if info.splits is not None else info.protocol or protocol
    out = Path(out) if out is not None else default_run_dir(info.path, name, head, profile, clips, instances)
    train_names = split_names(cache, "train", protocol=protocol)
    test_names = split_names(cache, "test", protocol=protocol)
    dist_info = init_distributed(device)
    try:
        runs: list[dict[str, Any]] = []
        computed = False  # whether this call trained or scored anything
        for seed in seeds:
            seed_fields = {**fields, "seed": seed}
            if isinstance(fields.get("init_from"), str):  # one checkpoint per seed: "runs/x/seed{seed}"
                seed_fields["init_from"] = fields["init_from"].replace("{seed}", str(seed))
            config = budget.head_config(info.dataset or "synthetic", finetune=finetune, **seed_fields)
            computed |= not _trained(out / f"seed{seed}", config.iterations)
            ckpt = train_head(config, cache, train_names, out / f"seed{seed}", resume=resume, progress=progress)
            if not dist_info.is_main:
                continue
            result, kept = evaluate_once(ckpt, cache, test_names, rule=rule, device=dist_info.device, progress=progress)
            computed |= not kept
            runs.append({"seed": seed, **result})
            if log is not None:
                log(f"seed {seed}: top-1 {100 * result['accuracy']:.2f} % on {result['num_videos']} test videos "
                    f"({result['num_without_track']} without a track, counted wrong; "
                    f"{result['train_videos_without_track']} training videos without a track left out) -> {ckpt}")  # fmt: skip
        if not dist_info.is_main:
            return None
        parameters = {
            "head": head,
            "head_config": load_checkpoint(out / f"seed{seeds[0]}")["head_config"],
            "train_config": {**base.to_dict(), "seed": None},
            "out": str(out),
            "world_size": dist_info.world_size,
        }
        params, metrics, prov = _evaluation_record("train", info, rule, runs, parameters, profile, seeds, device, started)
        record_path = out / _record_name(out, seeds)
        if not computed:  # every seed trained and scored before: the numbers, and the time they took, are the earlier run's
            prov = _as_reused(prov, record_path, seeds)
        path = write_record(record_path, "train", params, metrics, prov)
        if results is not None:
            write_record(results, "train", params, metrics, prov)
        if log is not None:
            log(format_summary(metrics["summary"]))
        return read_record(path)
    finally:
        if dist_info.initialised_here:
            dist.destroy_process_group()


def _trained(run: Path, iterations: int) -> bool:
    """Whether the checkpoint in ``run`` has all ``iterations`` already (nothing to train)."""
    from hiar_lib.engine import checkpoint_iteration

    return checkpoint_iteration(run) >= iterations


def _as_reused(prov: dict[str, Any], earlier: Path, seeds: Sequence[int]) -> dict[str, Any]:
    """``prov`` of a call that trained and scored nothing, given the earlier record of the
    same seeds at ``earlier``: its wall time (the work that made the numbers) and where
    from (``reused``); ``prov`` as it is where there is no such record."""
    try:
        before = read_record(earlier)
    except (OSError, RecordError):
        return prov
    if list(before.provenance.get("seeds") or []) != list(seeds):
        return prov
    made = before.provenance.get("reused") or {"from": str(earlier), "git_commit": before.provenance.get("git_commit"),
                                               "date": before.provenance.get("date")}  # fmt: skip
    return {**prov, "wall_time_s": before.wall_time_s, "reused": made}


EVALUATION_FILE = "evaluation.json"
"""Kept beside a checkpoint by :func:`evaluate_once`."""


def evaluate_once(
    checkpoint: str | os.PathLike,
    cache: str | os.PathLike,
    test_names: Sequence[str],
    rule: str = "score",
    device: Any = "cpu",
    progress: bool = True,
) -> tuple[dict[str, Any], bool]:
    """:func:`~hiar_lib.engine.evaluate.evaluate_head`, kept beside the checkpoint
    (:data:`EVALUATION_FILE`) and reused while the same checkpoint file (its SHA-256) is
    scored on the same cache (its settings key), test videos, rule and kind of device: a
    head asked for again (a table or claim that shares it, a claim grown by a seed, a
    rerun) is not scored again. Anything else scores it again and replaces the file.

    Returns:
        The result, and whether it was the kept one (nothing scored now)."""
    import hashlib
    import json

    import torch

    from hiar_lib.engine import evaluate_head
    from hiar_lib.fileio import sha256_file, write_json

    path = Path(checkpoint)
    kept = (path if path.is_dir() else path.parent) / EVALUATION_FILE
    file = path / "last.pt" if path.is_dir() else path
    try:
        cache_key = json.loads((Path(cache) / "cache.json").read_text()).get("key")
    except (OSError, json.JSONDecodeError):
        cache_key = None
    key = {
        "checkpoint_sha256": sha256_file(file),
        "cache_key": cache_key,
        "test_videos": hashlib.sha256("\n".join(sorted(test_names)).encode()).hexdigest(),
        "rule": rule,
        "device": torch.device(device).type,
    }
    if cache_key is not None and kept.is_file():
        try:
            have = json.loads(kept.read_text())
        except (OSError, json.JSONDecodeError):
            have = {}
        if have.get("key") == key:
            return have["result"], True
    result = evaluate_head(checkpoint, cache, test_names, rule=rule, device=device, progress=progress)
    if cache_key is not None:
        write_json(kept, {"key": key, "result": result})
    return result, False


def evaluate_checkpoints(
    checkpoints: Sequence[str | os.PathLike],
    cache: str | os.PathLike,
    protocol: str | None = None,
    *,
    rule: str = "auto",
    results: str | os.PathLike | None = None,
    device: str = "cpu",
    progress: bool = True,
    log: Callable[[str], Any] | None = print,
) -> ResultsRecord:
    """Evaluate trained heads (``last.pt`` files) on ``cache``'s test videos, as one record.

    ``protocol`` (optional) checks that the cache was extracted for it. ``results`` writes
    the record there; without it the record is returned only (``path`` is ``None``).

    Raises:
        HiarError: a missing checkpoint, a cache of another protocol, a head trained on
            another label space or other extraction settings.
    """
    from hiar_lib.engine import check_protocol, evaluate_head, format_summary, load_checkpoint, split_names

    if not checkpoints:
        raise HiarError("evaluate_checkpoints needs at least one checkpoint")
    started = time.perf_counter()
    info = check_protocol(cache, protocol)
    rule = test_rule(rule, info.dataset)
    test_names = split_names(cache, "test", protocol=protocol)
    runs = []
    for ckpt in map(Path, checkpoints):
        if not ckpt.exists():
            raise HiarError(f"no checkpoint at {ckpt}")
        result = evaluate_head(ckpt, cache, test_names, rule=rule, device=device, progress=progress)
        runs.append(result)
        if log is not None:
            log(f"{ckpt}: top-1 {100 * result['accuracy']:.2f} % on {result['num_videos']} test videos "
                f"({result['num_without_track']} without a track)")  # fmt: skip
    seeds = [int(load_checkpoint(c)["config"]["seed"]) for c in checkpoints]
    parameters = {"checkpoints": [str(c) for c in checkpoints]}
    params, metrics, prov = _evaluation_record("evaluate", info, rule, runs, parameters, None, seeds, device, started)
    if log is not None:
        log(format_summary(metrics["summary"]))
    if results is None:
        return ResultsRecord("evaluate", params, metrics, prov, None)
    return read_record(write_record(results, "evaluate", params, metrics, prov))
