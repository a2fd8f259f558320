"""A generic dataset: any videos listed in a CSV file, with their labels and splits.

The CSV has columns ``path,label`` and an optional ``split`` (``train``/``test``);
paths are relative to the CSV's folder; protocol ``"default"`` uses the split column.
Labels are class names or integers: the classes are the sorted unique names, or the
sorted unique integers (as strings), and a sample's label is the position of its class
in that list. Rows that cannot be used (empty path or label, a split other than
train/test, a file listed twice, a missing file, a name taken by another row) are
listed as bad with their line number. Paths may also be absolute or lead out of the
CSV's folder (``../videos/a.mp4``): only the video is read there; everything the
library writes about it (feature cache files) goes inside the folder the command was
given (see :func:`hiar_lib.features.cache_file_name`).
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

from hiar_lib.data.index import SPLITS, BadFile, DatasetIndex, Protocol, Sample, choose_protocol
from hiar_lib.data.scan import check_root, examples, probe_samples
from hiar_lib.errors import DatasetError

__all__ = ["GENERIC_PATTERN", "GENERIC_PROTOCOLS", "GENERIC_TITLE", "index_generic"]

GENERIC_TITLE = "generic dataset"
GENERIC_PATTERN = "a CSV file with columns path,label and optionally split (train/test)"
_INT_RE = re.compile(r"[+-]?\d+")

GENERIC_PROTOCOLS: dict[str, Protocol] = {
    "default": Protocol(
        "default",
        "split",
        frozenset({"train"}),
        frozenset({"test"}),
        "the CSV's split column (train/test)",
    ),
}




def _find_csv(root: Path) -> Path:
    if root.is_file():
        return root
    csvs = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith("."))
    if not csvs:
        files = [f for f in sorted(root.iterdir()) if f.is_file() and not f.name.startswith(".")]
        raise DatasetError(
            f"{root} does not look like a generic dataset: no {GENERIC_PATTERN} in it ({examples(root, files)})"
        )
    if len(csvs) > 1:
        raise DatasetError(
            f"{root} holds several CSV files ({', '.join(p.name for p in csvs)}): pass the one "
            f"that lists the videos as the dataset root"
        )
    return csvs[0]


def _read_csv(root: Path) -> tuple[Path, list[str], list[Sample], list[BadFile]]:
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


def index_generic(
    root: str | os.PathLike, protocol: str | None = None, probe: bool = True, progress: bool = True
) -> DatasetIndex:
    """Index the videos a CSV file lists.

    Args:
        root: the CSV file, or a folder holding exactly one (visible) CSV file.
        protocol: ``"default"`` (the CSV's split column), checked before the CSV is read;
            ``None``: choose later (the only protocol is then used anyway).
        probe: open every video (:func:`hiar_lib.data.scan.probe_samples`), moving
            unreadable ones to :attr:`DatasetIndex.bad`; ``False``: trust the CSV.
        progress: show a progress bar while probing.

    Returns:
        The index; its samples and bad rows in CSV row order, unreadable videos last.

    Raises:
        DatasetError: unknown protocol, a root that is missing, a folder without a CSV
            or with several, or a CSV that cannot be read or lacks the columns.
    """
    chosen = choose_protocol(GENERIC_PROTOCOLS, protocol, GENERIC_TITLE)
    root_p = check_root(root, f"{GENERIC_PATTERN}, or a folder holding one", allow_file_suffix=".csv")
    csv_path, classes, samples, bad = _read_csv(root_p)
    if probe:
        samples, unreadable = probe_samples(samples, progress, f"probing {GENERIC_TITLE}")
        bad += unreadable
    return DatasetIndex(
        dataset="generic",
        root=csv_path,
        classes=classes,
        samples=samples,
        bad=bad,
        protocols=dict(GENERIC_PROTOCOLS),
        protocol=chosen,
        title=GENERIC_TITLE,
    )
