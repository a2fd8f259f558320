"""Provenance recorded with every result: commit, device, versions, seeds, date."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from pathlib import Path


def git_commit(repo: str | os.PathLike | None = None) -> str | None:
    """The checked-out commit of the repository holding this package (``None`` outside git).

    A ``+dirty`` suffix marks uncommitted changes to tracked files.
    """
    cwd = Path(repo) if repo else Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return sha + ("+dirty" if dirty else "")


def cpu_model() -> str:
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


def provenance(profile: str | None = None, seeds: list[int] | None = None, device: str = "cpu", **extra) -> dict:
    """The provenance block of a results file."""
    import av
    import numpy
    import torch
    import torchvision

    from hiar_lib import __version__

    return {
        "git_commit": git_commit(),
        "profile": profile,
        "seeds": seeds,
        "device": device_name(device),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": {
            "hiar": __version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "av": av.__version__,
            "numpy": numpy.__version__,
        },
        **extra,
    }
