"""Whether a trained head may be applied to a feature cache: one check for every command.

A head's outputs mean classes of the dataset it was trained on, and its inputs are tubes
pooled with the cache settings it was trained on. Scoring it on a cache of another
dataset, another label space, or tubes made another way gives a number that looks like
an accuracy and means nothing, so every command that loads a head for a cache (``hiar
evaluate``, resuming ``hiar train``) calls :func:`check_head_matches_cache` first; ``hiar
demo``, which makes its tubes itself, calls :func:`check_head_matches_video`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from hiar_lib.engine.data import CacheInfo, EngineError, cache_classes, read_cache_info
from hiar_lib.features import settings_differences, shown_names

__all__ = ["SETTINGS_FREE_TO_DIFFER", "check_head_matches_cache", "check_head_matches_video", "trained_on"]

# Extraction settings that may differ between the cache a head was trained on and the
# cache it is applied to: where the dataset lies, and how many random training clips
# were drawn with which seed (they change the training videos' tubes, not the test ones).
SETTINGS_FREE_TO_DIFFER: frozenset[str] = frozenset({"data_root", "train_clips", "seed"})


def trained_on(cache: CacheInfo) -> dict[str, Any]:
    """What a checkpoint records of the cache its head is trained on (see :func:`check_head_matches_cache`)."""
    return {
        "path": str(cache.path),
        "key": cache.key,
        "dataset": cache.dataset,
        "protocol": cache.protocol,
        "classes": cache_classes(cache.path),
        "config": cache.config,
    }


def _classes_text(dataset: str | None, classes: Sequence[str] | None, count: int | None) -> str:
    n = len(classes) if classes is not None else count
    shown = ""
    if classes:
        shown = ": " + shown_names(classes)
    return f"{dataset or 'an unknown dataset'} ({n if n is not None else '?'} classes{shown})"


def check_head_matches_cache(ckpt: dict[str, Any], checkpoint: str | os.PathLike, cache_dir: str | os.PathLike) -> CacheInfo:
    """Refuse a head trained on another dataset, label space or cache settings than ``cache_dir``'s.

    Compared, where both sides record them: the dataset name; the class names (else the
    class count: the head's classifier width against the cache's class list); and the
    extraction settings (detector, pooler, tracker, protocol, clip length, stride, frame
    size), all but :data:`SETTINGS_FREE_TO_DIFFER`. Checkpoints written before the class
    names and settings were recorded are checked on what they do record.

    Args:
        ckpt: the checkpoint dict (:func:`~hiar_lib.engine.train.load_checkpoint`).
        checkpoint: its path, for the message.
        cache_dir: the feature cache the head is about to be applied to.

    Returns:
        The cache's :class:`~hiar_lib.engine.data.CacheInfo`.

    Raises:
        EngineError: one line naming the head's training data and the cache's, and what differs.
        CacheError: ``cache_dir`` is not a feature cache.
    """
    cache = read_cache_info(cache_dir)
    trained = ckpt.get("cache") or {}
    head_classes = trained.get("classes")
    head_count = ckpt.get("num_classes")
    here_classes = cache_classes(cache.path)
    problems: list[str] = []
    if trained.get("dataset") and cache.dataset and trained["dataset"] != cache.dataset:
        problems.append(f"dataset {trained['dataset']!r} vs {cache.dataset!r}")
    if head_classes is not None and here_classes is not None:
        if list(head_classes) != list(here_classes):
            problems.append("class names")
    elif here_classes is not None and head_count is not None and int(head_count) != len(here_classes):
        problems.append(f"class count {head_count} vs {len(here_classes)}")
    if trained.get("config") and cache.config:
        differences = settings_differences(trained["config"], cache.config, ignore=SETTINGS_FREE_TO_DIFFER)
        problems += [f"{k} {a!r} vs {b!r}" for k, a, b in differences]
    if problems:
        raise EngineError(
            f"the head in {checkpoint} was trained on {_classes_text(trained.get('dataset'), head_classes, head_count)} "
            f"but the feature cache at {cache.path} holds {_classes_text(cache.dataset, here_classes, None)}; "
            f"refusing to score it against another label space or other tubes ({'; '.join(problems)})"
        )
    return cache


def check_head_matches_video(
    ckpt: dict[str, Any], checkpoint: str | os.PathLike, detector: str, classes: Sequence[str] | None = None
) -> list[str]:
    """Refuse a head for a video whose tubes come from another detector, or whose labels
    are asked for in another label space.

    Args:
        ckpt: the checkpoint dict (:func:`~hiar_lib.engine.train.load_checkpoint`).
        checkpoint: its path, for the message.
        detector: the identity of the detector about to make the tubes
            (:func:`hiar_lib.features.detector_identity`): the head's features must come
            from the detector it was trained on.
        classes: the label space the caller expects (``None``: the head's own).

    Returns:
        The head's class names (``class 0``, ``class 1``, ... when the checkpoint does not
        record them).

    Raises:
        EngineError: one line naming the head's training data and what differs.
    """
    trained = ckpt.get("cache") or {}
    head_classes = trained.get("classes")
    count = int(ckpt.get("num_classes") or len(head_classes or []))
    names = [str(c) for c in head_classes] if head_classes else [f"class {i}" for i in range(count)]
    problems = []
    recorded = (trained.get("config") or {}).get("detector")
    if recorded and recorded != detector:
        problems.append(f"its tubes came from detector {recorded!r}, this video's would come from {detector!r}")
    if classes is not None and [str(c) for c in classes] != names:
        problems.append(f"labels asked for in {_classes_text(None, list(classes), None)}")
    if problems:
        raise EngineError(
            f"the head in {checkpoint} was trained on {_classes_text(trained.get('dataset'), head_classes, count)}; "
            f"refusing to apply it here ({'; '.join(problems)})"
        )
    return names
