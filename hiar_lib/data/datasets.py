"""Dataset indexes: which video files a dataset root holds, their labels and splits.

An index is built once from a dataset root by :func:`index_dataset` and answers, with
no further disk access, which samples are in the training and the test split of an
evaluation protocol (Section 4.1 of the paper):

- ``"ntu60"``, NTU RGB+D 60 (Shahroudy et al., CVPR 2016): RGB videos named
  ``SsssCcccPpppRrrrAaaa_rgb.avi`` (setup, camera, performer, replication, action),
  found anywhere under the root. Protocols ``"cs"`` (cross-subject: performers 1 2 4 5
  8 9 13 14 15 16 17 18 19 25 27 28 31 34 35 38 train, the other 20 test) and ``"cv"``
  (cross-view: cameras 2 and 3 train, camera 1 tests). Label = action - 1.
- ``"nucla"``, Northwestern-UCLA Multiview Action 3D (Wang et al., CVPR 2014): videos
  named ``aXX_sYY_eZZ_vWW.avi`` or ``.mp4`` (optionally ``_rgb`` before the extension):
  action, subject 1..10, take, view 1..3. Protocols ``"v12_3"`` (views 1, 2 train, view
  3 tests; the paper's :math:`V_{1,2}^3`), ``"v31_2"`` and ``"v23_1"``.
- ``"generic"``: any videos listed in a CSV file with columns ``path,label`` and an
  optional ``split`` (``train``/``test``); paths are relative to the CSV's folder;
  protocol ``"default"`` uses the split column. Labels are class names or integers:
  the classes are the sorted unique names, or the sorted unique integers (as strings),
  and a sample's label is the position of its class in that list. Rows that cannot be
  used (empty path or label, a split other than train/test, a file listed twice, a
  missing file, a name taken by another row) are listed as bad with their line number.
  Paths may also be absolute or lead out of the CSV's folder (``../videos/a.mp4``):
  only the video is read there; everything the library writes about it (feature cache
  files) goes inside the folder the command was given (see
  :func:`hiar_lib.features.cache_file_name`).
- ``"synthetic"``: the embedded synthetic benchmark, indexed by
  :func:`hiar_lib.synth.index_synthetic`.

Files that cannot be samples do not stop indexing: a video that is misnamed, of an
action or setup outside the dataset, unreadable or without frames is listed in
:attr:`DatasetIndex.bad` with the reason, and indexing carries on. A root that is not
the dataset at all (missing, a file, or nothing named as the dataset names its files)
raises :class:`~hiar_lib.errors.DatasetError`.

Hidden files and folders (names starting with ``"."``, e.g. macOS ``._*`` files) are
skipped.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from tqdm.auto import tqdm

from hiar_lib.data.labels import (
    NTU60_ACTION_IDS,
    NTU60_CLASSES,
    NUCLA_ACTION_IDS,
    NUCLA_CLASSES,
    NUCLA_LABEL_OF_ACTION,
)
from hiar_lib.data.video import probe_video
from hiar_lib.errors import DatasetError, VideoError

__all__ = [
    "BadFile",
    "DATASETS",
    "DatasetIndex",
    "GENERIC_PROTOCOLS",
    "NTU60_CS_TRAIN_SUBJECTS",
    "NTU60_CV_TRAIN_CAMERAS",
    "NTU60_PROTOCOLS",
    "NUCLA_PROTOCOLS",
    "Protocol",
    "SPLITS",
    "Sample",
    "VIDEO_EXTENSIONS",
    "index_dataset",
]

SPLITS: tuple[str, str] = ("train", "test")

# Extensions of files taken to be videos when looking for misnamed samples.
VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"}
)

# Dataset names accepted by index_dataset, in the order error messages list them.
DATASETS: tuple[str, ...] = ("ntu60", "nucla", "generic", "synthetic")


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Sample:
    """One video of a dataset.

    Attributes:
        path: the video file.
        name: the sample's name, unique in its index: the file name without ``_rgb``
            and extension for NTU and N-UCLA (``"S001C002P003R002A013"``,
            ``"a01_s01_e00_v01"``), the CSV path without extension for ``generic``
            (relative to the CSV's folder, ``"../videos/a"`` or absolute where the CSV
            says so). A name is an identifier, never a file to write to.
        label: class index, ``0 <= label < len(index.classes)``.
        subject: performer id (NTU ``P``, 1..40; N-UCLA ``s``, 1..10), if known.
        view: camera id (NTU ``C``, N-UCLA ``v``; 1..3), if known.
        setup: NTU setup number ``S`` (1..17).
        replication: NTU replication ``R`` (1..2).
        take: N-UCLA take (episode) ``e``.
        split: ``"train"``/``"test"`` given by the dataset's own list (``generic`` CSV's
            ``split`` column); ``None`` where the split follows from subject or view.
        num_frames: frames in the video, when the file was probed; ``None`` otherwise.
    """

    path: Path
    name: str
    label: int
    subject: int | None = None
    view: int | None = None
    setup: int | None = None
    replication: int | None = None
    take: int | None = None
    split: str | None = None
    num_frames: int | None = None


@dataclass
class BadFile:
    """A file that looked like part of the dataset but is not a usable sample.

    Attributes:
        path: the file (for a ``generic`` CSV row without a usable path: the CSV).
        reason: why, in words, e.g. ``"action A061 is not in NTU RGB+D 60 ..."`` or the
            :class:`~hiar_lib.errors.VideoError` message of an unreadable video.
    """

    path: Path
    reason: str


@dataclass(frozen=True)
class Protocol:
    """An evaluation protocol: which samples train and which test.

    A sample is in ``"train"`` when its attribute ``by`` is in ``train``, in ``"test"``
    when it is in ``test`` (or, with ``test=None``, whenever it is not in ``train``),
    and in neither split otherwise.

    Attributes:
        name: canonical name, e.g. ``"cs"``.
        by: the :class:`Sample` attribute that decides: ``"subject"``, ``"view"``,
            ``"setup"`` or ``"split"``.
        train: attribute values of training samples.
        test: attribute values of test samples; ``None``: every value not in ``train``.
        description: one line for people, e.g. ``"cross-subject"``.
        aliases: other accepted spellings; names match ignoring case and every
            character that is not a letter or digit (``"V(1,2)->3"`` is ``"v12_3"``).
    """

    name: str
    by: Literal["subject", "view", "setup", "split"]
    train: frozenset
    test: frozenset | None = None
    description: str = ""
    aliases: tuple[str, ...] = ()

    def split_of(self, sample: Sample) -> str | None:
        """``"train"``, ``"test"`` or ``None`` (in neither split) for one sample.

        Raises:
            DatasetError: the sample has no value for :attr:`by`.
        """
        value = getattr(sample, self.by)
        if value is None:
            raise DatasetError(
                f"protocol {self.name!r} splits by {self.by}, but sample {sample.name!r} "
                f"({sample.path}) has no {self.by}"
            )
        return self.split_of_value(value)

    def split_of_value(self, value: Any) -> str | None:
        """``"train"``, ``"test"`` or ``None`` for a sample whose attribute :attr:`by` is ``value``."""
        if value in self.train:
            return "train"
        if self.test is None or value in self.test:
            return "test"
        return None

    def matches(self, name: str) -> bool:
        """Whether ``name`` spells this protocol (its name or an alias)."""
        key = _key(name)
        return any(key == _key(n) for n in (self.name, *self.aliases))


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _values(values: Iterable[int]) -> str:
    return " ".join(str(v) for v in sorted(values))


# NTU RGB+D 60 cross-subject training performers (Shahroudy et al. 2016, Section 3.2).
NTU60_CS_TRAIN_SUBJECTS: frozenset[int] = frozenset(
    {1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38}
)
# NTU RGB+D 60 cross-view training cameras; camera 1 tests.
NTU60_CV_TRAIN_CAMERAS: frozenset[int] = frozenset({2, 3})

NTU60_PROTOCOLS: dict[str, Protocol] = {
    "cs": Protocol(
        "cs",
        "subject",
        NTU60_CS_TRAIN_SUBJECTS,
        None,
        f"cross-subject: performers {_values(NTU60_CS_TRAIN_SUBJECTS)} train, the others test",
        ("xsub", "cross-subject", "ntu-cs"),
    ),
    "cv": Protocol(
        "cv",
        "view",
        NTU60_CV_TRAIN_CAMERAS,
        frozenset({1}),
        "cross-view: cameras 2 and 3 train, camera 1 tests",
        ("xview", "cross-view", "ntu-cv"),
    ),
}

NUCLA_PROTOCOLS: dict[str, Protocol] = {
    f"v{a}{b}_{t}": Protocol(
        f"v{a}{b}_{t}",
        "view",
        frozenset({a, b}),
        frozenset({t}),
        f"cross-view V({a},{b})->{t}: views {a} and {b} train, view {t} tests",
        (f"V({a},{b})->{t}", f"V_{{{a},{b}}}^{t}", f"ucla-v{a}{b}-{t}"),
    )
    for a, b, t in ((1, 2, 3), (3, 1, 2), (2, 3, 1))
}

GENERIC_PROTOCOLS: dict[str, Protocol] = {
    "default": Protocol(
        "default",
        "split",
        frozenset({"train"}),
        frozenset({"test"}),
        "the CSV's split column (train/test)",
    ),
}


@dataclass
class DatasetIndex:
    """The samples of one dataset root, their classes, splits and the files left out.

    Attributes:
        dataset: ``"ntu60"``, ``"nucla"``, ``"generic"`` or ``"synthetic"``.
        root: the folder indexed (for ``generic``: the CSV file).
        classes: class names; ``classes[sample.label]``.
        samples: usable samples, ordered by name (``generic``: by CSV row).
        bad: files left out, with the reason.
        protocols: the dataset's evaluation protocols by canonical name.
        protocol: the protocol chosen when indexing, used by :meth:`split` and
            :meth:`summary` when they are given none.
        class_ids: the dataset's own class ids (``"A001"``, ``"a01"``); ``None``: the
            class names are the ids.
        title: the dataset's name for people, e.g. ``"NTU RGB+D 60"``.
    """

    dataset: str
    root: Path
    classes: list[str]
    samples: list[Sample]
    bad: list[BadFile] = field(default_factory=list)
    protocols: dict[str, Protocol] = field(default_factory=dict)
    protocol: str | None = None
    class_ids: list[str] | None = None
    title: str = ""

    def __len__(self) -> int:
        return len(self.samples)

    def get_protocol(self, protocol: str | None = None) -> Protocol:
        """The :class:`Protocol` named ``protocol`` (or an alias of it).

        ``None`` means :attr:`protocol`, or the only protocol of a dataset with one.

        Raises:
            DatasetError: unknown name (the message lists the valid ones), or ``None``
                where the dataset has several protocols and none was chosen.
        """
        if protocol is None:
            protocol = self.protocol
        if protocol is None:
            if len(self.protocols) == 1:
                return next(iter(self.protocols.values()))
            raise DatasetError(
                f"{self.title or self.dataset}: name a protocol, one of {_names(self.protocols)}"
            )
        return _find_protocol(self.protocols, protocol, self.title or self.dataset)

    def split(self, protocol: str | None = None) -> dict[str, list[Sample]]:
        """Samples of the ``"train"`` and ``"test"`` splits of a protocol, in index order.

        Samples in neither split of the protocol are in neither list.

        Raises:
            DatasetError: unknown protocol, or samples lacking what the protocol splits
                by (a ``generic`` CSV without a ``split`` column).
        """
        p = self.get_protocol(protocol)
        if p.by == "split":
            missing = [s for s in self.samples if s.split is None]
            if missing:
                raise DatasetError(
                    f"{self.title or self.dataset} at {self.root} has no train/test split "
                    f"({len(missing)} samples without one, e.g. {missing[0].name!r}): add a "
                    f"'split' column with values train or test to the CSV"
                )
        out: dict[str, list[Sample]] = {s: [] for s in SPLITS}
        for sample in self.samples:
            which = p.split_of(sample)
            if which is not None:
                out[which].append(sample)
        return out

    def class_id(self, label: int) -> str:
        """The dataset's id of a class (``"A001"``), or its name when it has no ids."""
        return (self.class_ids or self.classes)[label]

    def class_display(self, label: int) -> str:
        """``"A001 drink water"``, or the class name when ids and names coincide."""
        cid, name = self.class_id(label), self.classes[label]
        return name if cid == name else f"{cid} {name}"

    def _counts(self, samples: Iterable[Sample]) -> list[int]:
        counts = [0] * len(self.classes)
        for s in samples:
            counts[s.label] += 1
        return counts

    def class_counts(self) -> pd.DataFrame:
        """Samples per class over the whole index.

        Returns:
            One row per class, in label order, columns ``label`` (int), ``class_id``,
            ``class`` and ``count`` (int, samples).
        """
        counts = self._counts(self.samples)
        return pd.DataFrame(
            {
                "label": range(len(self.classes)),
                "class_id": [self.class_id(i) for i in range(len(self.classes))],
                "class": list(self.classes),
                "count": counts,
            }
        )

    def summary(self, protocol: str | None = None) -> pd.DataFrame:
        """Samples per split and class of a protocol, classes with no sample included.

        Returns:
            One row per (split, class), ``"train"`` rows then ``"test"`` rows, each in
            label order; columns ``protocol`` (canonical name), ``split``, ``label``
            (int), ``class_id``, ``class`` and ``count`` (int, samples; 0 for a class
            missing from the split).
        """
        p = self.get_protocol(protocol)
        parts = []
        for split, samples in self.split(p.name).items():
            df = self.class_counts().assign(count=self._counts(samples))
            df.insert(0, "split", split)
            df.insert(0, "protocol", p.name)
            parts.append(df)
        return pd.concat(parts, ignore_index=True)

    def missing_classes(self, protocol: str | None = None) -> dict[str, list[str]]:
        """Per split, the names of the classes that have no sample in it, in label order."""
        df = self.summary(protocol)
        return {
            split: df.loc[(df["split"] == split) & (df["count"] == 0), "class"].tolist()
            for split in SPLITS
        }


