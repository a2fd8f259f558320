"""The feature cache: action region tubes computed once per (dataset, detector, pooler).

Head ablations (Tables 3-7) retrain only the head, so detection, tracking and pooling
run once per video and are kept on disk::

    <cache root>/<key>/cache.json      the settings (ExtractionConfig), their key, the classes
    <cache root>/<key>/<file>.pt       one file per video (CachedVideo as a dict)

``<file>`` is :func:`cache_file_name` of the video's name: the name itself when it is a
plain file name (NTU, N-UCLA and synthetic names are), otherwise a readable stem plus a
hash of the name (a ``generic`` CSV may list ``../videos/a.mp4`` or an absolute path).
Every file of a cache lies directly in its folder: nothing is ever written outside it.

``key`` is a hash of the settings, so different settings never share a folder; a folder
whose ``cache.json`` records other settings is refused with the differences named. Each
video file is written to a temporary name and renamed, so a killed extraction leaves no
half-written file, and the next run skips every video already done.

A cache is of one of two kinds (``ExtractionConfig.kind``):

- ``"crops"`` (the synthetic profiles): every frame is detected once, each phase of the
  temporal stride is tracked, and each track's FPN levels are kept cropped under its
  boxes (:mod:`hiar_lib.crops`). Any clip (start, ``T``) is pooled from them when a head
  trains or is tested, with any pooler setting over the stored levels: training draws a
  fresh random clip of a video every time it draws the video (Section 4.2), and every
  table row (region, levels, ``S``, ``T``) comes from one extraction. A video's crops
  do not depend on the split it is in, so one crops cache serves every protocol of its
  dataset: it holds the videos of all of them, its key leaves the protocol out, and
  ``cache.json`` records each protocol's splits (``"splits"``: ``{protocol: {"train":
  [names], "test": [names]}}``), which training and evaluation read.
- ``"tubes"`` (the paper profile, where per-frame crops of 1280 x 720 NTU RGB+D frames
  would not fit on a disk): the pooled tubes of fixed clips, decided at extraction. A
  training video keeps ``train_clips`` clips at random starts, a test video one centred
  clip; each clip holds the tubes of every track found in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from hiar_lib.data.index import Sample
from hiar_lib.data.video import probe_video, read_clip, sample_clip_start
from hiar_lib.errors import HiarError
from hiar_lib.fileio import atomic_torch_save, atomic_write
from hiar_lib.person_labels import track_person_labels
from hiar_lib.pool_config import CACHE_KINDS, PoolerConfig
from hiar_lib.track_config import TrackerConfig

__all__ = [
    "CacheError",
    "cache_share_left",
    "detector_identity",
    "extract_features",
    "extract_video",
    "CachedClip",
    "CachedVideo",
    "ExtractionConfig",
    "cache_dir_for",
    "cache_file_name",
    "cached_video_files",
    "cached_video_path",
    "load_cached_video",
    "open_cache",
    "save_cached_video",
    "settings_differences",
    "shown_names",
]

FORMAT_VERSION = 2
# Fields of ExtractionConfig that only one kind uses; the other kind leaves them out of
# its settings (and so out of its key).
_TUBES_ONLY = ("protocol", "pooler", "clip_len", "train_clips")
_CROPS_ONLY = ("levels", "max_clip_len")

INSTANCE_SOURCES: tuple[str, ...] = ("detected", "ground_truth")
"""Where a cache's people come from (:attr:`ExtractionConfig.instances`)."""


class CacheError(HiarError):
    """A feature cache does not match the settings asked for, or is unreadable."""


