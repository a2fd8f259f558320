"""Provenance recorded with every result: commit, device, versions, seeds, date, wall time.

The commit is the code's: ``+dirty`` marks uncommitted changes to tracked files *outside*
``results/``, so a run that rewrites the committed results (``make reproduce``) still
stamps the clean commit it ran. Every number carries the wall time of the work that
produced it (``wall_time_s``); a number reused from a cache says so (``reused``) and keeps
the original work's time and date, not the seconds it took to read it back.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["OUTPUT_DIRS", "cpu_model", "device_name", "git_commit", "provenance", "utc_now"]

# Tracked folders that runs write into; changes there do not make the code "dirty".
OUTPUT_DIRS: tuple[str, ...] = ("results",)


def git_commit(repo: str | os.PathLike | None = None) -> str | None:
    """The checked-out commit of the repository holding this package (``None`` outside git).

    A ``+dirty`` suffix marks uncommitted changes to tracked files other than those under
    :data:`OUTPUT_DIRS` (what runs write is not code).
    """
    cwd = Path(repo) if repo else Path(__file__).resolve().parents[2]
    exclude = [f":(exclude){d}" for d in OUTPUT_DIRS]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *exclude],
            cwd=cwd, capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return sha + ("+dirty" if dirty else "")


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), or what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: str = "cpu") -> str:
    """A description of ``device`` for people: the CPU model and core count, or the GPU name."""
    import torch

    if str(device).startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return f"{cpu_model()} ({os.cpu_count()} logical CPUs)"


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second (``2026-11-25T17:40:00+00:00``)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _version_of(module: str) -> str | None:
    """The version of an installed module, ``None`` where it is not installed (a GPU
    machine that times the models without decoding video, say)."""
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def provenance(
    profile: str | None = None,
    seeds: list[int] | None = None,
    device: str = "cpu",
    wall_time_s: float | None = None,
    reused: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The provenance block of a results record.

    Args:
        profile: the profile the run used (``smoke``, ``quick``, ...), if any.
        seeds: the seeds of the runs behind the numbers.
        device: the torch device the work ran on (described for people in the record).
        wall_time_s: seconds of the work that produced the numbers. For reused numbers,
            the original work's seconds.
        reused: ``None`` for fresh work; for numbers read back from a cache, where from and
            when they were made, e.g. ``{"from": "cache/detector/ab12.pt", "date": "..."}``.
        **extra: further keys (e.g. ``dataset``, ``protocol``).

    A profile whose numbers mean nothing (``smoke``) adds a ``warning`` saying so.
    """
    import numpy
    import torch
    import torchvision

    from hiar_lib import __version__

    from hiar_lib.profiles import PROFILES

    known = PROFILES.get(profile) if profile is not None else None
    if known is not None and not known.meaningful:
        extra = {"warning": f"profile {profile}: {known.purpose}", **extra}
    return {
        "git_commit": git_commit(),
        "profile": profile,
        "seeds": seeds,
        "device": device_name(device),
        "date": utc_now(),
        "wall_time_s": wall_time_s,
        "reused": reused,
        "versions": {
            "hiar": __version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "av": _version_of("av"),
            "numpy": numpy.__version__,
        },
        **extra,
    }