def _names(protocols: dict[str, Protocol]) -> str:
    return ", ".join(repr(n) for n in protocols) if protocols else "(none)"


def _find_protocol(protocols: dict[str, Protocol], name: str, title: str) -> Protocol:
    for p in protocols.values():
        if p.matches(name):
            return p
    raise DatasetError(f"unknown protocol {name!r} for {title}: expected one of {_names(protocols)}")


# ------------------------------------------------------------------------ file walk


def _walk_files(root: Path) -> Iterator[Path]:
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


def _check_root(root: str | os.PathLike, what: str, allow_file_suffix: str | None = None) -> Path:
    p = Path(root).expanduser()
    if not p.exists():
        raise DatasetError(f"dataset root not found: {p} (expected {what})")
    if p.is_file() and not (allow_file_suffix and p.suffix.lower() == allow_file_suffix):
        raise DatasetError(f"dataset root is a file, not a folder: {p} (expected {what})")
    if not p.is_dir() and not p.is_file():
        raise DatasetError(f"dataset root is neither a folder nor a file: {p} (expected {what})")
    return p


def _examples(root: Path, files: list[Path], k: int = 5) -> str:
    if not files:
        return "the folder holds no files"
    shown = ", ".join(str(f.relative_to(root)) for f in files[:k])
    more = f" and {len(files) - k} more" if len(files) > k else ""
    return f"found {len(files)} files: {shown}{more}"


