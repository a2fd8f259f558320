"""The size of a synthetic benchmark (:class:`SynthConfig`): frames, takes, subjects, views.

Each profile's size is in :mod:`hiar_lib.profiles`; :class:`SynthConfig` itself defaults
to the ``quick`` profile's benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hiar_lib.synth.actions import CLASSES

__all__ = ["VIEW_AZIMUTH_DEG", "SynthConfig", "with_overrides"]

VIEW_AZIMUTH_DEG = {1: 0.0, 2: -45.0, 3: 45.0}


@dataclass(frozen=True)
class SynthConfig:
    """Size of a synthetic benchmark.

    Attributes:
        profile: name recorded in the manifest.
        width, height: frame size in pixels (even).
        fps: frames per second.
        num_frames: frames per clip.
        takes_per_class: performances of each class (each gives one clip per view).
        num_subjects: performers; the first half of a fixed shuffle trains under ``cs``.
        views: camera ids (1 front, 2 at -45 degrees, 3 at +45 degrees).
        hfov_deg: horizontal field of view of every camera.
        classes: class ids to include (all 12 by default).
    """

    profile: str = "quick"
    width: int = 192
    height: int = 144
    fps: float = 15.0
    num_frames: int = 32
    takes_per_class: int = 6
    num_subjects: int = 10
    views: tuple[int, ...] = (1, 2, 3)
    hfov_deg: float = 55.0
    classes: tuple[int, ...] = tuple(range(len(CLASSES)))

    def __post_init__(self) -> None:
        if self.width % 2 or self.height % 2 or self.width < 32 or self.height < 32:
            raise ValueError(f"frame size must be even and at least 32x32, got {self.width}x{self.height}")
        if self.num_subjects < 4:
            raise ValueError(f"need at least 4 subjects (2 per cross-subject half), got {self.num_subjects}")
        if self.takes_per_class < 1 or self.num_frames < 2:
            raise ValueError("takes_per_class must be >= 1 and num_frames >= 2")
        bad = [v for v in self.views if v not in VIEW_AZIMUTH_DEG]
        if bad:
            raise ValueError(f"views must be among {sorted(VIEW_AZIMUTH_DEG)}, got {bad}")

    @property
    def train_subjects(self) -> tuple[int, ...]:
        """Subject ids of the cross-subject training half (deterministic)."""
        order = np.random.default_rng(0xC5).permutation(self.num_subjects) + 1
        return tuple(sorted(int(s) for s in order[: self.num_subjects // 2]))


def with_overrides(config: SynthConfig, **kwargs) -> SynthConfig:
    """A copy of ``config`` with some fields changed (e.g. fewer takes for a test)."""
    return replace(config, **kwargs)
