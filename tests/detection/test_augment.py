"""hiar_lib.detection.augment: the training augmentations keep images and targets together."""

from __future__ import annotations

import pytest
import torch

from hiar_lib.detection.augment import hflip, zoom_stretch
from hiar_lib.vocabulary import KEYPOINT_FLIP_INDEX, KEYPOINT_NAMES


def test_horizontal_flip_mirrors_and_swaps_left_and_right_joints():
    w = 50
    image = torch.rand(3, 20, w)
    kp = torch.rand(2, 17, 3) * 20
    kp[..., 2] = 2
    target = {"boxes": torch.tensor([[3.0, 1.0, 10.0, 15.0], [20.0, 2.0, 49.0, 19.0]]), "keypoints": kp,
              "masks": torch.zeros(2, 20, w, dtype=torch.uint8), "labels": torch.ones(2, dtype=torch.int64)}  # fmt: skip
    target["masks"][0, 5, 3] = 1
    img2, t2 = hflip(image, target)
    assert torch.equal(img2[..., 0], image[..., -1])
    assert torch.equal(t2["boxes"][0], torch.tensor([40.0, 1.0, 47.0, 15.0]))
    ls, rs = KEYPOINT_NAMES.index("left_shoulder"), KEYPOINT_NAMES.index("right_shoulder")
    assert t2["keypoints"][0, ls, 0] == w - kp[0, rs, 0] and t2["keypoints"][0, ls, 1] == kp[0, rs, 1]
    assert t2["masks"][0, 5, w - 1 - 3] == 1
    assert KEYPOINT_FLIP_INDEX[KEYPOINT_FLIP_INDEX[ls]] == ls
    back_img, back = hflip(img2, t2)
    assert torch.equal(back_img, image) and torch.allclose(back["keypoints"], kp, atol=1e-4)


@pytest.mark.parametrize("seed", range(6))
def test_zoom_stretch_keeps_boxes_masks_and_keypoints_together(seed):
    h, w = 40, 60
    image = torch.rand(3, h, w)
    masks = torch.zeros(2, h, w, dtype=torch.uint8)
    masks[0, 10:30, 20:35] = 1
    masks[1, 0:12, 50:60] = 1  # at the corner: may leave the frame
    kp = torch.zeros(2, 17, 3)
    kp[0, :, 0] = torch.linspace(20.5, 34.5, 17)
    kp[0, :, 1] = torch.linspace(10.5, 29.5, 17)
    kp[1, :, 0], kp[1, :, 1] = 55.5, 5.5
    kp[..., 2] = 2
    target = {"boxes": torch.tensor([[20.0, 10.0, 35.0, 30.0], [50.0, 0.0, 60.0, 12.0]]), "labels": torch.ones(2, dtype=torch.int64),
              "keypoints": kp, "masks": masks}  # fmt: skip
    gen = torch.Generator().manual_seed(seed)
    img2, t2 = zoom_stretch(image, target, gen, scale=(0.7, 1.4), aspect=(0.7, 1.4))
    assert img2.shape == image.shape
    n = len(t2["boxes"])
    assert n >= 1 and t2["masks"].shape == (n, h, w) and t2["keypoints"].shape == (n, 17, 3)
    for i in range(n):
        m = t2["masks"][i].bool()
        ys, xs = torch.nonzero(m, as_tuple=True)
        assert t2["boxes"][i].tolist() == [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]
        for x, y, v in t2["keypoints"][i].tolist():
            inside = 0 <= x < w and 0 <= y < h
            assert (v > 0) == inside
            if inside:  # a joint drawn inside its mask stays inside it (up to a pixel of resampling)
                ys0, xs0 = int(y), int(x)
                assert m[max(ys0 - 1, 0) : ys0 + 2, max(xs0 - 1, 0) : xs0 + 2].any()
