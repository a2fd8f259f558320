"""A dataset's feature cache made from a profile's settings (what ``hiar extract`` does).

:func:`extraction_settings` is a profile's :class:`~hiar_lib.profiles.ExtractionSettings`
with some of them changed; :func:`extract_dataset` indexes a dataset, builds the
detector, runs detection, tracking and the pooler over both splits of a protocol and
writes the cache (resumable, sharded under ``torchrun``, atomic: see
:mod:`hiar_lib.features`). Notebooks and the command line call these two.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from hiar_lib.errors import HiarError
from hiar_lib.profiles import DEFAULT_PROFILE, ExtractionSettings, get_profile

__all__ = ["TUBES_ONLY", "extract_dataset", "extraction_settings"]

TUBES_ONLY = ("box", "output_size", "combine", "clip_len", "train_clips")
"""Settings that fix the tubes of a ``tubes`` cache; a ``crops`` cache leaves them to the heads."""


def extraction_settings(profile: str = DEFAULT_PROFILE, **changes: Any) -> ExtractionSettings:
    """The ``profile``'s extraction settings with ``changes`` (``None`` values ignored).

    Args:
        profile: a profile name (:data:`hiar_lib.profiles.PROFILE_NAMES`).
        changes: fields of :class:`~hiar_lib.profiles.ExtractionSettings` (``kind``,
            ``stride``, ``levels``, ``max_clip_len``, ``score_thresh``, ``max_people``, ``tracker``,
            ``clip_len``, ``train_clips``, ``videos_per_split``) or of its pooler (``box``, ``output_size``,
            ``combine``; ``levels`` goes to the pooler for a ``tubes`` cache).

    Raises:
        HiarError: a tubes-only setting (:data:`TUBES_ONLY`) for a ``crops`` cache, or a
            value the settings refuse.
    """
    base = get_profile(profile).extraction
    given = {k: v for k, v in changes.items() if v is not None}
    crops = given.get("kind", base.kind) == "crops"
    if crops and any(k in given for k in TUBES_ONLY):
        raise HiarError(
            f"{', '.join(k for k in TUBES_ONLY if k in given)}: settings of the tubes of a 'tubes' cache; a 'crops' "
            "cache keeps every choice open (the heads choose with `hiar train`)"
        )
    pooler_fields = {k: given.pop(k) for k in ("box", "output_size", "combine") if k in given}
    if not crops and "levels" in given:
        pooler_fields["levels"] = tuple(given.pop("levels"))
    elif "levels" in given:
        given["levels"] = tuple(given["levels"])
    unknown = sorted(set(given) - set(ExtractionSettings.__dataclass_fields__))
    if unknown:
        raise HiarError(f"unknown extraction setting(s): {', '.join(unknown)}")
    try:
        return replace(base, pooler=replace(base.pooler, **pooler_fields), **given)
    except ValueError as e:
        raise HiarError(str(e)) from None


def extract_dataset(
    dataset: str,
    data: str | os.PathLike,
    protocol: str,
    *,
    settings: ExtractionSettings | None = None,
    profile: str = DEFAULT_PROFILE,
    detector: str = "synthetic",
    weights: str | os.PathLike | None = None,
    random_init: bool = False,
    size: tuple[int, int] | None = None,
    pad_to_multiple: int | None = None,
    seed: int = 0,
    device: str = "cpu",
    amp: bool = False,
    limit: int | None = None,
    cache: str | os.PathLike | None = None,
    cache_root: str | os.PathLike = "cache/features",
    progress: bool = True,
    instances: str = "detected",
    oracle_cache: str | os.PathLike | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Detect, track and pool every video of ``protocol``'s train and test splits.

    A ``crops`` cache (the synthetic profiles) takes the videos of every protocol of the
    dataset and records each protocol's splits, so that one extraction serves them all
    (:mod:`hiar_lib.features`); ``protocol`` then only orders the work.

    Args:
        dataset: ``"synthetic"``, ``"ntu60"``, ``"nucla"`` or ``"generic"``.
        data: the dataset's root folder.
        protocol: the protocol deciding the splits (``"cs"``, ``"cv"``, ``"v12_3"``, ...).
        settings: the extraction settings (default: ``profile``'s).
        detector: ``"synthetic"`` (``weights``, default the newest cached checkpoint),
            ``"paper"`` (the COCO files) or ``"auto"``.
        random_init: an untrained detector (smoke runs only).
        size: ``(W, H)`` frames are resized to before detection (default: the settings'
            size for the dataset, else the frames as they are).
        limit: only the first ``limit`` videos of each split (default: the settings'
            ``videos_per_split``).
        cache: exactly this folder (refused if it holds other settings); default
            ``cache_root/<settings key>``.
        instances: ``"detected"`` (the method) or ``"ground_truth"`` (the synthetic
            benchmark's annotated people as the tracks: the oracle,
            :attr:`hiar_lib.features.ExtractionConfig.instances`).
        oracle_cache: (detected instances, a crops cache of the synthetic benchmark) also
            fill this folder with the ground-truth instances cache, from the same
            detector pass (:func:`hiar_lib.features.extract_features`).

    Returns:
        The cache folder and ``{"done", "skipped", "failed", "rank", "world"}`` of this rank.

    Raises:
        HiarError: a dataset, protocol, detector or setting that cannot be used, each
            said in one line.
    """
    from hiar_lib.data.datasets import index_dataset
    from hiar_lib.detection.build import build_detector
    from hiar_lib.experiments.detector import resolve_detector
    from hiar_lib.features import ExtractionConfig, cache_dir_for, detector_identity, extract_features
    from hiar_lib.track_config import tracker_config

    settings = settings or extraction_settings(profile)
    preset, weights = resolve_detector(detector, weights, random_init)
    index = index_dataset(dataset, data, protocol=protocol, probe=False, progress=False)
    limit = limit if limit is not None else settings.videos_per_split
    splits = _limited(index.split(protocol), limit)
    recorded = None
    if settings.kind == "crops":  # one cache for every protocol: their videos, their splits recorded
        splits, recorded = _every_protocol(index, protocol, limit)
    detector_size = settings.detector_size.get(index.dataset)
    lo, hi = detector_size or (None, None)
    model = build_detector(preset, weights=weights, random_init=random_init, device=device,
                           score_thresh=settings.score_thresh, detections_per_img=settings.max_people,
                           min_size=lo, max_size=hi)  # fmt: skip
    config = ExtractionConfig(
        dataset=index.dataset,
        data_root=str(Path(data).resolve()),  # the same cache whether the folder was named relative or absolute
        protocol=index.get_protocol(protocol).name,
        detector=detector_identity(model),
        kind=settings.kind,
        levels=settings.levels,
        max_clip_len=settings.max_clip_len,
        pooler=settings.pooler,
        tracker=tracker_config(settings.tracker),
        clip_len=settings.clip_len,
        stride=settings.stride,
        size=tuple(size) if size else settings.frame_size.get(index.dataset),
        pad_to_multiple=pad_to_multiple,
        train_clips=settings.train_clips,
        seed=seed,
        score_thresh=settings.score_thresh,
        max_people=settings.max_people,
        detector_size=detector_size,
        instances=instances,
    )
    folder = Path(cache) if cache is not None else cache_dir_for(cache_root, config)
    stats = extract_features(
        model, splits, config, folder, device=device, amp=amp,
        ground_truth_root=data if index.dataset == "synthetic" else None, progress=progress, classes=index.classes,
        splits=recorded, oracle_cache=oracle_cache,
    )  # fmt: skip
    return folder, stats


