"""Drawing people with their track and action (Figure 6, `hiar demo`)."""

from __future__ import annotations

import pytest
import torch

from hiar_lib.detection.outputs import FrameInstances
from hiar_lib.viz import PALETTE, draw_people, track_color


def _people(boxes: list[list[float]], h: int = 60, w: int = 80) -> FrameInstances:
    n = len(boxes)
    masks = torch.zeros(n, h, w, dtype=torch.bool)
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        masks[i, int(y1) + 2 : int(y2) - 2, int(x1) + 2 : int(x2) - 2] = True
    return FrameInstances(
        boxes=torch.tensor(boxes, dtype=torch.float32), scores=torch.ones(n), masks=masks,
        keypoints=torch.zeros(n, 17, 3), keypoint_scores=torch.zeros(n, 17),
    )  # fmt: skip


def _tint(image: torch.Tensor, y: int, x: int) -> tuple[int, ...]:
    return tuple(int(v) for v in image[:, y, x])


def test_each_person_takes_their_tracks_colour_whatever_the_instance_order() -> None:
    black = torch.zeros(3, 60, 80, dtype=torch.uint8)
    a, b = [5.0, 20.0, 35.0, 58.0], [45.0, 20.0, 75.0, 58.0]
    one = draw_people(black, _people([a, b]), [3, 7], keypoints=False, boxes=False, mask_alpha=1.0)
    assert _tint(one, 40, 20) == track_color(3) == PALETTE[3] and _tint(one, 40, 60) == track_color(7)
    swapped = draw_people(black, _people([b, a]), [7, 3], keypoints=False, boxes=False, mask_alpha=1.0)
    assert torch.equal(one, swapped)  # the same people, listed the other way round: the same picture
    assert _tint(one, 5, 40) == (0, 0, 0)  # nobody there
    assert track_color(-1) == (128, 128, 128) and track_color(13) == PALETTE[3]


def test_the_label_names_the_track_and_its_action() -> None:
    grey = torch.full((3, 60, 80), 90, dtype=torch.uint8)
    people = _people([[5.0, 25.0, 35.0, 58.0]])
    plain = draw_people(grey, people, [2], keypoints=False, masks=False)
    labelled = draw_people(grey, people, [2], {2: ("hugging other person", 0.81)}, keypoints=False, masks=False)
    other = draw_people(grey, people, [2], {5: ("falling", 0.9)}, keypoints=False, masks=False)
    assert torch.equal(plain, other)  # an action for another track is not this person's
    assert not torch.equal(plain, labelled)
    changed = (plain != labelled).any(0).nonzero()
    assert changed[:, 0].min() >= 25 and changed[:, 0].max() < 25 + 15  # one line of text at the box's top
    with pytest.raises(ValueError, match="need a track id per instance: 1 instances, 2 ids"):
        draw_people(grey, people, [2, 3])


def test_enlarging_a_frame_scales_its_people_with_it() -> None:
    from hiar_lib.viz import enlarge

    frame = torch.zeros(3, 60, 80, dtype=torch.uint8)
    frame[:, 20:58, 5:35] = 200
    people = _people([[5.0, 20.0, 35.0, 58.0]])
    people.keypoints[0, :, :2] = torch.tensor([10.0, 30.0])
    big, scaled = enlarge(frame, people, 3)
    assert big.shape == (3, 180, 240) and big.dtype == torch.uint8
    assert scaled.boxes.tolist() == [[15.0, 60.0, 105.0, 174.0]] and scaled.masks.shape == (1, 180, 240)
    assert scaled.keypoints[0, 0].tolist() == [30.0, 90.0, 0.0]
    assert int(scaled.masks.sum()) == 9 * int(people.masks.sum())  # every mask pixel became 3 x 3
    assert int(big[0, 100, 60]) == 200 and int(big[0, 10, 200]) == 0
    assert enlarge(frame, people, 1)[0] is frame


def test_blend_masks_is_torchvisions_mask_drawing_pixel_for_pixel_overlaps_included() -> None:
    from torchvision.utils import draw_segmentation_masks

    from hiar_lib.viz import PALETTE, blend_masks

    g = torch.Generator().manual_seed(0)
    image = torch.randint(0, 256, (3, 40, 60), dtype=torch.uint8, generator=g)
    masks = torch.zeros((4, 40, 60), dtype=torch.bool)
    masks[0, 5:25, 5:30] = masks[1, 15:35, 20:50] = masks[2, 30:38, 40:58] = True  # 0 and 1, 1 and 2 overlap
    colors = list(PALETTE[:4])
    assert torch.equal(blend_masks(image, masks, colors, 0.45), draw_segmentation_masks(image, masks, alpha=0.45, colors=colors))
    assert torch.equal(blend_masks(image, masks[:0], colors), image)
