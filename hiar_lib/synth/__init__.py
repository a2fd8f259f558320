"""The synthetic multi-person action benchmark, generated: the embedded default data set.

Articulated 3D bodies (17 COCO joints, volumetric limbs) perform 12 action classes in
front of three cameras; clips are written as mp4 plus exact ground truth (boxes, masks,
keypoints with visibility, track ids, per-person labels). This package only generates
(:mod:`hiar_lib.synth.benchmark`) and draws (:mod:`hiar_lib.synth.sheet`) a benchmark;
:mod:`hiar_lib.data.synthetic` defines its layout on disk, its protocols and its index,
and :mod:`hiar_lib.data.synthetic_annotation` reads its ground truth back.
"""

# The detector module (hiar_lib/detect.py) and its tests import these readers from
# here; they are defined in hiar_lib.data and named here only until those imports name
# hiar_lib.data.synthetic and hiar_lib.data.synthetic_annotation.
from hiar_lib.data.synthetic import index_synthetic, load_manifest  # noqa: F401
from hiar_lib.data.synthetic_annotation import load_annotation  # noqa: F401
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