def _no_match_error(title: str, root: Path, pattern: str, files: list[Path]) -> DatasetError:
    return DatasetError(
        f"{root} does not look like {title}: no file named {pattern} under it ({_examples(root, files)})"
    )


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


def _probe_samples(samples: list[Sample], progress: bool, desc: str) -> tuple[list[Sample], list[BadFile]]:
    """Open every sample's video that has no frame count yet; unreadable ones go to bad."""
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


# ----------------------------------------------------------------------------- NTU

NTU60_PATTERN = "SsssCcccPpppRrrrAaaa_rgb.avi (e.g. S001C002P003R002A013_rgb.avi)"
_NTU_RE = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})_rgb\.avi")


def _ntu_sample(path: Path) -> Sample | str:
    """The sample a file named like NTU RGB+D is, or the reason it is not an NTU-60 one."""
    m = _NTU_RE.fullmatch(path.name)
    assert m is not None
    s, c, p, r, a = (int(g) for g in m.groups())
    if not 1 <= a <= 60:
        hint = "; it is an NTU RGB+D 120 action" if 61 <= a <= 120 else ""
        return f"action A{a:03d} is not in NTU RGB+D 60 (A001..A060){hint}"
    if not 1 <= s <= 17:
        hint = "; it is an NTU RGB+D 120 setup" if 18 <= s <= 32 else ""
        return f"setup S{s:03d} is not in NTU RGB+D 60 (S001..S017){hint}"
    if not 1 <= p <= 40:
        return f"performer P{p:03d} is not in NTU RGB+D 60 (P001..P040)"
    if c not in (1, 2, 3):
        return f"camera C{c:03d} is not in NTU RGB+D 60 (C001..C003)"
    if r not in (1, 2):
        return f"replication R{r:03d} is not in NTU RGB+D 60 (R001, R002)"
    return Sample(
        path=path,
        name=path.name[: -len("_rgb.avi")],
        label=a - 1,
        subject=p,
        view=c,
        setup=s,
        replication=r,
    )


