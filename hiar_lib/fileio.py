"""Atomic file writes: a file appears complete or not at all.

Everything the library writes that a later run reads back (videos, annotations, feature
cache files, checkpoints) goes through :func:`atomic_write`: the content is written to
``.<name>.<pid>.tmp`` beside the target and renamed over it, so a process killed
mid-write leaves at worst a temporary file, never a truncated target.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["atomic_torch_save", "atomic_write", "link_or_copy", "sha256_file", "temporary_path", "write_json"]


def temporary_path(path: Path) -> Path:
    """``.<name>.<pid>.tmp`` beside ``path`` (the pid tells a killed writer's debris)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def atomic_write(path: str | os.PathLike, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` to fill a temporary file, then rename it to ``path``."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(out)
    try:
        write(tmp)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def link_or_copy(source: str | os.PathLike, path: str | os.PathLike) -> Path:
    """``path`` as the same file as ``source``: a hard link where both lie on one file
    system (no second copy of the bytes), else a copy; atomic either way, and replacing
    whatever ``path`` was. Later atomic writes to either name replace that name only."""

    def fill(tmp: Path) -> None:
        try:
            os.link(source, tmp)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(source, tmp)

    return atomic_write(path, fill)


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` through :func:`atomic_write`."""
    import torch

    return atomic_write(path, lambda tmp: torch.save(obj, tmp))


def write_json(path: str | os.PathLike, data: Any, indent: int = 1) -> Path:
    """``data`` as indented JSON with a final newline, through :func:`atomic_write` (results files)."""
    return atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=indent) + "\n"))


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, hex, read in 1 MiB blocks (weights, checkpoints)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
