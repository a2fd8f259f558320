"""Datasets over a feature cache: every instance of a training video, one per test video.

A cache of track crops (``kind="crops"``, :mod:`hiar_lib.crops`) stores no clip: the
datasets pool each clip when it is read, with the :class:`ClipSettings` (``T`` and the
pooler) the head is trained with. A training item is then a fresh random clip of the
video each epoch: uniform over every start whose clip holds a track (an actor track with
``instances="actors"``); a test item is the centred clip. A cache of tubes
(``kind="tubes"``) holds its clips, pooled at extraction, as described below.

A feature cache (:mod:`hiar_lib.features`) holds one file per video with the video's
label, its split (``"train"`` / ``"test"``, decided at extraction by the protocol) and
one or more temporal clips, each with the action region tubes of every track found in
it. The engine reads it through two map-style datasets:

- :class:`TrainTubes` (Section 4.2: "all the detected instances in the same video are
  mapped to the same action label during training"): item ``i`` is one of video ``i``'s
  cached clips, drawn at random, with *all* its tracks' tubes ``(K, C, T, S, S)``, every
  one labelled with the video's label. The draw is seeded by ``(seed, epoch, video
  name)``, so it is the same on every rank and in every DataLoader worker, and a resumed
  run draws the same clips as an uninterrupted one. Videos whose clips have no track at
  all are left out of training (listed in :attr:`TrainTubes.skipped`); clips without a
  track are never drawn.
- :class:`TestTubes` ("only one instance on each video is evaluated for testing"): item
  ``i`` is the one track of video ``i``'s first (centred) clip chosen by
  :func:`hiar_lib.pool.select_test_instance` (``"score"``: the most confident track, the
  NTU RGB+D rule; ``"area"``: the largest box, the N-UCLA rule), ``(1, C, T, S, S)``, plus
  the ground-truth ``person_labels`` of every track when the cache has them. A test video
  without any track gives ``(0, C, T, S, S)``: the model predicts nothing for it and the
  evaluation counts it as wrong (and reports how many there were).

:func:`collate_instances` concatenates the instances of a batch of videos into one
``(N, C, T, S, S)`` tensor with the index of the video each row came from.

Reading is cheap: files are opened with ``torch.load(mmap=True)`` so that scanning a
cache for names, labels and splits, or taking one clip of a video, does not read the
other clips' tubes.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from hiar_lib.crops import crop_window, window_starts, window_tracks
from hiar_lib.engine.clip_memo import CLIP_MEMO, ClipMemo, clip_memo_key
from hiar_lib.data.labels import NTU60_CLASSES, NUCLA_CLASSES
from hiar_lib.data.synthetic import load_manifest
from hiar_lib.data.video import sample_clip_start
from hiar_lib.errors import HiarError
from hiar_lib.features import FORMAT_VERSION, CacheError, cached_video_files, cached_video_path
from hiar_lib.person_labels import person_labels_from_iou
from hiar_lib.pool import select_test_instance
from hiar_lib.pool_config import PoolerConfig

__all__ = [
    "CacheInfo",
    "ClipSettings",
    "EngineError",
    "InstanceBatch",
    "TestTubes",
    "TrainInstances",
    "TrainTubes",
    "VideoInstances",
    "VideoMeta",
    "cache_classes",
    "check_protocol",
    "collate_instances",
    "read_cache_info",
    "recorded_protocol",
    "scan_cache",
    "split_names",
]

TestRule = Literal["score", "area"]
TrainInstances = Literal["all", "actors"]


class EngineError(HiarError):
    """Bad input to training or evaluation: an empty split, a protocol mismatch, a head
    that does not fit the cached tubes, a checkpoint from other settings."""


# ------------------------------------------------------------------------ cache level


@dataclass(frozen=True)
class CacheInfo:
    """What a cache folder's ``cache.json`` records.

    Attributes:
        path: the cache folder.
        key: the settings key (12 hex digits).
        config: the :class:`~hiar_lib.features.ExtractionConfig` as a dict.
        dataset: ``config["dataset"]`` (``"synthetic"``, ``"ntu60"``, ...), or ``None``.
        protocol: ``config["protocol"]`` (canonical name, e.g. ``"cs"``), or ``None``
            for caches written before the protocol was recorded.
        classes: the dataset's class names recorded at extraction, or ``None`` for
            caches written before classes were recorded.
        splits: a crops cache's splits of every protocol (``{protocol: {"train":
            [names], "test": [names]}}``), or ``None`` (a tubes cache, or one made
            before they were recorded: its videos' ``split`` fields decide).
        extraction_time: ``{"videos", "seconds"}``, the videos extracted into it and the
            seconds their passes took, summed over every run that filled it (a pass that
            filled two caches at once counts in each), or ``None`` where not recorded.
    """

    path: Path
    key: str | None
    config: dict[str, Any]
    dataset: str | None
    protocol: str | None
    classes: list[str] | None = None
    splits: dict[str, dict[str, list[str]]] | None = None
    extraction_time: dict[str, Any] | None = None


def read_cache_info(cache_dir: str | os.PathLike) -> CacheInfo:
    """Read ``<cache_dir>/cache.json``.

    Raises:
        CacheError: the folder does not exist, has no ``cache.json`` (not a feature
            cache, or ``hiar extract`` never ran), or the file is unreadable.
    """
    d = Path(cache_dir)
    if not d.is_dir():
        raise CacheError(f"no feature cache folder at {d} (run `hiar extract` first)")
    meta = d / "cache.json"
    if not meta.is_file():
        raise CacheError(f"{d} is not a feature cache: it has no cache.json (run `hiar extract` to make one)")
    try:
        have = json.loads(meta.read_text())
    except (json.JSONDecodeError, OSError) as e:
        raise CacheError(f"unreadable cache settings {meta}: {e}") from None
    if not isinstance(have, dict) or have.get("format") != FORMAT_VERSION:
        raise CacheError(f"{meta} is not a hiar feature cache of format {FORMAT_VERSION}")
    config = have.get("config") or {}
    classes = have.get("classes")
    splits = have.get("splits")
    return CacheInfo(
        path=d, key=have.get("key"), config=config, dataset=config.get("dataset"), protocol=config.get("protocol"),
        classes=[str(c) for c in classes] if isinstance(classes, list) else None,
        splits=splits if isinstance(splits, dict) and splits else None,
        extraction_time=timed if isinstance(timed := have.get("extraction_time"), dict) else None,
    )  # fmt: skip


def _protocol_key(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _same_protocol(recorded: str, asked: str) -> bool:
    """Whether ``asked`` names the protocol recorded as ``recorded`` (its name or an
    alias; case and punctuation ignored)."""
    if _protocol_key(asked) == _protocol_key(recorded):
        return True
    from hiar_lib.data.generic import GENERIC_PROTOCOLS
    from hiar_lib.data.ntu import NTU60_PROTOCOLS
    from hiar_lib.data.nucla import NUCLA_PROTOCOLS

    for table in (NTU60_PROTOCOLS, NUCLA_PROTOCOLS, GENERIC_PROTOCOLS):
        p = table.get(recorded)
        if p is not None and p.matches(asked):
            return True
    return False


def recorded_protocol(info: CacheInfo, protocol: str) -> str:
    """The name under which a crops cache (``info.splits``) records ``protocol``'s splits.

    Raises:
        EngineError: the cache records no such protocol (the message lists those it has).
    """
    assert info.splits is not None
    for name in info.splits:
        if _same_protocol(name, protocol):
            return name
    raise EngineError(
        f"the feature cache at {info.path} (dataset {info.dataset!r}) holds the splits of protocol(s) "
        f"{', '.join(repr(n) for n in info.splits)}, not {protocol!r}"
    )


def check_protocol(cache_dir: str | os.PathLike, protocol: str | None) -> CacheInfo:
    """Check that the cache serves ``protocol`` (the splits depend on it).

    A crops cache records the splits of every protocol of its dataset
    (:attr:`CacheInfo.splits`): ``protocol`` must be one of them. A tubes cache was
    extracted for one protocol: ``protocol`` must name it. Names match as the dataset
    indexes match them (any alias, e.g. ``"xsub"`` for ``"cs"``; case and punctuation
    ignored). A cache that records no protocol is trusted: its videos' ``split`` fields
    decide. ``protocol=None`` checks nothing.

    Raises:
        CacheError: no cache at ``cache_dir``.
        EngineError: the cache does not serve that protocol.
    """
    info = read_cache_info(cache_dir)
    if protocol is None:
        return info
    if info.splits is not None:
        recorded_protocol(info, protocol)
        return info
    if info.protocol is None or _same_protocol(info.protocol, protocol):
        return info
    raise EngineError(
        f"the feature cache at {info.path} was extracted for protocol {info.protocol!r} "
        f"(dataset {info.dataset!r}), not {protocol!r}: its train/test splits belong to "
        f"{info.protocol!r}. Extract a cache for {protocol!r} (`hiar extract --protocol {protocol}`) "
        f"or pass --protocol {info.protocol}"
    )


@dataclass(frozen=True)
class ClipSettings:
    """How a clip is pooled from a cache of track crops.

    Attributes:
        clip_len: ``T`` frames (at the cache's stride; at most its ``max_clip_len``).
        pooler: the action region, FPN levels (stored ones), ``S``, level combination and
            absent frames (:class:`~hiar_lib.pool_config.PoolerConfig`).
    """

    clip_len: int = 8
    pooler: PoolerConfig = PoolerConfig()

    def __post_init__(self) -> None:
        if isinstance(self.clip_len, bool) or not isinstance(self.clip_len, int) or self.clip_len < 1:
            raise EngineError(f"clip_len must be a positive integer, got {self.clip_len!r}")
        if isinstance(self.pooler, dict):
            object.__setattr__(self, "pooler", PoolerConfig(**self.pooler))

    def to_dict(self) -> dict[str, Any]:
        pooler = {f: getattr(self.pooler, f) for f in self.pooler.__dataclass_fields__}
        return {"clip_len": self.clip_len, "pooler": {**pooler, "levels": list(self.pooler.levels)}}


@dataclass(frozen=True)
class VideoMeta:
    """One cached video, without its tubes.

    Attributes:
        name, label, split: as in :class:`~hiar_lib.features.CachedVideo`.
        path: its ``.pt`` file.
        tracks: number of tracks ``K`` of each clip.
        actors: per clip, the number of tracks whose ground-truth person performs the
            video's action (``person_labels == label``), or ``None`` when the cache has
            no per-track ground truth.
        tube_shape: ``(C, T, S, S)`` of its tubes, or ``None`` when no clip has a track
            (or the cache holds crops, whose clips are pooled when read).
        kind: ``"tubes"`` or ``"crops"``. For crops, ``tracks`` and ``actors`` count per
            phase of the stride (an actor track follows the actor over the phase), and
            ``num_frames``, ``stride``, ``channels`` (``C``) are the video's.
    """

    name: str
    label: int
    split: str
    path: Path
    tracks: tuple[int, ...]
    tube_shape: tuple[int, int, int, int] | None
    actors: tuple[int, ...] | None = None
    kind: str = "tubes"
    num_frames: int = 0
    stride: int = 1
    channels: int | None = None

    @property
    def has_track(self) -> bool:
        return any(k > 0 for k in self.tracks)

    @property
    def has_actor(self) -> bool:
        return self.actors is not None and any(k > 0 for k in self.actors)


_OPENED = ClipMemo(512, measure=lambda _: 1)
"""Cached videos already opened (at most 512), by path, size and modification time:
unpickling a crop file's structure costs ~25 ms even memory-mapped, and a file is opened
for its metadata, its test clip and every training draw. The tensors stay
memory-mapped (no copy)."""


def _load_mmap(path: Path) -> dict[str, Any]:
    """A cached video's payload, memory-mapped, opened once per process while unchanged
    (read only: the same dict is returned to every caller)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CacheError(f"cached video not found: {path}") from None
    return _OPENED.get((str(path), st.st_size, st.st_mtime_ns), lambda: _open_mmap(path))


def _open_mmap(path: Path) -> dict[str, Any]:
    try:
        d = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as e:  # truncated or foreign file
        raise CacheError(f"unreadable cached video {path}: {e}") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT_VERSION:
        raise CacheError(f"{path} is not a hiar feature cache file (format {FORMAT_VERSION})")
    return d


def _pooled_clip(path: Path, start: int, clip: ClipSettings) -> dict[str, Any]:
    """:func:`~hiar_lib.crops.crop_window` of a crop cache's file, through the process's
    :data:`~hiar_lib.engine.clip_memo.CLIP_MEMO` (its tensors are shared: read only)."""

    def pool() -> dict[str, Any]:
        return crop_window(_load_mmap(path), start, clip.clip_len, clip.pooler)

    return CLIP_MEMO.get(clip_memo_key(path, start, clip.clip_len, clip.pooler), pool)


def _crops_meta(path: Path, d: dict[str, Any]) -> VideoMeta:
    label = int(d["label"])
    tracks = tuple(int(ph["track_ids"].shape[0]) for ph in d["phases"])
    actors: tuple[int, ...] | None = None
    if d.get("person_labels") is not None and all(ph.get("gt_iou") is not None for ph in d["phases"]):
        actors = tuple(
            int((person_labels_from_iou(ph["gt_iou"], ph["present"], d["person_labels"]) == label).sum()) for ph in d["phases"]
        )
    return VideoMeta(
        name=str(d["name"]), label=label, split=str(d["split"]), path=path, tracks=tracks, tube_shape=None, actors=actors,
        kind="crops", num_frames=int(d["num_frames"]), stride=int(d["stride"]), channels=int(d["channels"]),
    )  # fmt: skip


def _meta(path: Path) -> VideoMeta:
    d = _load_mmap(path)
    if d.get("kind") == "crops":
        return _crops_meta(path, d)
    tracks, shape, actors = [], None, []
    label = int(d["label"])
    for c in d["clips"]:
        tubes: Tensor = c["tubes"]
        k = int(tubes.shape[0])  # (K, C, T, S, S), K = 0 too
        tracks.append(k)
        if k and shape is None:
            shape = tuple(int(s) for s in tubes.shape[1:])
        person = c.get("person_labels")
        if k == 0:
            actors.append(0)
        else:
            actors.append(int((person == label).sum()) if isinstance(person, Tensor) else None)
    return VideoMeta(
        name=str(d["name"]), label=label, split=str(d["split"]), path=path, tracks=tuple(tracks), tube_shape=shape,
        actors=None if any(a is None for a in actors) else tuple(actors),
    )  # fmt: skip


def scan_cache(
    cache_dir: str | os.PathLike,
    names: Sequence[str] | None = None,
    split: str | None = None,
    progress: bool = False,
) -> list[VideoMeta]:
    """Names, labels, splits and track counts of cached videos (tubes are not read).

    Args:
        names: these videos, in this order; ``None``: every video of the cache, by name.
        split: keep only videos whose recorded split is this (``"train"``/``"test"``).

    Raises:
        CacheError: not a cache; a named video is not in it (the message names a few).
    """
    info = read_cache_info(cache_dir)
    d = info.path
    if names is None:
        paths = cached_video_files(d)
    else:
        paths = [cached_video_path(d, n) for n in names]
        missing = [n for n, p in zip(names, paths) if not p.is_file()]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise CacheError(f"{len(missing)} video(s) asked for are not in the feature cache {d}: {shown}")
    metas = [_meta(p) for p in tqdm(paths, desc="scan cache", unit="video", disable=not progress)]
    if split is not None:
        metas = [m for m in metas if m.split == split]
    return metas


def split_names(cache_dir: str | os.PathLike, split: str, progress: bool = False, protocol: str | None = None) -> list[str]:
    """Names of the cached videos in ``split`` (``"train"`` or ``"test"``), sorted.

    A crops cache records every protocol's splits: ``protocol`` picks one (it may be
    left out when the cache records only one). Any other cache has one split per video,
    recorded at extraction.

    Raises:
        EngineError: no video of the cache is in that split; a crops cache of several
            protocols without ``protocol``, or without that one.
    """
    if split not in ("train", "test"):
        raise EngineError(f"split must be 'train' or 'test', got {split!r}")
    info = read_cache_info(cache_dir)
    if info.splits is not None:
        if protocol is None and len(info.splits) > 1:
            raise EngineError(
                f"the feature cache at {cache_dir} holds the splits of protocols {', '.join(repr(n) for n in info.splits)}: "
                "say which one (protocol=...)"
            )
        name = next(iter(info.splits)) if protocol is None else recorded_protocol(info, protocol)
        names = sorted(info.splits[name].get(split, []))
        if not names:
            raise EngineError(f"the feature cache at {cache_dir} has no {split!r} video under protocol {name!r}")
        return names
    metas = scan_cache(cache_dir, split=split, progress=progress)
    if not metas:
        raise EngineError(f"the feature cache at {cache_dir} has no {split!r} video (was extraction of that split run?)")
    return [m.name for m in metas]


def cache_classes(cache_dir: str | os.PathLike) -> list[str] | None:
    """The class names of the cache's dataset, where they are known without indexing videos.

    The names recorded in ``cache.json`` at extraction; for caches made before they were
    recorded: NTU RGB+D 60 and N-UCLA, the fixed class lists; the synthetic benchmark,
    its manifest at the cache's ``data_root`` (when that folder is still there). ``None``
    otherwise (then callers count classes as the largest cached label + 1).
    """
    info = read_cache_info(cache_dir)
    if info.classes is not None:
        return list(info.classes)
    if info.dataset == "ntu60":
        return list(NTU60_CLASSES)
    if info.dataset == "nucla":
        return list(NUCLA_CLASSES)
    if info.dataset == "synthetic" and info.config.get("data_root"):
        try:
            return list(load_manifest(info.config["data_root"])["classes"])
        except (HiarError, OSError, KeyError):
            return None
    return None


# ------------------------------------------------------------------------ items


@dataclass
class VideoInstances:
    """The instances of one video that go into a batch.

    Attributes:
        name: video name; ``label``: the video's label.
        tubes: ``(K, C, T, S, S)`` float32 (K = 0 for a test video without a track).
        labels: ``(K,)`` int64, the video's label for every instance (eq. 16).
        clip: which cached clip the tubes come from (a crop cache: the clip's start frame).
        track_ids: ``(K,)`` int64 tracker ids of the instances.
        selected: test items: the row of the chosen track in the clip (``-1``: none);
            training items: ``-1``.
        person_labels: ``(K_clip,)`` int64 ground-truth label of every track of the clip
            (test items, where the cache has them; ``-1`` distractor, ``-2`` nobody),
            else ``None``.
    """

    name: str
    label: int
    tubes: Tensor
    labels: Tensor
    clip: int
    track_ids: Tensor
    selected: int = -1
    person_labels: Tensor | None = None


def _video_seed(seed: int, epoch: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(epoch), zlib.crc32(name.encode())])


def _common_shape(
    metas: Sequence[VideoMeta], cache_dir: str | os.PathLike, clip: ClipSettings | None
) -> tuple[int, int, int, int] | None:
    """The tubes' ``(C, T, S, S)``; checks that a crop cache has clip settings and a tube
    cache none."""
    kinds = {m.kind for m in metas}
    if kinds == {"crops"}:
        if clip is None:
            raise EngineError(f"the feature cache at {cache_dir} holds track crops: say which clips to pool from it "
                              "(ClipSettings: T and the pooler; `hiar train` takes them from the profile)")  # fmt: skip
        channels = {m.channels for m in metas}
        if len(channels) > 1:
            raise CacheError(f"the feature cache at {cache_dir} mixes channel counts {sorted(channels)}")  # type: ignore[type-var]
        s = clip.pooler.output_size
        return (int(next(iter(channels))), clip.clip_len, s, s)  # type: ignore[arg-type]
    if "crops" in kinds:
        raise CacheError(f"the feature cache at {cache_dir} mixes crops and tubes")
    if clip is not None:
        raise EngineError(f"the feature cache at {cache_dir} holds tubes pooled at extraction (T and the pooler fixed "
                          "there); clip settings apply to a cache of track crops only")  # fmt: skip
    shapes = {m.tube_shape for m in metas if m.tube_shape is not None}
    if len(shapes) > 1:
        raise CacheError(f"the feature cache at {cache_dir} mixes tube shapes {sorted(shapes)}; one cache must hold one shape")
    return next(iter(shapes), None)


class _CachedVideos(Dataset):
    """A map-style dataset over :attr:`videos` (one item per cached video)."""

    videos: list[VideoMeta]

    @property
    def labels(self) -> list[int]:
        """The video label of every item."""
        return [m.label for m in self.videos]

    def __len__(self) -> int:
        return len(self.videos)


class TrainTubes(_CachedVideos):
    """Training videos: item ``i`` is all tracks of a random clip of video ``i``.

    Videos with no track in any clip are left out (their names are in
    :attr:`skipped`). Call :meth:`set_epoch` before each epoch (the clip drawn for a
    video depends on ``(seed, epoch, name)``).

    Args:
        cache_dir: the feature cache folder.
        names: the training videos (e.g. :func:`split_names` ``(cache_dir, "train")``).
        seed: the seed of the clip draws.
        instances: ``"all"`` (the paper: every track, labelled with the video's label) or
            ``"actors"`` (only tracks whose ground-truth person performs the video's
            action; needs a cache with per-track ground truth, i.e. the synthetic
            benchmark). With ``"actors"``, clips without an actor track are never drawn
            and videos without any are skipped.
        clip: for a cache of track crops, the clips to pool (``T`` and the pooler); a
            fresh one is drawn each epoch, uniformly over the starts whose clip holds a
            track (an actor track). ``None`` for a cache of tubes.

    Raises:
        EngineError: ``names`` is empty, no named video has a track (an actor track),
            an unknown ``instances``, or ``"actors"`` on a cache without ground truth.
        CacheError: not a cache, a name not in it, or mixed tube shapes.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike,
        names: Sequence[str],
        seed: int = 0,
        progress: bool = False,
        instances: TrainInstances = "all",
        clip: ClipSettings | None = None,
    ) -> None:
        if instances not in ("all", "actors"):
            raise EngineError(f"training instances must be 'all' (every track, the paper) or 'actors', got {instances!r}")
        if not names:
            raise EngineError(f"no training videos given (empty train split of the feature cache at {cache_dir})")
        metas = scan_cache(cache_dir, names, progress=progress)
        self.cache_dir = Path(cache_dir)
        self.instances: TrainInstances = instances
        if instances == "actors":
            unknown = [m.name for m in metas if m.has_track and m.actors is None]
            if unknown:
                raise EngineError(
                    f"training on actor tracks only needs per-track ground truth, which the feature cache at {cache_dir} "
                    f"does not have for {len(unknown)} video(s) (e.g. {unknown[0]!r}); only synthetic-benchmark caches "
                    f"record it. Use instances='all' (the paper's rule)"
                )
            usable = [m.has_actor for m in metas]
        else:
            usable = [m.has_track for m in metas]
        self.videos: list[VideoMeta] = [m for m, ok in zip(metas, usable) if ok]
        self.skipped: list[str] = [m.name for m, ok in zip(metas, usable) if not ok]
        if not self.videos:
            what = "an actor track" if instances == "actors" else "a track"
            raise EngineError(f"none of the {len(metas)} training videos has {what} in the feature cache at {cache_dir}")
        self.clip = clip
        self.tube_shape = _common_shape(self.videos, cache_dir, clip)
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _draw_crops(self, meta: VideoMeta) -> VideoInstances:
        """A random clip of a crop cache's video with a track (an actor track) in it."""
        assert self.clip is not None and self.tube_shape is not None  # a crop cache always has them
        payload = _load_mmap(meta.path)
        t = self.clip.clip_len
        rng = _video_seed(self.seed, self.epoch, meta.name)
        for start in rng.permutation(window_starts(meta.num_frames, t, meta.stride)).tolist():
            if not window_tracks(payload, start, t).numel():
                continue
            clip = _pooled_clip(meta.path, start, self.clip)
            tubes, track_ids = clip["tubes"], clip["track_ids"]
            if self.instances == "actors":
                keep = clip["person_labels"] == meta.label
                tubes, track_ids = tubes[keep], track_ids[keep]
            if tubes.shape[0]:
                k = tubes.shape[0]
                labels = torch.full((k,), meta.label, dtype=torch.int64)
                return VideoInstances(meta.name, meta.label, tubes, labels, int(start), track_ids.clone())
        # Only a clip too long for the video, which then sees one phase, can miss every track.
        empty = torch.zeros((0, *self.tube_shape))
        return VideoInstances(meta.name, meta.label, empty, torch.zeros(0, dtype=torch.int64), -1, torch.zeros(0, dtype=torch.int64))

    def __getitem__(self, index: int) -> VideoInstances:
        meta = self.videos[index]
        if meta.kind == "crops":
            return self._draw_crops(meta)
        counts = meta.actors if self.instances == "actors" else meta.tracks
        choices = [j for j, k in enumerate(counts) if k > 0]  # type: ignore[arg-type]
        clip_index = choices[int(_video_seed(self.seed, self.epoch, meta.name).integers(len(choices)))]
        clip = _load_mmap(meta.path)["clips"][clip_index]
        tubes, track_ids = clip["tubes"], clip["track_ids"]
        if self.instances == "actors":
            keep = clip["person_labels"] == meta.label
            tubes, track_ids = tubes[keep], track_ids[keep]
        k = tubes.shape[0]
        return VideoInstances(
            name=meta.name,
            label=meta.label,
            tubes=tubes.float(),
            labels=torch.full((k,), meta.label, dtype=torch.int64),
            clip=clip_index,
            track_ids=track_ids.clone(),
        )


class TestTubes(_CachedVideos):
    """Test videos: item ``i`` is the one track of video ``i``'s first clip that is evaluated.

    Args:
        cache_dir: the feature cache folder.
        names: the test videos.
        rule: ``"score"`` (most confident track, NTU RGB+D) or ``"area"`` (largest box,
            N-UCLA); see :func:`hiar_lib.pool.select_test_instance`.
        clip: for a cache of track crops, ``T`` and the pooler of the centred clip that is
            pooled; ``None`` for a cache of tubes.

    Attributes:
        no_track: names of the videos whose clip has no track (they yield K = 0).
        tube_shape: ``(C, T, S, S)``, or ``None`` when no video has a track.

    Raises:
        EngineError: ``names`` is empty or the rule is unknown.
    """

    __test__ = False  # not a pytest class, despite the name

    def __init__(
        self,
        cache_dir: str | os.PathLike,
        names: Sequence[str],
        rule: TestRule = "score",
        progress: bool = False,
        clip: ClipSettings | None = None,
    ) -> None:
        if rule not in ("score", "area"):
            raise EngineError(f"test instance rule must be 'score' (most confident track) or 'area' (largest box), got {rule!r}")
        if not names:
            raise EngineError(f"no test videos given (empty test split of the feature cache at {cache_dir})")
        self.cache_dir = Path(cache_dir)
        self.videos: list[VideoMeta] = scan_cache(cache_dir, names, progress=progress)
        self.rule: TestRule = rule
        self.clip = clip
        self.tube_shape = _common_shape(self.videos, cache_dir, clip)
        self.no_track: list[str] = [m.name for m in self.videos if not self._has_track(m)]

    def _start(self, meta: VideoMeta) -> int:
        assert self.clip is not None
        return sample_clip_start(meta.num_frames, self.clip.clip_len, meta.stride, "center")

    def _has_track(self, meta: VideoMeta) -> bool:
        if meta.kind == "crops":
            assert self.clip is not None
            return bool(window_tracks(_load_mmap(meta.path), self._start(meta), self.clip.clip_len).numel())
        return bool(meta.tracks and meta.tracks[0] > 0)

    def _clip(self, meta: VideoMeta) -> dict[str, Any]:
        """The evaluated clip: the first cached one, or a crop cache's centred clip."""
        if meta.kind == "crops":
            assert self.clip is not None
            return _pooled_clip(meta.path, self._start(meta), self.clip)
        return _load_mmap(meta.path)["clips"][0]

    def __getitem__(self, index: int) -> VideoInstances:
        meta = self.videos[index]
        empty = torch.zeros((0, *(self.tube_shape or (0, 0, 0, 0))))
        if not meta.tracks:
            return VideoInstances(meta.name, meta.label, empty, torch.zeros(0, dtype=torch.int64), -1, torch.zeros(0, dtype=torch.int64))
        clip = self._clip(meta)
        person = clip.get("person_labels")
        person = person.clone() if isinstance(person, Tensor) else None
        row = select_test_instance(clip["scores"], clip["areas"], clip["present"], self.rule)  # -1: no track
        if row < 0:
            return VideoInstances(meta.name, meta.label, empty, torch.zeros(0, dtype=torch.int64), 0, torch.zeros(0, dtype=torch.int64), -1, person)
        return VideoInstances(
            name=meta.name,
            label=meta.label,
            tubes=clip["tubes"][row : row + 1].float(),
            labels=torch.tensor([meta.label], dtype=torch.int64),
            clip=0,
            track_ids=clip["track_ids"][row : row + 1].clone(),
            selected=row,
            person_labels=person,
        )

    def actor_tubes(self, index: int) -> Tensor | None:
        """Every track of video ``index``'s first clip whose ground-truth person performs
        the video's action, ``(A, C, T, S, S)`` float32 (A may be 0: the detector or the
        tracker missed them); ``None`` when the cache has no per-track ground truth.

        This scores recognition per person (the instance level the framework is for),
        beside the paper's one-instance-per-video protocol.
        """
        meta = self.videos[index]
        if meta.actors is None:
            return None
        if not meta.actors or (meta.kind == "tubes" and meta.actors[0] == 0):  # no track, or none follows an actor
            return torch.zeros((0, *(self.tube_shape or (0, 0, 0, 0))))
        clip = self._clip(meta)
        return clip["tubes"][clip["person_labels"] == meta.label].float()


# ------------------------------------------------------------------------ batching


@dataclass
class InstanceBatch:
    """The instances of a batch of V videos, concatenated.

    Attributes:
        tubes: ``(N, C, T, S, S)`` float32, N = the videos' instance counts summed.
        labels: ``(N,)`` int64, each instance's video label.
        video_index: ``(N,)`` int64, which of the V videos each row comes from.
        video_labels: ``(V,)`` int64.
        names: the V video names.
        selected: per video, the selected track row (test) or ``-1``.
        person_labels: per video, the clip's per-track ground truth or ``None``.
    """

    tubes: Tensor
    labels: Tensor
    video_index: Tensor
    video_labels: Tensor
    names: list[str]
    selected: list[int] = field(default_factory=list)
    person_labels: list[Tensor | None] = field(default_factory=list)

    def to(self, device: str | torch.device) -> InstanceBatch:
        """Tubes and labels moved to ``device`` (the rest stays on the CPU)."""
        return InstanceBatch(
            self.tubes.to(device, non_blocking=True),
            self.labels.to(device, non_blocking=True),
            self.video_index,
            self.video_labels,
            self.names,
            self.selected,
            self.person_labels,
        )

    def pin_memory(self) -> InstanceBatch:
        self.tubes = self.tubes.pin_memory()
        self.labels = self.labels.pin_memory()
        return self


def collate_instances(items: Sequence[VideoInstances]) -> InstanceBatch:
    """Concatenate the instances of ``items`` (a DataLoader ``collate_fn``).

    Videos with K = 0 instances contribute no row but keep their place in
    ``video_labels``/``names`` (so evaluation can count them as wrong).
    """
    if not items:
        raise EngineError("cannot collate an empty batch")
    parts = [it.tubes for it in items if it.tubes.shape[0] > 0]
    if parts:
        tubes = torch.cat(parts, dim=0)
    else:
        tubes = items[0].tubes.new_zeros((0, *items[0].tubes.shape[1:]))
    labels = torch.cat([it.labels for it in items])
    video_index = torch.cat([torch.full((it.tubes.shape[0],), v, dtype=torch.int64) for v, it in enumerate(items)])
    return InstanceBatch(
        tubes=tubes,
        labels=labels.to(torch.int64),
        video_index=video_index,
        video_labels=torch.tensor([it.label for it in items], dtype=torch.int64),
        names=[it.name for it in items],
        selected=[it.selected for it in items],
        person_labels=[it.person_labels for it in items],
    )