def _index_ntu60(root: Path) -> tuple[list[Sample], list[BadFile]]:
    files = list(_walk_files(root))
    named = [f for f in files if _NTU_RE.fullmatch(f.name)]
    if not named:
        raise _no_match_error("NTU RGB+D 60", root, NTU60_PATTERN, files)
    samples: list[Sample] = []
    bad: list[BadFile] = []
    for f in files:
        if _NTU_RE.fullmatch(f.name):
            got = _ntu_sample(f)
            if isinstance(got, Sample):
                samples.append(got)
            else:
                bad.append(BadFile(f, got))
        elif f.suffix.lower() in VIDEO_EXTENSIONS:
            bad.append(BadFile(f, f"misnamed: an NTU RGB+D video is named {NTU60_PATTERN}"))
    if not samples:
        reasons = "; ".join(sorted({b.reason for b in bad})[:3])
        raise DatasetError(
            f"{root} holds {len(named)} files named like NTU RGB+D but none is an "
            f"NTU RGB+D 60 sample ({reasons})"
        )
    return samples, bad


# -------------------------------------------------------------------------- N-UCLA

NUCLA_PATTERN = "aXX_sYY_eZZ_vWW[_rgb].avi or .mp4 (e.g. a01_s01_e00_v01.avi)"
_NUCLA_RE = re.compile(r"a(\d{2})_s(\d{2})_e(\d{2})_v(\d{2})(?:_rgb)?\.(?:avi|mp4)")


