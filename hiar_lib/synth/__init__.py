"""The synthetic multi-person action benchmark, generated: the embedded default data set.

Articulated 3D bodies (17 COCO joints, volumetric limbs) perform 12 action classes in
front of three cameras; clips are written as mp4 plus exact ground truth (boxes, masks,
keypoints with visibility, track ids, per-person labels). This package only generates
(:mod:`hiar_lib.synth.benchmark`) and draws (:mod:`hiar_lib.synth.sheet`) a benchmark;
:mod:`hiar_lib.data.synthetic` defines its layout on disk, its protocols and its index,
and :mod:`hiar_lib.data.synthetic_annotation` reads its ground truth back.
"""

from hiar_lib.synth.actions import CLASSES, HAND_ONLY_PAIRS, MUTUAL_CLASSES, NO_ACTION
from hiar_lib.synth.benchmark import (
    PROFILES,
    SynthConfig,
    TakeSpec,
    clip_name,
    generate_benchmark,
    plan_benchmark,
    resolve_profile,
    with_overrides,
)

__all__ = [
    "CLASSES",
    "HAND_ONLY_PAIRS",
    "MUTUAL_CLASSES",
    "NO_ACTION",
    "PROFILES",
    "SynthConfig",
    "TakeSpec",
    "clip_name",
    "generate_benchmark",
    "plan_benchmark",
    "resolve_profile",
    "with_overrides",
]
