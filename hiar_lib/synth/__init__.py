"""The synthetic multi-person action benchmark: the embedded default data set.

Articulated 3D bodies (17 COCO joints, volumetric limbs) perform 12 action classes in
front of three cameras; clips are written as mp4 plus exact ground truth (boxes, masks,
keypoints with visibility, track ids, per-person labels). See
:mod:`hiar_lib.synth.benchmark` for the layout on disk and the protocols.
"""

from hiar_lib.synth.actions import CLASSES, HAND_ONLY_PAIRS, MUTUAL_CLASSES, NO_ACTION
from hiar_lib.synth.benchmark import (
    PROFILES,
    ClipAnnotation,
    SynthConfig,
    TakeSpec,
    clip_name,
    generate_benchmark,
    index_synthetic,
    load_annotation,
    load_manifest,
    plan_benchmark,
    resolve_profile,
    synthetic_protocols,
    summarize_benchmark,
    with_overrides,
)

__all__ = [
    "CLASSES",
    "HAND_ONLY_PAIRS",
    "MUTUAL_CLASSES",
    "NO_ACTION",
    "PROFILES",
    "ClipAnnotation",
    "SynthConfig",
    "TakeSpec",
    "clip_name",
    "generate_benchmark",
    "index_synthetic",
    "load_annotation",
    "load_manifest",
    "plan_benchmark",
    "resolve_profile",
    "synthetic_protocols",
    "summarize_benchmark",
    "with_overrides",
]
