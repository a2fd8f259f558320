"""The ground truth of one synthetic clip read back (hiar_lib.data.synthetic_annotation)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hiar_lib.data.synthetic import annotation_file, masks_file
from hiar_lib.data.synthetic_annotation import load_annotation, read_masks, write_masks
from hiar_lib.vocabulary import NUM_KEYPOINTS


def test_masks_round_trip_whatever_their_size(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for shape in [(1, 1, 1, 1), (3, 2, 5, 7), (2, 0, 4, 4)]:  # sizes not a multiple of 8, no person
        masks = rng.random(shape) < 0.5
        write_masks(tmp_path / "m.npz", masks)
        back = read_masks(tmp_path / "m.npz")
        assert back.dtype == bool and back.shape == shape
        np.testing.assert_array_equal(back, masks)


def test_an_annotation_file_becomes_arrays_by_frame_and_person(tmp_path: Path) -> None:
    keypoints = [[float(j), float(j) + 0.5, 2] for j in range(NUM_KEYPOINTS)]
    ann = {
        "name": "A01_P001_T0001_C1", "width": 8, "height": 6, "fps": 15.0, "num_frames": 2,
        "label": 0, "subject": 1, "view": 1, "take": 1,
        "persons": [
            {"track_id": 1, "subject": 1, "label": 0, "label_name": "jump up", "role": "actor"},
            {"track_id": 2, "subject": 4, "label": -1, "label_name": "none", "role": "distractor"},
        ],
        "frames": [
            {"index": 0, "instances": [{"track_id": 2, "box": [1, 2, 3, 4], "keypoints": keypoints, "area": 4}]},
            {"index": 1, "instances": []},
        ],
    }  # fmt: skip
    (tmp_path / "annotations").mkdir()
    (tmp_path / annotation_file(ann["name"])).write_text(json.dumps(ann))
    masks = np.zeros((2, 2, 6, 8), bool)
    masks[0, 1, 2:4, 1:3] = True
    write_masks(tmp_path / masks_file(ann["name"]), masks)

    got = load_annotation(tmp_path, ann["name"])
    assert (got.name, got.label, got.subject, got.view, got.take) == ("A01_P001_T0001_C1", 0, 1, 1, 1)
    assert (got.width, got.height, got.fps, got.num_frames) == (8, 6, 15.0, 2)
    assert got.track_ids.tolist() == [1, 2] and got.person_labels.tolist() == [0, -1]
    assert got.roles == ["actor", "distractor"]
    assert got.present.tolist() == [[False, True], [False, False]]
    assert got.boxes.shape == (2, 2, 4) and got.boxes[0, 1].tolist() == [1, 2, 3, 4]
    assert np.isnan(got.boxes[~got.present]).all()
    assert got.keypoints.shape == (2, 2, NUM_KEYPOINTS, 3)
    assert got.keypoints[0, 1].tolist() == keypoints
    assert (got.keypoints[~got.present] == 0).all()
    np.testing.assert_array_equal(got.masks, masks)