def _nucla_sample(path: Path) -> Sample | str:
    m = _NUCLA_RE.fullmatch(path.name)
    assert m is not None
    a, s, e, v = (int(g) for g in m.groups())
    if a not in NUCLA_LABEL_OF_ACTION:
        return f"action a{a:02d} is not an N-UCLA action ({', '.join(NUCLA_ACTION_IDS)})"
    if not 1 <= s <= 10:
        return f"subject s{s:02d} is not in N-UCLA (s01..s10)"
    if v not in (1, 2, 3):
        return f"view v{v:02d} is not in N-UCLA (v01..v03)"
    return Sample(
        path=path,
        name=f"a{a:02d}_s{s:02d}_e{e:02d}_v{v:02d}",
        label=NUCLA_LABEL_OF_ACTION[a],
        subject=s,
        view=v,
        take=e,
    )


def _index_nucla(root: Path) -> tuple[list[Sample], list[BadFile]]:
    files = list(_walk_files(root))
    named = [f for f in files if _NUCLA_RE.fullmatch(f.name)]
    if not named:
        raise _no_match_error("N-UCLA", root, NUCLA_PATTERN, files)
    samples: list[Sample] = []
    bad: list[BadFile] = []
    for f in files:
        if _NUCLA_RE.fullmatch(f.name):
            got = _nucla_sample(f)
            if isinstance(got, Sample):
                samples.append(got)
            else:
                bad.append(BadFile(f, got))
        elif f.suffix.lower() in VIDEO_EXTENSIONS:
            bad.append(BadFile(f, f"misnamed: an N-UCLA video is named {NUCLA_PATTERN}"))
    if not samples:
        reasons = "; ".join(sorted({b.reason for b in bad})[:3])
        raise DatasetError(
            f"{root} holds {len(named)} files named like N-UCLA but none is an N-UCLA sample ({reasons})"
        )
    return samples, bad


# ------------------------------------------------------------------------- generic

GENERIC_PATTERN = "a CSV file with columns path,label and optionally split (train/test)"
_INT_RE = re.compile(r"[+-]?\d+")


