"""hiar_lib.detection.dataset: a synthetic benchmark split as detection targets."""

from __future__ import annotations

import pytest
import torch

from hiar_lib.detection.dataset import SyntheticDetectionFrames
from hiar_lib.data.synthetic import index_synthetic


def test_synthetic_frames_match_the_benchmark_annotations(synthetic_tiny):
    data = SyntheticDetectionFrames(synthetic_tiny, "train", frame_stride=8, max_clips=2)
    image, target = data[0]
    assert image.dtype == torch.uint8 and image.shape[0] == 3
    n = len(target["boxes"])
    assert n >= 1 and target["masks"].shape == (n, *image.shape[-2:])
    assert target["keypoints"].shape == (n, 17, 3)
    # a box is the extent of its mask (x2, y2 exclusive)
    m = target["masks"][0].bool()
    ys, xs = torch.nonzero(m, as_tuple=True)
    assert target["boxes"][0].tolist() == [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]
    assert target["area"][0] == m.sum()


@pytest.mark.parametrize("protocol", ["cs", "cv"])
def test_detector_trains_and_tests_on_the_protocols_disjoint_splits(synthetic_tiny, protocol):
    split = index_synthetic(synthetic_tiny).split(protocol)
    seen = {}
    for part in ("train", "test"):
        data = SyntheticDetectionFrames(synthetic_tiny, part, protocol, frame_stride=16)
        seen[part] = set(data.names)
        assert seen[part] == {s.name for s in split[part]}
    assert seen["train"] and seen["test"] and not seen["train"] & seen["test"]