@dataclass(frozen=True)
class ExtractionConfig:
    """Everything that decides the content of a feature cache.

    Attributes:
        kind: ``"tubes"`` or ``"crops"`` (the module docstring).
        dataset: dataset name (``"synthetic"``, ``"ntu60"``, ``"nucla"``, ``"generic"``).
        data_root: the dataset root, as given.
        protocol: (tubes) the protocol whose splits decide train (random clips) and test
            videos; a crops cache records every protocol's splits instead (the module
            docstring), so its key leaves this out.
        detector: the detector's identity (preset and weights file hash).
        pooler: (tubes) :class:`~hiar_lib.pool_config.PoolerConfig`.
        tracker: :class:`~hiar_lib.track_config.TrackerConfig`.
        clip_len: (tubes) ``T`` frames per clip.
        stride: temporal stride in source frames (crops: every clip pooled later has it).
        size: frames resized to ``(width, height)`` before detection; ``None`` keeps them.
        pad_to_multiple: pad frames right/bottom to a multiple of this (paper: 32).
        train_clips: (tubes) random temporal clips kept per training video.
        seed: the random starts of training clips (tubes).
        levels: (crops) the FPN levels kept.
        max_clip_len: (crops) the longest clip a head may pool from the cache.
        score_thresh: the detector's person score threshold.
        max_people: the detector's most people a frame (``detections_per_img``); left
            out of :meth:`to_dict` (and so of the key) at 100, torchvision's default.
        detector_size: the detector's resize rule ``(min_size, max_size)`` pixels when
            set for the extraction (the paper profile's input sizes); ``None``: the
            detector's own.
        instances: ``"detected"`` (the detector's people, tracked: the method) or
            ``"ground_truth"`` (crops only, the synthetic benchmark: its annotated people
            as the tracks, each present where its mask is, pooled from the same
            detector's FPN maps: the oracle rows, what the instance stage costs). Left
            out of :meth:`to_dict` (and so of the key) when ``"detected"``.
    """

    dataset: str
    data_root: str
    protocol: str
    detector: str
    kind: str = "tubes"
    pooler: PoolerConfig = PoolerConfig()
    tracker: TrackerConfig = TrackerConfig()
    clip_len: int = 8
    stride: int = 4
    size: tuple[int, int] | None = None
    pad_to_multiple: int | None = None
    train_clips: int = 1
    seed: int = 0
    score_thresh: float = 0.5
    max_people: int = 100
    detector_size: tuple[int, int] | None = None
    levels: tuple[str, ...] = ("P2", "P3", "P4", "P5")
    max_clip_len: int = 16
    instances: str = "detected"

    def __post_init__(self) -> None:
        if self.kind not in CACHE_KINDS:
            raise CacheError(f"a feature cache is of kind 'tubes' or 'crops', not {self.kind!r}")
        if self.instances not in INSTANCE_SOURCES:
            raise CacheError(f"a feature cache's instances are 'detected' or 'ground_truth', not {self.instances!r}")
        if self.instances == "ground_truth" and (self.kind != "crops" or self.dataset != "synthetic"):
            raise CacheError("ground-truth instances need a crops cache of the synthetic benchmark (the one dataset here annotated per person)")
        object.__setattr__(self, "levels", tuple(self.levels))
        PoolerConfig(levels=self.levels)  # the same level names a pooler takes
        if self.max_clip_len < 1:
            raise CacheError(f"max_clip_len must be >= 1, got {self.max_clip_len}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["size"] = list(self.size) if self.size else None
        d["detector_size"] = list(self.detector_size) if self.detector_size else None
        d["pooler"]["levels"] = list(self.pooler.levels)
        d["levels"] = list(self.levels)
        for name in _CROPS_ONLY if self.kind == "tubes" else _TUBES_ONLY:
            del d[name]
        if self.instances == "detected":  # the keys of every cache made before the oracle stay as they were
            del d["instances"]
        if self.max_people == 100:  # and before max_people
            del d["max_people"]
        return d

    def key(self) -> str:
        """12 hex digits identifying the settings."""
        blob = json.dumps({"format": FORMAT_VERSION, **self.to_dict()}, sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]


@dataclass
class CachedClip:
    """The tracks of one temporal clip of a video.

    Attributes:
        start: first source frame; ``frame_indices`` ``(T,)`` int64 (``-1`` = padding).
        tubes: ``(K, C, T, S, S)`` float16 action region features.
        track_ids: ``(K,)`` int64.
        present: ``(K, T)`` bool.
        boxes: ``(K, T, 4)`` float32 per-frame boxes in source pixels (NaN in gaps).
        scores: ``(K,)`` float32 mean detection score; ``areas`` ``(K,)`` mean box area.
        person_labels: ``(K,)`` int64 ground-truth label of the person each track
            follows, where the dataset has per-person labels (synthetic: ``-1`` for a
            distractor, ``-2`` for a track matching nobody); ``None`` otherwise.
    """

    start: int
    frame_indices: Tensor
    tubes: Tensor
    track_ids: Tensor
    present: Tensor
    boxes: Tensor
    scores: Tensor
    areas: Tensor
    person_labels: Tensor | None = None


@dataclass
class CachedVideo:
    """A video's label and its clips' tubes."""

    name: str
    label: int
    split: str
    num_frames: int
    clips: list[CachedClip] = field(default_factory=list)


def cache_dir_for(root: str | os.PathLike, config: ExtractionConfig) -> Path:
    """``root/<key>``: where the cache of these settings lives."""
    return Path(root) / config.key()


# A name that is already a safe file name: letters, digits, ``_ . -``, not starting
# with a dot or a dash (no hidden files, no ``..``, no option look-alikes), short enough
# for any file system.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,149}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def cache_file_name(name: str) -> str:
    """The file name (no folder) under which a video named ``name`` is cached.

    A plain name (``"S001C002P003R002A013"``, ``"A06_P004_T0016_C1"``) is kept:
    ``"<name>.pt"``. Any other name (``"videos/a"``, ``"../clips/a"``,
    ``"/home/me/a"``) becomes ``"<readable stem>-<10 hex digits of sha1(name)>.pt"``,
    the stem being the name's path parts joined by ``_`` with unsafe characters
    replaced, at most 60 characters (its end kept). The result never holds a path
    separator and never starts with a dot, so ``cache_dir / cache_file_name(name)``
    lies directly inside ``cache_dir`` whatever the name; distinct names give distinct
    files.

    Raises:
        CacheError: an empty name.
    """
    if not name:
        raise CacheError("a video without a name cannot be cached")
    if _PLAIN_NAME.fullmatch(name):
        return f"{name}.pt"
    parts = [q for q in re.split(r"[\\/]+", name) if q not in ("", ".", "..")]
    stem = _UNSAFE.sub("_", "_".join(parts)).strip("._-")[-60:].lstrip("._-") or "video"
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{stem}-{digest}.pt"


def cached_video_path(cache_dir: str | os.PathLike, name: str) -> Path:
    """``cache_dir / cache_file_name(name)``: where the video named ``name`` is cached."""
    return Path(cache_dir) / cache_file_name(name)


def cached_video_files(cache_dir: str | os.PathLike) -> list[Path]:
    """The cache's video files, sorted (``*.pt``; not the hidden ones a write in progress
    leaves)."""
    return sorted(p for p in Path(cache_dir).glob("*.pt") if not p.name.startswith("."))


def settings_differences(
    a: dict[str, Any], b: dict[str, Any], ignore: frozenset[str] = frozenset(), prefix: str = ""
) -> list[tuple[str, Any, Any]]:
    """The settings two :meth:`ExtractionConfig.to_dict` records disagree on.

    Args:
        ignore: top-level keys not compared.

    Returns:
        ``(dotted key, value in a, value in b)`` for each difference, nested dicts
        compared key by key (``"pooler.output_size"``), keys sorted.
    """
    out: list[tuple[str, Any, Any]] = []
    for k in sorted(set(a) | set(b)):
        if not prefix and k in ignore:
            continue
        va, vb = a.get(k), b.get(k)
        if isinstance(va, dict) and isinstance(vb, dict):
            out += settings_differences(va, vb, prefix=f"{prefix}{k}.")
        elif va != vb:
            out.append((f"{prefix}{k}", va, vb))
    return out


def open_cache(
    cache_dir: str | os.PathLike,
    config: ExtractionConfig,
    create: bool = True,
    classes: Sequence[str] | None = None,
    splits: dict[str, dict[str, list[str]]] | None = None,
) -> Path:
    """Check (or create) a cache folder for ``config``.

    Args:
        classes: the dataset's class names (``classes[label]``), recorded in
            ``cache.json`` so that a head trained on another label space is refused;
            checked against the cache's record when both are known.
        splits: (crops) every protocol's video names per split, recorded in
            ``cache.json`` (replacing what it held: the videos an extraction asks for
            decide).

    Raises:
        CacheError: the folder holds a cache made with other settings (the message lists
            the differing settings) or other class names, or it does not exist and
            ``create`` is False.
    """
    d = Path(cache_dir)
    meta = d / "cache.json"
    want: dict[str, Any] = {"format": FORMAT_VERSION, "key": config.key(), "config": config.to_dict()}
    if classes is not None:
        want["classes"] = [str(c) for c in classes]
    if meta.is_file():
        try:
            have = json.loads(meta.read_text())
        except json.JSONDecodeError as e:
            raise CacheError(f"unreadable cache settings {meta}: {e}") from None
        if have.get("key") != want["key"] or have.get("format") != FORMAT_VERSION:
            differences = settings_differences(have.get("config", {}), want["config"])
            diffs = [f"{k}: {a!r} in the cache, {b!r} asked for" for k, a, b in differences]
            diffs = diffs or [f"format {have.get('format')} vs {FORMAT_VERSION}"]
            raise CacheError(
                f"the feature cache at {d} was made with other settings; refusing to mix them:\n  "
                + "\n  ".join(diffs)
                + "\n(use another --cache folder, or the default one keyed by the settings)"
            )
        if classes is not None and have.get("classes") is not None and have["classes"] != want["classes"]:
            raise CacheError(
                f"the feature cache at {d} holds {len(have['classes'])} classes ({shown_names(have['classes'])}) but the "
                f"dataset now has {len(want['classes'])} ({shown_names(want['classes'])}); refusing to mix label spaces "
                f"(use another --cache folder)"
            )
        update = {}
        if classes is not None and have.get("classes") is None:  # a cache made before classes were recorded
            update["classes"] = want["classes"]
        if splits is not None and have.get("splits") != splits:
            update["splits"] = splits
        if update:
            atomic_write(meta, lambda tmp: tmp.write_text(json.dumps({**have, **update}, indent=1)))
        return d
    if not create:
        raise CacheError(f"no feature cache at {d} (run `hiar extract` first)")
    if splits is not None:
        want["splits"] = splits
    d.mkdir(parents=True, exist_ok=True)
    atomic_write(meta, lambda tmp: tmp.write_text(json.dumps(want, indent=1)))
    return d


def cache_share_left(*caches: str | os.PathLike) -> float:
    """The share of a feature cache's videos not extracted yet, or of the videos that some
    of ``caches`` lacks (the caches one detector pass fills together: what that pass
    extracts).

    1.0 where a cache's ``cache.json`` is not written yet; else the videos the caches'
    protocols' splits name (a crops cache records them all) that have no cached file in
    some cache, over all of them (0.0 when no cache records splits: it cannot say, and is
    taken as made).
    """
    folders = [Path(c) for c in caches]
    names: set[str] = set()
    for d in folders:
        meta = d / "cache.json"
        if not meta.is_file():
            return 1.0
        try:
            splits = json.loads(meta.read_text()).get("splits") or {}
        except (OSError, json.JSONDecodeError):
            return 1.0
        names |= {n for protocol in splits.values() for split in protocol.values() for n in split}
    if not names:
        return 0.0
    return sum(any(not cached_video_path(d, n).is_file() for d in folders) for n in names) / len(names)


def shown_names(names: Sequence[str], k: int = 4) -> str:
    """The first ``k`` names joined by commas, ``", ..."`` when there are more (for messages)."""
    return ", ".join(names[:k]) + (", ..." if len(names) > k else "")


def save_cached_video(cache_dir: str | os.PathLike, video: CachedVideo | dict[str, Any]) -> Path:
    """Write :func:`cached_video_path` ``(cache_dir, name)`` atomically (temporary file,
    then rename): a :class:`CachedVideo` (tubes) or a crop payload (:mod:`hiar_lib.crops`)."""
    if isinstance(video, CachedVideo):
        payload = {**asdict(video), "clips": [asdict(c) for c in video.clips], "kind": "tubes", "format": FORMAT_VERSION}
    else:
        payload = {**video, "format": FORMAT_VERSION}
    return atomic_torch_save(payload, cached_video_path(cache_dir, payload["name"]))


def load_cached_video(path: str | os.PathLike) -> CachedVideo:
    """Read one cached video (``weights_only`` loading: tensors and plain values only)."""
    p = Path(path)
    try:
        d = torch.load(p, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CacheError(f"cached video not found: {p}") from None
    except Exception as e:  # a truncated or foreign file
        raise CacheError(f"unreadable cached video {p}: {e}") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT_VERSION:
        raise CacheError(f"{p} is not a hiar feature cache file (format {FORMAT_VERSION})")
    if d.get("kind") != "tubes":
        raise CacheError(f"{p} holds track crops, not tubes: pool a clip of it with hiar_lib.crops.crop_window")
    clips = [CachedClip(**c) for c in d["clips"]]
    return CachedVideo(name=d["name"], label=d["label"], split=d["split"], num_frames=d["num_frames"], clips=clips)


# -- extraction ------------------------------------------------------------------------


def detector_identity(model: torch.nn.Module) -> str:
    """``preset:<sha1 of the weights files>`` (or ``preset:random-init``) of a detector."""
    info = getattr(model, "detector_info", None)
    if info is None:
        return f"{type(model).__name__}:unknown"
    if not info.weights:
        return f"{info.preset}:random-init"
    h = hashlib.sha1()
    for f in info.weights:
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return f"{info.preset}:{h.hexdigest()[:12]}"


def extract_video(
    model: torch.nn.Module,
    sample: Sample,
    split: str,
    config: ExtractionConfig,
    device: str | torch.device = "cpu",
    amp: bool = False,
    batch_size: int = 8,
    ground_truth=None,
) -> CachedVideo:
    """Detect, track and pool one video into a :class:`CachedVideo`.

    A ``"train"`` video gets ``config.train_clips`` clips at random starts (seeded by
    ``config.seed`` and the video's name), a ``"test"`` video one centred clip.

    Args:
        model: a detector from :func:`hiar_lib.detection.build.build_detector`.
        ground_truth: a :class:`hiar_lib.data.synthetic_annotation.ClipAnnotation` to label each track with
            the person it follows (synthetic data); ``None`` otherwise.
    """
    from hiar_lib.pipeline import run_clip

    info = probe_video(sample.path)
    rng = np.random.default_rng([config.seed, zlib.crc32(sample.name.encode())])
    if split == "train":
        starts = [sample_clip_start(info.num_frames, config.clip_len, config.stride, "random", rng) for _ in range(config.train_clips)]
    else:
        starts = [sample_clip_start(info.num_frames, config.clip_len, config.stride, "center")]
    clips = []
    for start in starts:
        clip = read_clip(sample.path, config.clip_len, config.stride, start, size=config.size, pad_to_multiple=config.pad_to_multiple)
        tubes = run_clip(
            model, clip.frames, tracker=config.tracker, pooler=config.pooler, frame_valid=clip.valid, device=device,
            amp=amp, batch_size=batch_size, features_device="cpu",
        ).tubes  # fmt: skip
        sx, sy = clip.scale
        src_boxes = tubes.boxes / torch.tensor([sx, sy, sx, sy])  # back to source pixels
        person = (
            track_person_labels(src_boxes, tubes.present, clip.frame_indices, ground_truth) if ground_truth is not None else None
        )
        clips.append(
            CachedClip(
                start=int(start),
                frame_indices=clip.frame_indices.clone(),
                tubes=tubes.tubes.to(torch.float16),
                track_ids=tubes.track_ids,
                present=tubes.present,
                boxes=src_boxes,
                scores=tubes.scores,
                areas=tubes.areas / (sx * sy),
                person_labels=person,
            )
        )
    return CachedVideo(name=sample.name, label=sample.label, split=split, num_frames=info.num_frames, clips=clips)


def _rank_world() -> tuple[int, int]:
    """This process's rank and the number of ranks (``torchrun`` sets RANK/WORLD_SIZE)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def _remove_stale_temporaries(cache_dir: Path) -> None:
    """Delete temporary files left by killed writers (their process is gone)."""
    for tmp in cache_dir.glob(".*.tmp"):
        try:
            pid = int(tmp.name.rsplit(".", 2)[-2])
            os.kill(pid, 0)  # still running: leave it alone
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            continue


def extract_features(
    model: torch.nn.Module,
    samples: dict[str, Sequence[Sample]],
    config: ExtractionConfig,
    cache_dir: str | os.PathLike,
    device: str | torch.device = "cpu",
    amp: bool = False,
    ground_truth_root: str | os.PathLike | None = None,
    progress: bool = True,
    classes: Sequence[str] | None = None,
    splits: dict[str, dict[str, list[str]]] | None = None,
    oracle_cache: str | os.PathLike | None = None,
) -> dict[str, int]:
    """Extract every video of ``samples`` (``{"train": [...], "test": [...]}``) into the cache.

    Videos already in the cache are skipped, so a killed run resumes. Under ``torchrun``
    each rank takes every ``world``-th video. The progress bar counts videos per second.

    Args:
        ground_truth_root: a synthetic benchmark root, to record per-track person labels.
        classes: the dataset's class names, recorded in the cache (see :func:`open_cache`).
        splits: (crops) every protocol's splits by video name, recorded in the cache
            (see :func:`open_cache`); ``samples`` then holds the videos of all of them.
        oracle_cache: (a detected crops cache of the synthetic benchmark) also fill this
            folder with the ground-truth instances cache of the same settings
            (``config`` with ``instances="ground_truth"``), cropped from the same
            detector pass: the detector, most of an extraction's time, runs once a video
            for both. A video is skipped when both caches hold it; one that only one
            holds is written to the other.

    Returns:
        ``{"done": videos extracted now, "skipped": already cached, "failed": 0}`` for this rank
        (a video written to both caches counts once).
        A single process also adds what it extracted and the seconds it took to
        ``cache.json``'s ``extraction_time`` (what estimates of other caches go by): each
        cache the videos it got, with their detector passes' seconds.

    Raises:
        CacheError: ground-truth instances without ``ground_truth_root``; an
            ``oracle_cache`` beside a cache that is not a detected crops cache.
    """
    wanted = [(cache_dir, config)]
    if oracle_cache is not None:
        if config.kind != "crops" or config.instances != "detected":
            raise CacheError("an oracle cache is filled beside a detected crops cache only (the same detector pass)")
        wanted.append((oracle_cache, replace(config, instances="ground_truth")))
    if ground_truth_root is None and any(c.instances == "ground_truth" for _, c in wanted):
        raise CacheError("ground-truth instances need the synthetic benchmark's annotations (ground_truth_root)")
    targets = [(open_cache(d, c, classes=classes, splits=splits), c) for d, c in wanted]
    for d, _ in targets:
        _remove_stale_temporaries(d)
    rank, world = _rank_world()
    todo = [(split, s) for split in ("train", "test") for s in samples.get(split, [])]
    mine = todo[rank::world]
    done = skipped = 0
    timed = {d: [0, 0.0] for d, _ in targets}  # cache -> [videos written, seconds of their passes]
    bar = tqdm(mine, unit="video", desc=f"extract (rank {rank}/{world})" if world > 1 else "extract", disable=not progress)
    for split, sample in bar:
        missing = [(d, c) for d, c in targets if not cached_video_path(d, sample.name).is_file()]
        if not missing:
            skipped += 1
            continue
        started = time.perf_counter()
        gt = None
        if ground_truth_root is not None:
            from hiar_lib.data.synthetic_annotation import load_annotation

            gt = load_annotation(ground_truth_root, sample.name)
        if config.kind == "crops":
            from hiar_lib.crops import crop_video, detect_video

            detected = detect_video(
                model, sample.path, size=config.size, pad_to_multiple=config.pad_to_multiple, device=device, amp=amp,
            )  # fmt: skip
            for d, c in missing:
                payload = crop_video(
                    detected, stride=c.stride, levels=c.levels, max_clip_len=c.max_clip_len, tracker=c.tracker,
                    ground_truth=gt, instances=c.instances,
                )  # fmt: skip
                save_cached_video(d, {"name": sample.name, "label": sample.label, "split": split, **payload})
        else:
            save_cached_video(targets[0][0], extract_video(model, sample, split, config, device=device, amp=amp, ground_truth=gt))
        seconds = time.perf_counter() - started
        for d, _ in missing:
            timed[d][0] += 1
            timed[d][1] += seconds
        done += 1
    bar.close()
    if world == 1:  # how long a video takes, for estimates of caches not made yet
        for d, (videos, seconds) in timed.items():
            if videos:
                _add_extraction_time(d, videos, seconds)
    return {"done": done, "skipped": skipped, "rank": rank, "world": world}


def _add_extraction_time(cache_dir: Path, videos: int, seconds: float) -> None:
    """Add ``videos`` extracted in ``seconds`` to ``cache.json``'s ``extraction_time``
    (``{"videos", "seconds"}``, summed over the runs that filled the cache)."""
    meta = cache_dir / "cache.json"
    have = json.loads(meta.read_text())
    so_far = have.get("extraction_time") or {"videos": 0, "seconds": 0.0}
    have["extraction_time"] = {"videos": so_far["videos"] + videos, "seconds": round(so_far["seconds"] + seconds, 2)}
    atomic_write(meta, lambda tmp: tmp.write_text(json.dumps(have, indent=1)))
