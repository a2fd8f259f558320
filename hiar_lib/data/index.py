"""What a dataset index is: its samples, the files left out, and evaluation protocols.

An index is built once from a dataset root (:func:`hiar_lib.data.datasets.index_dataset`,
or one dataset's indexer: :mod:`hiar_lib.data.ntu`, :mod:`hiar_lib.data.nucla`,
:mod:`hiar_lib.data.generic`, :mod:`hiar_lib.data.synthetic`) and answers, with no
further disk access, which samples are in the training and the test split of an
evaluation protocol (Section 4.1 of the paper).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pandas is imported when a table is asked for, not with the index
    import pandas as pd

from hiar_lib.errors import DatasetError

__all__ = [
    "BadFile",
    "DatasetIndex",
    "Protocol",
    "SPLITS",
    "Sample",
    "choose_protocol",
    "find_protocol",
    "name_key",
]

SPLITS: tuple[str, str] = ("train", "test")

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
        key = name_key(name)
        return any(key == name_key(n) for n in (self.name, *self.aliases))


def name_key(name: str) -> str:
    """``name`` as names are compared: lower case, letters and digits only (``"NTU RGB+D"`` -> ``"nturgbd"``)."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


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
        return find_protocol(self.protocols, protocol, self.title or self.dataset)

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
        import pandas as pd

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
        import pandas as pd

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



def find_protocol(protocols: dict[str, Protocol], name: str, title: str) -> Protocol:
    """The protocol of ``protocols`` that ``name`` spells (see :meth:`Protocol.matches`).

    Raises:
        DatasetError: no protocol matches; the message names ``title`` (the dataset) and
            lists the valid names.
    """
    for p in protocols.values():
        if p.matches(name):
            return p
    raise DatasetError(f"unknown protocol {name!r} for {title}: expected one of {_names(protocols)}")


def choose_protocol(protocols: dict[str, Protocol], name: str | None, title: str) -> str | None:
    """The canonical name of the protocol ``name`` spells, ``None`` for ``None`` (choose later).

    Raises:
        DatasetError: as :func:`find_protocol`.
    """
    return None if name is None else find_protocol(protocols, name, title).name
