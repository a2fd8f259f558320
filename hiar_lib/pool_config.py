"""What the action pooler cuts out (:class:`PoolerConfig`): the region, the FPN levels,
the output size and how the levels are combined; and when it runs (:data:`CACHE_KINDS`).

Torch-free, so that :mod:`hiar_lib.profiles` can hold a profile's pooler and the command
line can read it before importing torch. The pooler itself is :mod:`hiar_lib.pool`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hiar_lib.vocabulary import FPN_LEVEL_KEYS

__all__ = ["ABSENT_MODES", "BOX_MODES", "CACHE_KINDS", "COMBINES", "Absent", "BoxMode", "Combine", "PoolerConfig"]

BoxMode = Literal["basic", "outermost"]
Combine = Literal["mean", "sum", "max", "assign"]
Absent = Literal["pool", "zero"]
ABSENT_MODES: tuple[str, ...] = ("pool", "zero")
"""What the outermost region gives in a frame of the clip where its track has no instance:
``"pool"`` pools the outermost box there too (eq. 7 is over every frame of the clip),
``"zero"`` gives zeros (this library's behaviour before eq. 7 was followed)."""
CACHE_KINDS: tuple[str, ...] = ("tubes", "crops")
"""When the pooler runs (:mod:`hiar_lib.features`): at extraction, a cache then holding
fixed clips' tubes (``"tubes"``), or when a head reads the cache, which holds track crops
(``"crops"``, :mod:`hiar_lib.crops`)."""
BOX_MODES: tuple[str, ...] = ("basic", "outermost")
"""The action regions: each frame's own box (eq. 5, 8) or the track's union over the clip (eq. 6, 7, 9)."""
COMBINES: tuple[str, ...] = ("mean", "sum", "max", "assign")
"""How several FPN levels become one map (:mod:`hiar_lib.pool`'s docstring says each)."""


@dataclass(frozen=True)
class PoolerConfig:
    """Settings of the action pooler.

    Attributes:
        box: ``"outermost"`` (eq. 9, the paper's main setting) or ``"basic"`` (eq. 8).
        levels: FPN levels among ``"P2"``..``"P5"`` (Table 6; the paper settles on P2, P3).
        output_size: ``S`` of the ``S x S`` region, 7, 14 or 28 in the paper (Tables 4, 7).
        combine: how several levels become one map (one of :data:`COMBINES`).
        sampling_ratio: RoIAlign sampling points per bin side.
        absent: with ``box="outermost"``, a frame of the clip where the track has no
            instance: ``"pool"`` (eq. 7, the default) pools the outermost box there,
            ``"zero"`` gives zeros. A ``basic`` region has no box in such a frame, so it
            is always zeros there; padded frames past the end of a video are always zeros.

    Raises:
        ValueError: a setting outside the values above.
    """

    box: BoxMode = "outermost"
    levels: tuple[str, ...] = ("P2", "P3")
    output_size: int = 14
    combine: Combine = "mean"
    sampling_ratio: int = 2
    absent: Absent = "pool"

    def __post_init__(self) -> None:
        if self.box not in BOX_MODES:
            raise ValueError(f"box must be 'basic' or 'outermost', got {self.box!r}")
        object.__setattr__(self, "levels", tuple(self.levels))
        bad = [lv for lv in self.levels if lv not in FPN_LEVEL_KEYS]
        if not self.levels or bad:
            raise ValueError(f"levels must be a non-empty subset of P2, P3, P4, P5, got {self.levels!r}")
        if len(set(self.levels)) != len(self.levels):
            raise ValueError(f"levels repeat: {self.levels!r}")
        if self.output_size < 1:
            raise ValueError(f"output_size must be >= 1, got {self.output_size}")
        if self.absent not in ABSENT_MODES:
            raise ValueError(f"absent must be 'pool' or 'zero', got {self.absent!r}")
        if self.combine not in COMBINES:
            raise ValueError(f"combine must be one of {', '.join(COMBINES)}; got {self.combine!r}")
