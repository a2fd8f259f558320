"""The shared vocabulary of the pipeline: COCO person keypoints and FPN levels.

Every stage that names joints or pyramid levels takes them from here: the synthetic
bodies and their annotations (:mod:`hiar_lib.synth`), the detector
(:mod:`hiar_lib.detection`), the tracker (:mod:`hiar_lib.track`), the pooler
(:mod:`hiar_lib.pool`) and the drawings (:mod:`hiar_lib.viz`). Plain Python values only
(no torch, no numpy), so that importing it costs nothing.

Keypoints: the 17 COCO person joints in COCO (and torchvision) order, their skeleton,
the left/right swap of a horizontal flip and COCO's per-joint OKS sigmas.

FPN levels: P2..P5 of a ResNet-FPN backbone, which torchvision's ``BackboneWithFPN``
returns under the keys ``"0"``..``"3"``; level ``Pk`` has stride ``2**k`` pixels of the
resized, padded input image (4, 8, 16, 32).
"""

from __future__ import annotations

__all__ = [
    "COCO_KEYPOINT_SIGMAS",
    "COCO_PERSON_SKELETON",
    "FPN_LEVELS",
    "FPN_LEVEL_KEYS",
    "FPN_LEVEL_NAMES",
    "FPN_STRIDES",
    "KEYPOINT_FLIP_INDEX",
    "KEYPOINT_NAMES",
    "NUM_KEYPOINTS",
    "fpn_level_key",
]

# --------------------------------------------------------------------------- keypoints

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
"""The 17 COCO person keypoints, in COCO (and torchvision) order."""

NUM_KEYPOINTS: int = len(KEYPOINT_NAMES)
"""Joints per person instance (17)."""

KEYPOINT_FLIP_INDEX: tuple[int, ...] = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)
"""``flipped[j] = original[KEYPOINT_FLIP_INDEX[j]]`` after a horizontal flip (left <-> right)."""

COCO_PERSON_SKELETON: tuple[tuple[int, int], ...] = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7),
    (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
)  # fmt: skip
"""COCO's person skeleton (limbs) as 0-based joint pairs (``connectivity`` of ``draw_keypoints``)."""

COCO_KEYPOINT_SIGMAS: tuple[float, ...] = tuple(
    s / 10.0 for s in (0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89)
)
"""Per-joint OKS sigmas of COCO's keypoint evaluation (pycocotools' ``kpt_oks_sigmas``)."""

# --------------------------------------------------------------------------- FPN levels

FPN_LEVEL_NAMES: tuple[str, ...] = ("P2", "P3", "P4", "P5")
"""The paper's names of the FPN levels a detector returns (Table 6)."""

FPN_LEVELS: tuple[str, ...] = ("0", "1", "2", "3")
"""torchvision's keys of P2, P3, P4, P5 in the backbone's output dict."""

FPN_LEVEL_KEYS: dict[str, str] = dict(zip(FPN_LEVEL_NAMES, FPN_LEVELS))
"""``{"P2": "0", "P3": "1", "P4": "2", "P5": "3"}``: paper name to torchvision key."""

FPN_STRIDES: dict[str, int] = {"0": 4, "1": 8, "2": 16, "3": 32}
"""Stride of each FPN level (by torchvision key) in pixels of the resized, padded input image (P2..P5)."""

_LEVEL_ALIASES: dict[str, str] = {
    **{name.lower(): key for name, key in FPN_LEVEL_KEYS.items()},
    **{key: key for key in FPN_LEVELS},
}
_LEVEL_NUMBERS: dict[int, str] = {int(name[1:]): key for name, key in FPN_LEVEL_KEYS.items()}


def fpn_level_key(name: str | int) -> str:
    """torchvision's key (``"0"``..``"3"``) of an FPN level named ``"P2"``..``"P5"`` (any
    case), ``"0"``..``"3"`` or by the integer 2..5.

    Raises:
        ValueError: not one of those.
    """
    if isinstance(name, int) and not isinstance(name, bool):
        key = _LEVEL_NUMBERS.get(name)
    else:
        key = _LEVEL_ALIASES.get(str(name).lower())
    if key is None:
        raise ValueError(f"unknown FPN level {name!r}: expected 'P2'..'P5', '0'..'3' or 2..5")
    return key
