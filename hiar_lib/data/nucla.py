"""Northwestern-UCLA Multiview Action 3D (Wang et al., CVPR 2014): its file names,
protocols and indexer.

Videos are named ``aXX_sYY_eZZ_vWW.avi`` or ``.mp4`` (optionally ``_rgb`` before the
extension): action, subject 1..10, take, view 1..3, found anywhere under the root. The
dataset as released stores each take as a folder of frames instead,
``view_1/a01_s01_e00/frame_..._rgb.jpg`` (depth maps and skeletons beside): a folder
named ``aXX_sYY_eZZ`` inside a ``view_N`` folder (or ``aXX_sYY_eZZ_vWW`` anywhere) is
a take too, read as a video of its colour frames (:mod:`hiar_lib.data.frames`).
Protocols ``"v12_3"`` (views 1, 2 train, view 3 tests; the paper's
:math:`V_{1,2}^3`), ``"v31_2"`` and ``"v23_1"``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from hiar_lib.data.index import DatasetIndex, Protocol, Sample, choose_protocol
from hiar_lib.data.labels import NUCLA_ACTION_IDS, NUCLA_CLASSES, NUCLA_LABEL_OF_ACTION
from hiar_lib.data.scan import check_root, index_named_files, walk_folders

__all__ = ["NUCLA_PATTERN", "NUCLA_PROTOCOLS", "NUCLA_TITLE", "index_nucla"]

NUCLA_TITLE = "N-UCLA"
NUCLA_PATTERN = "aXX_sYY_eZZ_vWW[_rgb].avi or .mp4 (e.g. a01_s01_e00_v01.avi), or view_N/aXX_sYY_eZZ/ folders of frames"
_NUCLA_RE = re.compile(r"a(\d{2})_s(\d{2})_e(\d{2})_v(\d{2})(?:_rgb)?\.(?:avi|mp4)")
_NUCLA_FOLDER_RE = re.compile(r"a(\d{2})_s(\d{2})_e(\d{2})(?:_v(\d{2}))?")
_VIEW_FOLDER_RE = re.compile(r"view_?(\d+)", re.IGNORECASE)

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


def _nucla_sample(path: Path) -> Sample | str:
    if path.is_dir():  # a take as a folder of frames: the view from its name or its parent's
        m = _NUCLA_FOLDER_RE.fullmatch(path.name)
        assert m is not None
        parent = _VIEW_FOLDER_RE.fullmatch(path.parent.name)
        if m.group(4) is None and parent is None:
            return f"a folder of frames names its view as view_N/{path.name}/ or {path.name}_vWW/"
        a, s, e = (int(g) for g in m.groups()[:3])
        v = int(m.group(4) if m.group(4) is not None else parent.group(1))  # type: ignore[union-attr]
    else:
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


def index_nucla(
    root: str | os.PathLike, protocol: str | None = None, probe: bool = True, progress: bool = True
) -> DatasetIndex:
    """Index a folder of N-UCLA videos or folders of frames (as released), searched recursively.

    Args:
        root: the dataset folder.
        protocol: ``"v12_3"``, ``"v31_2"`` or ``"v23_1"`` (or an alias), checked before
            the folder is read and then used by :meth:`DatasetIndex.split` when given
            none; ``None``: choose later.
        probe: open every video (:func:`hiar_lib.data.scan.probe_samples`), moving
            unreadable ones to :attr:`DatasetIndex.bad`; ``False``: trust the names.
        progress: show a progress bar while probing.

    Raises:
        DatasetError: unknown protocol, a root that is missing or a file, or a root with
            no N-UCLA sample.
    """
    chosen = choose_protocol(NUCLA_PROTOCOLS, protocol, NUCLA_TITLE)
    root_p = check_root(root, f"a folder of N-UCLA videos named {NUCLA_PATTERN}")
    samples, bad = index_named_files(
        root_p, NUCLA_TITLE, "N-UCLA", NUCLA_PATTERN, _NUCLA_RE, _nucla_sample, probe=probe, progress=progress,
        folders=walk_folders(root_p, _NUCLA_FOLDER_RE),
    )
    return DatasetIndex(
        dataset="nucla",
        root=root_p,
        classes=list(NUCLA_CLASSES),
        samples=samples,
        bad=bad,
        protocols=dict(NUCLA_PROTOCOLS),
        protocol=chosen,
        class_ids=list(NUCLA_ACTION_IDS),
        title=NUCLA_TITLE,
    )
