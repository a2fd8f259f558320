"""``hiar index``: check a copy of a dataset before training on it.

Prints, per protocol, the samples in each split and the classes with no sample in a
split, then every file left out (misnamed, outside the dataset, unreadable) with the
reason. Bad files are reported, not fatal: the exit code is 0 unless the root is not
the dataset at all (exit 2, one-line error).
"""

from __future__ import annotations

import argparse
import csv
import sys
import textwrap
from typing import TextIO

from hiar_lib.data.datasets import DATASETS, index_dataset
from hiar_lib.data.index import DatasetIndex

CSV_COLUMNS: tuple[str, ...] = (
    "section",
    "protocol",
    "split",
    "label",
    "class_id",
    "class",
    "count",
    "path",
    "reason",
)

_EPILOG = """\
protocols: ntu60: cs (cross-subject), cv (cross-view); nucla: v12_3, v31_2, v23_1
(also spelled "V(1,2)->3" etc.); generic: default (the CSV's split column).

--csv layout: one CSV table with the header
  section,protocol,split,label,class_id,class,count,path,reason
and two kinds of rows:
  section=count  one row per protocol, split (train/test) and class, in label order,
                 with count = samples (0: the class is missing from the split);
                 protocol is empty and split is "all" for the per-class totals over
                 the whole index (always present, listed first);
                 path and reason are empty.
  section=bad    one row per file left out: path and reason; the other columns empty.
label and count are integers on count rows. With pandas:
  df = pandas.read_csv(f, keep_default_na=False)
  counts = df[df.section == "count"].astype({"label": int, "count": int})
  bad = df[df.section == "bad"][["path", "reason"]]

exit codes: 0 indexed (bad files, if any, are listed), 2 the root is not the dataset
(missing, a file, or no file named as the dataset names its files) or a bad argument.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "index",
        help="index a dataset root: samples per split, class coverage, bad files",
        description=(
            "Index a dataset root and report, for each protocol, the samples per split "
            "and the classes with no sample in a split, then list misnamed, "
            "out-of-dataset and unreadable files with the reason."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dataset", metavar="DATASET", help=f"one of {', '.join(DATASETS)}")
    p.add_argument(
        "root",
        metavar="ROOT",
        help="dataset folder (searched recursively); for generic, the CSV file or a folder holding one",
    )
    p.add_argument("--protocol", "-p", metavar="P", default=None, help="report this protocol only (default: every one)")
    p.add_argument("--csv", action="store_true", help="print one CSV table instead of text (layout below)")
    p.add_argument(
        "--no-probe",
        dest="probe",
        action="store_false",
        help="do not open the videos (fast; unreadable files are then not found)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    index = index_dataset(
        args.dataset,
        args.root,
        protocol=args.protocol,
        probe=args.probe,
        progress=sys.stderr.isatty(),
    )
    protocols = [index.protocol] if index.protocol else list(index.protocols)
    if args.csv:
        write_csv(index, protocols, sys.stdout)
    else:
        write_text(index, protocols, sys.stdout, probed=args.probe)
    return 0


def _splittable(index: DatasetIndex, protocol: str) -> bool:
    p = index.get_protocol(protocol)
    return p.by != "split" or all(s.split is not None for s in index.samples)


def write_csv(index: DatasetIndex, protocols: list[str], out: TextIO) -> None:
    """Write the report as one CSV table (layout: see ``hiar index --help``)."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in index.class_counts().to_dict("records"):
        w.writerow(["count", "", "all", r["label"], r["class_id"], r["class"], r["count"], "", ""])
    for name in protocols:
        if not _splittable(index, name):
            continue
        for r in index.summary(name).to_dict("records"):
            w.writerow(["count", r["protocol"], r["split"], r["label"], r["class_id"], r["class"], r["count"], "", ""])
    for b in index.bad:
        w.writerow(["bad", "", "", "", "", "", "", str(b.path), b.reason])


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False)


def _coverage(index: DatasetIndex, where: str, missing: list[int]) -> str:
    """Name the classes missing from a split, or the present ones when those are fewer."""
    k = len(index.classes)
    if len(missing) > k / 2:
        present = sorted(set(range(k)) - set(missing))
        names = ", ".join(index.class_display(i) for i in present) or "none"
        return f"no sample {where} for {len(missing)} of {k} classes; only these have one: {names}"
    names = ", ".join(index.class_display(i) for i in missing)
    return f"no sample {where} for {len(missing)} of {k} classes: {names}"


def write_text(index: DatasetIndex, protocols: list[str], out: TextIO, probed: bool = True) -> None:
    """Write the report for people: totals, per-protocol splits and coverage, bad files."""
    k = len(index.classes)
    counts = index.class_counts()
    present = int((counts["count"] > 0).sum())
    print(f"{index.title or index.dataset} ({index.dataset}) at {index.root}", file=out)
    print(
        f"  {len(index.samples)} samples of {present}/{k} classes; "
        f"{len(index.bad)} bad files{' (listed below)' if index.bad else ''}"
        f"{'' if probed else '; videos not opened (--no-probe)'}",
        file=out,
    )
    absent = counts.loc[counts["count"] == 0, "label"].tolist()
    if absent:
        print(_wrap(_coverage(index, "at all", absent), "  "), file=out)

    for name in protocols:
        p = index.get_protocol(name)
        print(file=out)
        print(f"protocol {p.name}: {p.description}", file=out)
        if not _splittable(index, name):
            print("  not available: the CSV has no split column (add one with train/test)", file=out)
            continue
        df = index.summary(p.name)
        for split in ("train", "test"):
            part = df[df["split"] == split]
            n = int(part["count"].sum())
            missing = part.loc[part["count"] == 0, "label"].tolist()
            print(f"  {split:5s} {n:7d} samples, {k - len(missing)}/{k} classes", file=out)
            if missing:
                print(_wrap(_coverage(index, f"in {split}", missing), "        "), file=out)

    if index.bad:
        print(file=out)
        print(f"bad files ({len(index.bad)}):", file=out)
        for b in index.bad:
            print(f"  {b.path}: {b.reason}", file=out)
