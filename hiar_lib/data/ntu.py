"""NTU RGB+D 60 (Shahroudy et al., CVPR 2016): its file names, protocols and indexer.

RGB videos are named ``SsssCcccPpppRrrrAaaa_rgb.avi`` (setup, camera, performer,
replication, action) and found anywhere under the root. Protocols ``"cs"``
(cross-subject: performers 1 2 4 5 8 9 13 14 15 16 17 18 19 25 27 28 31 34 35 38 train,
the other 20 test) and ``"cv"`` (cross-view: cameras 2 and 3 train, camera 1 tests).
Label = action - 1.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from hiar_lib.data.index import DatasetIndex, Protocol, Sample, choose_protocol
from hiar_lib.data.labels import NTU60_ACTION_IDS, NTU60_CLASSES
from hiar_lib.data.scan import check_root, index_named_files

__all__ = [
    "NTU60_CS_TRAIN_SUBJECTS",
    "NTU60_CV_TRAIN_CAMERAS",
    "NTU60_PATTERN",
    "NTU60_PROTOCOLS",
    "NTU60_TITLE",
    "index_ntu60",
]

NTU60_TITLE = "NTU RGB+D 60"
NTU60_PATTERN = "SsssCcccPpppRrrrAaaa_rgb.avi (e.g. S001C002P003R002A013_rgb.avi)"
_NTU_RE = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})_rgb\.avi")


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


def index_ntu60(
    root: str | os.PathLike, protocol: str | None = None, probe: bool = True, progress: bool = True
) -> DatasetIndex:
    """Index a folder of NTU RGB+D 60 videos, searched recursively.

    Args:
        root: the dataset folder.
        protocol: ``"cs"`` or ``"cv"`` (or an alias), checked before the folder is read
            and then used by :meth:`DatasetIndex.split` when given none; ``None``: choose later.
        probe: open every video (:func:`hiar_lib.data.scan.probe_samples`), moving
            unreadable ones to :attr:`DatasetIndex.bad`; ``False``: trust the names.
        progress: show a progress bar while probing.

    Raises:
        DatasetError: unknown protocol, a root that is missing or a file, or a root with
            no NTU RGB+D 60 sample.
    """
    chosen = choose_protocol(NTU60_PROTOCOLS, protocol, NTU60_TITLE)
    root_p = check_root(root, f"a folder of NTU RGB+D 60 videos named {NTU60_PATTERN}")
    samples, bad = index_named_files(
        root_p, NTU60_TITLE, "NTU RGB+D", NTU60_PATTERN, _NTU_RE, _ntu_sample, probe=probe, progress=progress
    )
    return DatasetIndex(
        dataset="ntu60",
        root=root_p,
        classes=list(NTU60_CLASSES),
        samples=samples,
        bad=bad,
        protocols=dict(NTU60_PROTOCOLS),
        protocol=chosen,
        class_ids=list(NTU60_ACTION_IDS),
        title=NTU60_TITLE,
    )
