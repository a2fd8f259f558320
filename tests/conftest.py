"""Shared fixtures: where the real data lives, and a tiny synthetic benchmark."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

# The real photos and videos: $HIAR_REALDATA when set, else ../shared/realdata beside the
# repository (absent on a user's fresh checkout, and on a clone placed elsewhere).
REALDATA_ENV = "HIAR_REALDATA"
REALDATA = Path(os.environ.get(REALDATA_ENV) or Path(__file__).resolve().parents[1].parent / "shared" / "realdata")


def realdata_file(*parts: str) -> Path:
    """A file of the shared real data, or a skip that says where it was looked for and how to point elsewhere."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared real data not present: {path} (set {REALDATA_ENV} to a copy of shared/realdata)")
    return path


def free_port() -> int:
    """A TCP port free on this machine now (for torchrun's rendezvous)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def synthetic_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic benchmark (12 classes x 1 take x 3 views, 16 frames), rendered once."""
    from hiar_lib.synth import PROFILES, generate_benchmark, with_overrides

    root = tmp_path_factory.mktemp("synthetic_tiny")
    cfg = with_overrides(PROFILES["quick"], profile="tiny", takes_per_class=1, num_frames=16)
    generate_benchmark(root, cfg, seed=3, workers=1, progress=False)
    return root
