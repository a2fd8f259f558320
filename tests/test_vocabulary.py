"""hiar_lib.vocabulary: the COCO keypoints and FPN levels every stage shares."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools.cocoeval import Params

from hiar_lib.vocabulary import (
    COCO_KEYPOINT_SIGMAS,
    COCO_PERSON_SKELETON,
    FPN_LEVEL_KEYS,
    FPN_LEVEL_NAMES,
    FPN_LEVELS,
    FPN_STRIDES,
    KEYPOINT_FLIP_INDEX,
    KEYPOINT_NAMES,
    NUM_KEYPOINTS,
    fpn_level_key,
)


def test_seventeen_distinct_coco_keypoints_in_coco_order():
    assert NUM_KEYPOINTS == len(KEYPOINT_NAMES) == len(set(KEYPOINT_NAMES)) == 17
    assert KEYPOINT_NAMES[0] == "nose" and KEYPOINT_NAMES[-1] == "right_ankle"
    assert KEYPOINT_NAMES.index("left_shoulder") == 5 and KEYPOINT_NAMES.index("right_hip") == 12


def test_flip_index_is_an_involution_swapping_left_and_right():
    assert len(KEYPOINT_FLIP_INDEX) == NUM_KEYPOINTS
    assert sorted(KEYPOINT_FLIP_INDEX) == list(range(NUM_KEYPOINTS))
    for j, name in enumerate(KEYPOINT_NAMES):
        partner = KEYPOINT_NAMES[KEYPOINT_FLIP_INDEX[j]]
        assert KEYPOINT_FLIP_INDEX[KEYPOINT_FLIP_INDEX[j]] == j
        if name.startswith("left_"):
            assert partner == "right_" + name.removeprefix("left_")
        elif name.startswith("right_"):
            assert partner == "left_" + name.removeprefix("right_")
        else:
            assert partner == name  # the nose stays


def test_skeleton_joins_known_joints_once_each():
    assert len(COCO_PERSON_SKELETON) == 19
    assert all(0 <= a < NUM_KEYPOINTS and 0 <= b < NUM_KEYPOINTS and a != b for a, b in COCO_PERSON_SKELETON)
    assert len({frozenset(p) for p in COCO_PERSON_SKELETON}) == len(COCO_PERSON_SKELETON)
    # mirrored limbs are limbs too
    flipped = {frozenset((KEYPOINT_FLIP_INDEX[a], KEYPOINT_FLIP_INDEX[b])) for a, b in COCO_PERSON_SKELETON}
    assert flipped == {frozenset(p) for p in COCO_PERSON_SKELETON}


def test_oks_sigmas_are_pycocotools_defaults_and_symmetric():
    default = Params(iouType="keypoints").kpt_oks_sigmas
    np.testing.assert_array_equal(np.array(COCO_KEYPOINT_SIGMAS), default)
    assert all(COCO_KEYPOINT_SIGMAS[j] == COCO_KEYPOINT_SIGMAS[KEYPOINT_FLIP_INDEX[j]] for j in range(NUM_KEYPOINTS))


def test_fpn_levels_p2_to_p5_with_strides_4_to_32():
    assert FPN_LEVEL_NAMES == ("P2", "P3", "P4", "P5")
    assert FPN_LEVELS == ("0", "1", "2", "3")
    assert FPN_LEVEL_KEYS == {"P2": "0", "P3": "1", "P4": "2", "P5": "3"}
    assert FPN_STRIDES == {"0": 4, "1": 8, "2": 16, "3": 32}
    for name, key in FPN_LEVEL_KEYS.items():
        assert FPN_STRIDES[key] == 2 ** int(name[1:])


@pytest.mark.parametrize(
    ("name", "key"),
    [("P2", "0"), ("p3", "1"), ("P5", "3"), ("0", "0"), ("3", "3"), (2, "0"), (4, "2"), (5, "3")],
)
def test_fpn_level_key_accepts_paper_names_torchvision_keys_and_numbers(name, key):
    assert fpn_level_key(name) == key


@pytest.mark.parametrize("name", ["P6", "p1", "4", 1, 6, True, "level2", ""])
def test_fpn_level_key_rejects_other_names(name):
    with pytest.raises(ValueError, match="unknown FPN level"):
        fpn_level_key(name)