def _find_csv(root: Path) -> Path:
    if root.is_file():
        return root
    csvs = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith("."))
    if not csvs:
        files = [f for f in sorted(root.iterdir()) if f.is_file() and not f.name.startswith(".")]
        raise DatasetError(
            f"{root} does not look like a generic dataset: no {GENERIC_PATTERN} in it ({_examples(root, files)})"
        )
    if len(csvs) > 1:
        raise DatasetError(
            f"{root} holds several CSV files ({', '.join(p.name for p in csvs)}): pass the one "
            f"that lists the videos as the dataset root"
        )
    return csvs[0]


def _index_generic(root: Path) -> tuple[Path, list[str], list[Sample], list[BadFile]]:
    """Read a generic dataset's CSV. Returns (csv path, classes, samples, bad rows)."""
    csv_path = _find_csv(root)
    base = csv_path.parent
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise DatasetError(f"{csv_path} is empty: expected {GENERIC_PATTERN}")
            columns = [h.strip().lower() for h in header]
            if "path" not in columns or "label" not in columns:
                raise DatasetError(
                    f"{csv_path} has columns {','.join(h.strip() for h in header)}: expected {GENERIC_PATTERN}"
                )
            ip, il = columns.index("path"), columns.index("label")
            isplit = columns.index("split") if "split" in columns else None
            rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DatasetError(f"cannot read {csv_path}: {e} (expected {GENERIC_PATTERN})") from None
    if not rows:
        raise DatasetError(f"{csv_path} lists no videos: expected {GENERIC_PATTERN}")

    def cell(row: list[str], i: int | None) -> str:
        return row[i].strip() if i is not None and i < len(row) else ""

    # Classes come from every row's label, so that they do not depend on which files
    # happen to be present or readable.
    labels = sorted({cell(r, il) for _, r in rows} - {""})
    if labels and all(_INT_RE.fullmatch(x) for x in labels):
        values = sorted({int(x) for x in labels})
        position = {v: i for i, v in enumerate(values)}
        label_of = {x: position[int(x)] for x in labels}
        labels = [str(v) for v in values]
    else:
        label_of = {x: i for i, x in enumerate(labels)}

    samples: list[Sample] = []
    bad: list[BadFile] = []
    seen: dict[Path, int] = {}  # resolved file -> first line listing it
    named: dict[str, int] = {}  # sample name -> line
    for line, row in rows:
        where = f"{csv_path.name} line {line}"
        rel, lab, split = cell(row, ip), cell(row, il), cell(row, isplit).lower()
        if not rel:
            bad.append(BadFile(csv_path, f"{where}: empty path"))
            continue
        path = Path(rel) if Path(rel).is_absolute() else base / rel
        if not lab:
            bad.append(BadFile(path, f"{where}: empty label"))
            continue
        if isplit is not None and split not in SPLITS:
            bad.append(BadFile(path, f"{where}: split {cell(row, isplit)!r} is not train or test"))
            continue
        resolved = path.resolve()
        if resolved in seen:
            bad.append(BadFile(path, f"{where}: listed again (first on line {seen[resolved]})"))
            continue
        seen[resolved] = line
        if not path.is_file():
            bad.append(BadFile(path, f"{where}: video not found"))
            continue
        try:
            name = path.relative_to(base).with_suffix("").as_posix()
        except ValueError:
            name = path.with_suffix("").as_posix()
        if name in named:
            bad.append(BadFile(path, f"{where}: sample name {name!r} (the path without its extension) is taken by "
                                     f"line {named[name]}; rename one of the two files"))  # fmt: skip
            continue
        named[name] = line
        samples.append(Sample(path=path, name=name, label=label_of[lab], split=split or None))
    return csv_path, labels, samples, bad


# ---------------------------------------------------------------------------- entry


def _dataset_name(name: str) -> str:
    aliases = {
        "ntu60": "ntu60",
        "ntu": "ntu60",
        "nturgbd": "ntu60",
        "nturgbd60": "ntu60",
        "nucla": "nucla",
        "ucla": "nucla",
        "generic": "generic",
        "csv": "generic",
        "synthetic": "synthetic",
        "synth": "synthetic",
    }
    got = aliases.get(_key(name))
    if got is None:
        raise DatasetError(f"unknown dataset {name!r}: expected one of {', '.join(DATASETS)}")
    return got


