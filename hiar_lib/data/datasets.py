"""The datasets hiar indexes, by name: :func:`index_dataset` picks the dataset's indexer.

- ``"ntu60"``, NTU RGB+D 60: :func:`hiar_lib.data.ntu.index_ntu60`.
- ``"nucla"``, Northwestern-UCLA Multiview Action 3D: :func:`hiar_lib.data.nucla.index_nucla`.
- ``"generic"``, videos listed in a CSV file: :func:`hiar_lib.data.generic.index_generic`.
- ``"synthetic"``, the embedded synthetic benchmark:
  :func:`hiar_lib.data.synthetic.index_synthetic`.

What an index holds is :class:`hiar_lib.data.index.DatasetIndex`; what every indexer
shares (bad files listed, not raised; hidden files skipped) is :mod:`hiar_lib.data.scan`.
"""

from __future__ import annotations

import os

from hiar_lib.data.generic import index_generic
from hiar_lib.data.index import DatasetIndex, name_key
from hiar_lib.data.ntu import index_ntu60
from hiar_lib.data.nucla import index_nucla
from hiar_lib.data.synthetic import index_synthetic
from hiar_lib.errors import DatasetError

__all__ = ["DATASETS", "dataset_name", "index_dataset"]

# Dataset names accepted by index_dataset, in the order error messages list them.
DATASETS: tuple[str, ...] = ("ntu60", "nucla", "generic", "synthetic")

_ALIASES = {
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


def dataset_name(name: str) -> str:
    """The canonical name (one of :data:`DATASETS`) of a dataset spelled ``name``.

    Names match ignoring case and every character that is not a letter or digit;
    ``"NTU RGB+D"``, ``"ntu"`` and ``"ntu-rgb+d-60"`` are ``"ntu60"``, ``"N-UCLA"`` and
    ``"ucla"`` are ``"nucla"``, ``"csv"`` is ``"generic"``, ``"synth"`` is ``"synthetic"``.

    Raises:
        DatasetError: an unknown name; the message lists the known ones.
    """
    got = _ALIASES.get(name_key(name))
    if got is None:
        raise DatasetError(f"unknown dataset {name!r}: expected one of {', '.join(DATASETS)}")
    return got


def index_dataset(
    name: str,
    root: str | os.PathLike,
    protocol: str | None = None,
    probe: bool = True,
    progress: bool = True,
) -> DatasetIndex:
    """Index a dataset root: its samples, classes, protocols and the files left out.

    Args:
        name: ``"ntu60"``, ``"nucla"``, ``"generic"`` or ``"synthetic"`` (or an alias,
            see :func:`dataset_name`).
        root: the dataset folder, searched recursively (NTU, N-UCLA); for ``generic``
            the CSV file, or a folder holding exactly one CSV file; for ``synthetic``
            the folder holding ``manifest.json``.
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
    indexer = {"ntu60": index_ntu60, "nucla": index_nucla, "generic": index_generic, "synthetic": index_synthetic}[
        dataset_name(name)
    ]
    return indexer(root, protocol=protocol, probe=probe, progress=progress)