def _limited(splits: dict[str, list[Any]], limit: int | None) -> dict[str, list[Any]]:
    """The first ``limit`` samples of each split (all when ``limit`` is ``None``)."""
    return splits if limit is None else {k: v[:limit] for k, v in splits.items()}


def _every_protocol(index: Any, protocol: str, limit: int | None) -> tuple[dict[str, list[Any]], dict[str, dict[str, list[str]]]]:
    """The videos a crops cache holds and each protocol's splits by name.

    Without ``limit``: the videos of every protocol of ``index``, each listed once
    (under its split in ``protocol``, else in the first protocol that has it). With
    ``limit``: the first ``limit`` videos of each split of the dataset's first protocol
    (whichever protocol is asked, so that every extraction into the cache picks the same
    videos), and every protocol's splits over those videos only (a small cache for
    checks). A protocol the dataset cannot split (a ``generic`` CSV without a split
    column) is left out, unless it is ``protocol`` itself.
    """
    from hiar_lib.errors import DatasetError

    asked = index.get_protocol(protocol).name
    every: dict[str, dict[str, list[Any]]] = {}  # each protocol the dataset can split, asked first
    for name in [asked, *(n for n in index.protocols if n != asked)]:
        try:
            every[name] = index.split(name)
        except DatasetError:
            if name == asked:
                raise
    kept = None
    if limit is not None:
        anchor = next(n for n in index.protocols if n in every)
        kept = {s.name for v in _limited(every[anchor], limit).values() for s in v}
    recorded: dict[str, dict[str, list[str]]] = {}
    union: dict[str, list[Any]] = {"train": [], "test": []}
    seen: set[str] = set()
    for name, splits in every.items():
        if kept is not None:
            splits = {k: [s for s in v if s.name in kept] for k, v in splits.items()}
        recorded[name] = {k: [s.name for s in v] for k, v in splits.items()}
        for split, samples in splits.items():
            for s in samples:
                if s.name not in seen:
                    seen.add(s.name)
                    union[split].append(s)
    return union, recorded
