"""Shared by the detector's tests: small model sizes and two real frames."""

from __future__ import annotations

import pytest
import torch

from hiar_lib.data.video import read_clip
from tests.conftest import realdata_file

# Small inputs everywhere: the paper model at min_size 64 runs in a fraction of a second.
SMALL = dict(min_size=64, max_size=96)


@pytest.fixture(scope="module")
def real_frames() -> torch.Tensor:
    """Two frames of a real 426x240 video (two people playing basketball)."""
    path = realdata_file("clips", "basketball_two_people.mp4")
    return read_clip(path, clip_len=2, stride=10, start="first").frames
