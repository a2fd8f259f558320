"""What every dataset indexer shares: the root check, the folder walk, files named by a
pattern, duplicates, and probing the videos found.

Files that cannot be samples do not stop indexing: a video that is misnamed, of an
action or setup outside the dataset, unreadable or without frames is listed in
:attr:`~hiar_lib.data.index.DatasetIndex.bad` with the reason, and indexing carries on.
A root that is not the dataset at all (missing, a file, or nothing named as the dataset
names its files) raises :class:`~hiar_lib.errors.DatasetError`.

Hidden files and folders (names starting with ``"."``, e.g. macOS ``._*`` files) are
skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from tqdm.auto import tqdm

from hiar_lib.data.index import BadFile, Sample
from hiar_lib.errors import DatasetError, VideoError

__all__ = [
    "VIDEO_EXTENSIONS",
    "check_root",
    "examples",
    "index_named_files",
    "probe_samples",
    "walk_files",
    "walk_folders",
]

# Extensions of files taken to be videos when looking for misnamed samples.
VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"}
)


def walk_files(root: Path) -> Iterator[Path]:
    """Every non-hidden file under ``root``, recursively, following folder links once.

    Sorted by path within each folder, so the order is deterministic.
    """
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link loop or a folder linked twice
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if not f.startswith("."):
                yield Path(dirpath) / f


def walk_folders(root: Path, name_re: re.Pattern[str]) -> list[Path]:
    """Every non-hidden folder under ``root`` whose name ``name_re`` matches in full (a
    take stored as a folder of frames), sorted by path; not searched inside."""
    found: list[Path] = []
    for dirpath, dirnames, _ in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        hits = [d for d in dirnames if name_re.fullmatch(d)]
        found += [Path(dirpath) / d for d in hits]
        dirnames[:] = [d for d in dirnames if d not in hits]
    return sorted(found)


def check_root(root: str | os.PathLike, what: str, allow_file_suffix: str | None = None) -> Path:
    """``root`` as a path, checked to be a folder (or a file ending in ``allow_file_suffix``).

    Raises:
        DatasetError: ``root`` is missing, a file, or neither a folder nor a file; the
            message names it and ``what`` was expected there.
    """
    p = Path(root).expanduser()
    if not p.exists():
        raise DatasetError(f"dataset root not found: {p} (expected {what})")
    if p.is_file() and not (allow_file_suffix and p.suffix.lower() == allow_file_suffix):
        raise DatasetError(f"dataset root is a file, not a folder: {p} (expected {what})")
    if not p.is_dir() and not p.is_file():
        raise DatasetError(f"dataset root is neither a folder nor a file: {p} (expected {what})")
    return p


def examples(root: Path, files: list[Path], k: int = 5) -> str:
    """``"found 7 files: a.txt, b/c.avi, ... and 2 more"`` (the first ``k``, relative to ``root``)."""
    if not files:
        return "the folder holds no files"
    shown = ", ".join(str(f.relative_to(root)) for f in files[:k])
    more = f" and {len(files) - k} more" if len(files) > k else ""
    return f"found {len(files)} files: {shown}{more}"


def index_named_files(
    root: Path,
    title: str,
    family: str,
    pattern: str,
    name_re: re.Pattern[str],
    parse: Callable[[Path], Sample | str],
    probe: bool,
    progress: bool,
    folders: list[Path] | None = None,
) -> tuple[list[Sample], list[BadFile]]:
    """The samples of a dataset whose file names say everything (NTU RGB+D, N-UCLA).

    Every file under ``root`` (:func:`walk_files`) whose name ``name_re`` matches is
    given to ``parse``, which returns its :class:`Sample` or the reason it is not one;
    other videos (by :data:`VIDEO_EXTENSIONS`) are misnamed; other files are ignored.

    Args:
        root: the dataset folder (checked by :func:`check_root`).
        title: the dataset's name in messages, e.g. ``"NTU RGB+D 60"``.
        family: what its file names are named after, e.g. ``"NTU RGB+D"`` (whose names
            also cover NTU RGB+D 120).
        pattern: the naming pattern for people, e.g. ``"SsssCcccPpppRrrrAaaa_rgb.avi (e.g. ...)"``.
        probe: open every sample's video (:func:`probe_samples`): unreadable ones go to
            the bad files, the others get their frame count.
        progress: show a progress bar while probing.
        folders: takes stored as folders of frames (:func:`walk_folders`), given to
            ``parse`` as well (N-UCLA as released).

    Returns:
        ``(samples, bad)``: samples ordered by name (then path), the first path of a
        name kept; bad files (wrong ids, misnamed, duplicates, unreadable) ordered by path.

    Raises:
        DatasetError: no file named by ``name_re`` (the message names the root, the
            pattern and a few of the files found), or none of them a sample.
    """
    files = list(walk_files(root))
    folders = list(folders or [])
    named = [f for f in files if name_re.fullmatch(f.name)] + folders
    if not named:
        raise DatasetError(
            f"{root} does not look like {title}: no file named {pattern} under it ({examples(root, files)})"
        )
    samples: list[Sample] = []
    bad: list[BadFile] = []
    for f in files:
        if name_re.fullmatch(f.name):
            got = parse(f)
            if isinstance(got, Sample):
                samples.append(got)
            else:
                bad.append(BadFile(f, got))
        elif f.suffix.lower() in VIDEO_EXTENSIONS:
            bad.append(BadFile(f, f"misnamed: an {family} video is named {pattern}"))
    for f in folders:
        got = parse(f)
        if isinstance(got, Sample):
            samples.append(got)
        else:
            bad.append(BadFile(f, got))
    if not samples:
        reasons = "; ".join(sorted({b.reason for b in bad})[:3])
        raise DatasetError(
            f"{root} holds {len(named)} files named like {family} but none is an {title} sample ({reasons})"
        )
    samples, duplicates = _take_duplicates(sorted(samples, key=lambda s: (s.name, str(s.path))))
    bad += duplicates
    if probe:
        samples, unreadable = probe_samples(samples, progress, f"probing {title}")
        bad += unreadable
    return samples, sorted(bad, key=lambda b: str(b.path))


def _take_duplicates(samples: list[Sample]) -> tuple[list[Sample], list[BadFile]]:
    first: dict[str, Sample] = {}
    kept: list[Sample] = []
    bad: list[BadFile] = []
    for s in samples:
        if s.name in first:
            bad.append(BadFile(s.path, f"duplicate of sample {s.name} already indexed from {first[s.name].path}"))
        else:
            first[s.name] = s
            kept.append(s)
    return kept, bad


def probe_samples(samples: list[Sample], progress: bool, desc: str) -> tuple[list[Sample], list[BadFile]]:
    """Open every sample's video that has no frame count yet; unreadable ones go to bad."""
    from hiar_lib.data.video import probe_video  # PyAV and torch load only when videos are opened

    good: list[Sample] = []
    bad: list[BadFile] = []
    for s in tqdm(samples, desc=desc, unit="video", disable=not progress):
        if s.num_frames is not None:
            good.append(s)
            continue
        try:
            info = probe_video(s.path)
        except VideoError as e:
            bad.append(BadFile(s.path, str(e)))
        else:
            good.append(replace(s, num_frames=info.num_frames))
    return good, bad

