"""The tracker's settings (:class:`TrackerConfig`) and the named trackers an extraction
can choose (:data:`TRACKERS`: ``paper`` or ``extended``).

Free of deep-learning and SciPy imports, so that :mod:`hiar_lib.profiles` and the command
line can read them before importing anything heavy. The tracker itself is
:mod:`hiar_lib.track`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["METHODS", "PAPER_CONFIG", "TRACKERS", "TRACKER_NAMES", "Method", "TrackerConfig", "tracker_config"]

METHODS: tuple[str, ...] = ("greedy", "hungarian")
Method = Literal["greedy", "hungarian"]

@dataclass(frozen=True)
class TrackerConfig:
    """Settings of :func:`hiar_lib.track.track_instances`; ``track_instances(kp, **asdict(cfg))``.

    Attributes:
        method: ``"greedy"`` (the paper: globally smallest cost first, one-to-one) or
            ``"hungarian"`` (minimum total cost per frame).
        gate: a link needs ``cost / 17 < gate * diagonal`` of the track's last box
            (pixels / pixels, so unitless); ``None`` disables the gate.
        max_gap: a track may go up to this many consecutive frames without an
            instance and still be continued; ``0`` links adjacent frames only (the
            paper); ``None`` never ends a track.
        min_joint_score: a joint whose third keypoint channel (visibility or score)
            is ``<= min_joint_score`` counts as missing. Unused for ``(N, 17, 2)``
            keypoints.
    """

    method: Method = "greedy"
    gate: float | None = 1.0
    max_gap: int | None = 3
    min_joint_score: float = 0.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}; got {self.method!r}")
        if self.gate is not None:
            if isinstance(self.gate, bool) or not isinstance(self.gate, (int, float)):
                raise ValueError(f"gate must be a positive number or None; got {self.gate!r}")
            if not (math.isfinite(self.gate) and self.gate > 0):
                raise ValueError(f"gate must be a positive finite number or None; got {self.gate!r}")
        if self.max_gap is not None:
            if isinstance(self.max_gap, bool) or not isinstance(self.max_gap, (int, np.integer)):
                raise ValueError(f"max_gap must be an integer >= 0 or None; got {self.max_gap!r}")
            if self.max_gap < 0:
                raise ValueError(f"max_gap must be an integer >= 0 or None; got {self.max_gap!r}")
        if isinstance(self.min_joint_score, bool) or not isinstance(
            self.min_joint_score, (int, float)
        ) or not math.isfinite(self.min_joint_score):
            raise ValueError(
                f"min_joint_score must be a finite number; got {self.min_joint_score!r}"
            )


PAPER_CONFIG = TrackerConfig(method="greedy", gate=None, max_gap=0)
"""Eq. 3 exactly as the paper uses it: greedy, adjacent frames only, no gate."""

TRACKERS: dict[str, TrackerConfig] = {"paper": PAPER_CONFIG, "extended": TrackerConfig()}
"""The trackers an extraction can name: ``paper`` (eq. 3 alone: every instance links to
the nearest one of the previous frame, however far, and a track ends at its first
missed frame) and ``extended`` (eq. 3 plus a gate, which refuses a link longer than the
track's box diagonal per joint, and gap bridging, which continues a track over up to 3
missed frames: the synthetic detector misses people that the tracker should not lose)."""


def tracker_config(name: str) -> TrackerConfig:
    """The tracker :data:`TRACKERS` calls ``name``.

    Raises:
        ValueError: an unknown name (the message lists the names).
    """
    try:
        return TRACKERS[name]
    except KeyError:
        raise ValueError(f"unknown tracker {name!r}: expected one of {', '.join(TRACKERS)}") from None


TRACKER_NAMES: tuple[str, ...] = tuple(TRACKERS)
"""``("paper", "extended")``."""
