"""Dataset trees for the indexer tests: the file names the real datasets use, and
helpers that put tiny real videos (or empty files) under those names."""

from __future__ import annotations

import shutil
from pathlib import Path

from hiar_lib.data.index import DatasetIndex, Sample

# The naming patterns as the indexers' messages print them.
NTU_PATTERN_TEXT = "SsssCcccPpppRrrrAaaa_rgb.avi (e.g. S001C002P003R002A013_rgb.avi)"
NUCLA_PATTERN_TEXT = "aXX_sYY_eZZ_vWW[_rgb].avi or .mp4 (e.g. a01_s01_e00_v01.avi), or view_N/aXX_sYY_eZZ/ folders of frames"
GENERIC_PATTERN_TEXT = "a CSV file with columns path,label and optionally split (train/test)"

NTU_GOOD = (
    "S001C001P001R001A001_rgb.avi",  # cs train (P001), cv test (C001)
    "S001C002P003R001A013_rgb.avi",  # cs test (P003), cv train (C002)
    "nturgb+d_rgb/S002C003P002R002A060_rgb.avi",  # cs train, cv train, in a subfolder
    "nturgb+d_rgb/S017C001P040R002A030_rgb.avi",  # cs test, cv test
)

NUCLA_GOOD = (
    "view_1/a01_s01_e00_v01.avi",
    "view_1/a12_s10_e04_v01.mp4",
    "view_2/a05_s02_e01_v02_rgb.avi",
    "view_2/a08_s03_e00_v02.mp4",
    "view_3/a11_s04_e02_v03.avi",
    "view_3/a02_s05_e00_v03_rgb.mp4",
)


def put_video(videos: dict[str, Path], root: Path, rel: str) -> Path:
    """Copy the tiny video of ``rel``'s extension to ``root / rel``."""
    dst = root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(videos[dst.suffix.lower()], dst)
    return dst


def touch(root: Path, *rels: str) -> Path:
    """Empty files at ``root / rel`` (names are all that an unprobed index reads)."""
    for rel in rels:
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"")
    return root


def sample_names(samples: list[Sample]) -> set[str]:
    """The names of ``samples``."""
    return {s.name for s in samples}


def bad_reasons(index: DatasetIndex) -> dict[str, str]:
    """File name (or path, for a path without one) -> the reason it is bad."""
    return {b.path.name if b.path.name else str(b.path): b.reason for b in index.bad}
