"""Fetching the ``paper`` preset's two COCO weight files, only when asked (``hiar weights download``).

Nothing else in hiar_lib ever downloads: :func:`~hiar_lib.detection.build.build_detector`
reads the torch hub cache or a path. :func:`download_weights` fetches torchvision's two
files (or any list of :class:`WeightFile`) into the torch hub cache
(``torch.hub.get_dir()/checkpoints``, where the ``paper`` preset looks) or a folder given,
checks each against the SHA-256 prefix that torchvision puts in its file names
(``keypointrcnn_resnet50_fpn_coco-fc266e95.pth``: the hash starts with ``fc266e95``),
and writes it atomically, so a failed or interrupted download leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hiar_lib.detection.weights import PAPER_WEIGHTS, WeightsError
from hiar_lib.fileio import sha256_file, temporary_path

__all__ = ["WeightFile", "default_weights_dir", "download_weights", "paper_weight_files"]

_HASH_IN_NAME = re.compile(r"-([0-9a-f]{6,64})\.[A-Za-z0-9]+$")


@dataclass(frozen=True)
class WeightFile:
    """A file to fetch: its ``url`` and the start of its SHA-256 (hex) that it must have."""

    url: str
    sha256_prefix: str

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def from_url(cls, url: str) -> WeightFile:
        """The hash prefix read from a torchvision-style name (``<stem>-<hex>.pth``)."""
        m = _HASH_IN_NAME.search(url)
        if m is None:
            raise WeightsError(f"{url} does not end in -<sha256 prefix>.<ext>: no hash to check it against")
        return cls(url, m.group(1))


def paper_weight_files() -> list[WeightFile]:
    """torchvision's COCO Keypoint R-CNN and Mask R-CNN ResNet-50-FPN files (the ``paper`` preset)."""
    return [WeightFile.from_url(PAPER_WEIGHTS[k].url) for k in ("keypoint", "mask")]


def default_weights_dir() -> Path:
    """``torch.hub.get_dir()/checkpoints``: where torchvision, and the ``paper`` preset, look."""
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints"


def _fetch(url: str, tmp: Path, timeout: float, progress: bool, desc: str) -> str:
    """Stream ``url`` into ``tmp``; the SHA-256 (hex) of what came."""
    from tqdm.auto import tqdm

    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, tmp.open("wb") as out:
            total = response.headers.get("Content-Length")
            with tqdm(total=int(total) if total else None, unit="B", unit_scale=True, desc=desc, disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
    except urllib.error.HTTPError as e:
        raise WeightsError(f"could not download {url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        reason = getattr(e, "reason", e)
        raise WeightsError(f"could not download {url}: {reason}") from None
    return digest.hexdigest()


def download_weights(
    files: Sequence[WeightFile] | None = None,
    dest: str | os.PathLike | None = None,
    *,
    mirror: str | None = None,
    timeout: float = 60.0,
    progress: bool = True,
    log: Callable[[str], Any] | None = print,
) -> list[Path]:
    """Fetch weight files into ``dest`` and check their hashes.

    Args:
        files: what to fetch (default :func:`paper_weight_files`).
        dest: the folder (default :func:`default_weights_dir`, the torch hub cache).
        mirror: fetch ``MIRROR/<file name>`` instead of each file's own URL (a local copy
            of download.pytorch.org); the hashes are checked all the same.
        timeout: seconds to wait for a server before giving up.
        progress: a progress bar per file.
        log: one line per file, saying where it went or that it was already there.

    Returns:
        The paths of the files, in the order of ``files``.

    Raises:
        WeightsError: a server that cannot be reached or answers an error, or a file
            whose SHA-256 does not start with the expected prefix (the message names the
            URL and both hashes). Nothing is left in ``dest`` for that file.
    """
    files = list(files) if files is not None else paper_weight_files()
    folder = Path(dest) if dest is not None else default_weights_dir()
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    for f in files:
        target = folder / f.name
        if target.is_file() and sha256_file(target).startswith(f.sha256_prefix):
            if log is not None:
                log(f"{target}: already there, hash checked")
            out.append(target)
            continue
        url = f"{mirror.rstrip('/')}/{f.name}" if mirror else f.url
        tmp = temporary_path(target)
        try:
            got = _fetch(url, tmp, timeout, progress, f.name)
            if not got.startswith(f.sha256_prefix):
                raise WeightsError(
                    f"{url} is not the expected file: its SHA-256 is {got[:16]}..., "
                    f"expected one starting with {f.sha256_prefix}; nothing was written"
                )
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        if log is not None:
            log(f"{target}: downloaded from {url}, hash checked")
        out.append(target)
    return out