def _index_synthetic(root: str | os.PathLike) -> DatasetIndex:
    try:
        from hiar_lib.synth import index_synthetic
    except ImportError as e:
        raise DatasetError(
            f"the synthetic benchmark is not available: cannot import "
            f"hiar_lib.synth.index_synthetic ({e})"
        ) from None
    index = index_synthetic(root)
    if not isinstance(index, DatasetIndex):
        raise TypeError(f"hiar_lib.synth.index_synthetic returned {type(index).__name__}, expected DatasetIndex")
    return index


def index_dataset(
    name: str,
    root: str | os.PathLike,
    protocol: str | None = None,
    probe: bool = True,
    progress: bool = True,
) -> DatasetIndex:
    """Index a dataset root: its samples, classes, protocols and the files left out.

    Args:
        name: ``"ntu60"``, ``"nucla"``, ``"generic"`` or ``"synthetic"``.
        root: the dataset folder, searched recursively (NTU, N-UCLA); for ``generic``
            the CSV file, or a folder holding exactly one CSV file.
        protocol: a protocol of the dataset (``"cs"``, ``"cv"``; ``"v12_3"``,
            ``"v31_2"``, ``"v23_1"``; ``"default"``), checked now and then used by
            :meth:`DatasetIndex.split` when given no protocol. ``None``: choose later.
        probe: open every video with :func:`~hiar_lib.data.video.probe_video`, moving
            unreadable or frame-less ones to :attr:`DatasetIndex.bad` and recording
            each sample's frame count. ``False``: trust the names (fast).
        progress: show a tqdm progress bar while probing.

    Returns:
        The :class:`DatasetIndex`; bad files are listed in it, never raised.

    Raises:
        DatasetError: unknown dataset or protocol (the message lists the valid ones),
            a root that is missing or a file, or a root with no file named as the
            dataset names its files (the message names the root, the naming pattern
            and a few of the files found).
    """
    dataset = _dataset_name(name)
    title = {"ntu60": "NTU RGB+D 60", "nucla": "N-UCLA", "generic": "generic dataset", "synthetic": "synthetic benchmark"}[
        dataset
    ]

    if dataset == "synthetic":
        index = _index_synthetic(root)
        if protocol is not None:
            index.protocol = _find_protocol(index.protocols, protocol, title).name
        if probe:
            index.samples, more_bad = _probe_samples(index.samples, progress, f"probing {title}")
            index.bad = list(index.bad) + more_bad
        return index

    protocols = {"ntu60": NTU60_PROTOCOLS, "nucla": NUCLA_PROTOCOLS, "generic": GENERIC_PROTOCOLS}[dataset]
    chosen = _find_protocol(protocols, protocol, title).name if protocol is not None else None

    class_ids: list[str] | None
    if dataset == "ntu60":
        root_p = _check_root(root, f"a folder of NTU RGB+D 60 videos named {NTU60_PATTERN}")
        samples, bad = _index_ntu60(root_p)
        classes, class_ids = list(NTU60_CLASSES), list(NTU60_ACTION_IDS)
    elif dataset == "nucla":
        root_p = _check_root(root, f"a folder of N-UCLA videos named {NUCLA_PATTERN}")
        samples, bad = _index_nucla(root_p)
        classes, class_ids = list(NUCLA_CLASSES), list(NUCLA_ACTION_IDS)
    else:
        root_p = _check_root(root, f"{GENERIC_PATTERN}, or a folder holding one", allow_file_suffix=".csv")
        root_p, classes, samples, bad = _index_generic(root_p)
        class_ids = None

    if dataset != "generic":
        samples = sorted(samples, key=lambda s: (s.name, str(s.path)))
        samples, dup = _take_duplicates(samples)
        bad += dup
    if probe:
        samples, unreadable = _probe_samples(samples, progress, f"probing {title}")
        bad += unreadable
    if dataset != "generic":  # generic: CSV row order
        bad.sort(key=lambda b: str(b.path))
    return DatasetIndex(
        dataset=dataset,
        root=root_p,
        classes=classes,
        samples=samples,
        bad=bad,
        protocols=dict(protocols),
        protocol=chosen,
        class_ids=class_ids,
        title=title,
    )
