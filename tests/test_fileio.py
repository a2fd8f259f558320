"""hiar_lib.fileio: atomic writes and the one-file-two-names link."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from hiar_lib.fileio import atomic_write, link_or_copy


def test_link_or_copy_makes_one_file_of_two_names_and_a_later_write_replaces_one_name_only(tmp_path: Path) -> None:
    source = tmp_path / "cache" / "weights-abc.pt"
    source.parent.mkdir()
    source.write_bytes(b"trained")
    named = tmp_path / "out" / "weights-quick.pt"
    named.parent.mkdir()
    named.write_bytes(b"older")  # replaced
    assert link_or_copy(source, named) == named
    assert named.samefile(source) and os.stat(source).st_nlink == 2 and named.read_bytes() == b"trained"
    assert not list(named.parent.glob(".*.tmp"))  # no debris
    atomic_write(named, lambda tmp: tmp.write_bytes(b"retrained"))
    assert source.read_bytes() == b"trained" and named.read_bytes() == b"retrained"  # the other name keeps its bytes


def test_link_or_copy_copies_across_file_systems(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system (/dev/shm) beside the temporary folder here")
    with tempfile.TemporaryDirectory(dir=shm) as other:
        source = Path(other) / "weights.pt"
        source.write_bytes(b"trained")
        named = link_or_copy(source, tmp_path / "weights.pt")
        assert named.read_bytes() == b"trained" and not named.samefile(source)
