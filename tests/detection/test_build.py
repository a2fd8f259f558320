"""hiar_lib.detection.build: the presets' architectures."""

from __future__ import annotations

import pytest
import torch

from hiar_lib.detection.build import build_detector
from hiar_lib.detection.inference import detect_frames
from hiar_lib.vocabulary import FPN_STRIDES
from tests.detection.conftest import SMALL


def test_unknown_preset_is_rejected():
    with pytest.raises(ValueError, match="unknown detector preset"):
        build_detector("detectron")  # type: ignore[arg-type]


def test_paper_preset_pyramid_has_256_channels_and_strides_4_to_32(real_frames):
    # At most 4 people: the keypoint and mask heads (8 and 4 convs of 512/256 channels on
    # 14x14 per person) would otherwise run on 100 boxes, minutes under CPU bfloat16.
    model = build_detector("paper", random_init=True, score_thresh=0.0, detections_per_img=4, **SMALL)
    dets = detect_frames(model, real_frames[:1], amp=True)
    feats = dets.features
    assert feats.channels == 256
    assert feats.strides == {"0": 4, "1": 8, "2": 16, "3": 32}
    assert feats.maps["0"].dtype == torch.bfloat16  # autocast on CPU
    assert dets[0].boxes.dtype == torch.float32
    for k, s in FPN_STRIDES.items():
        assert feats.level(k).shape[-1] * s == feats.padded_size[1]
    assert feats.level("P3") is feats.maps["1"] and feats.level(5) is feats.maps["3"]


def test_untrained_weights_are_the_same_every_run_and_leave_the_global_random_state_alone():
    def weights(model):
        return {k: v.clone() for k, v in model.state_dict().items()}

    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    a = weights(build_detector("synthetic", random_init=True))
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.manual_seed(7)  # another global state: the same weights
    b = weights(build_detector("synthetic", random_init=True))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    c = weights(build_detector("synthetic", random_init=True, seed=1))
    assert any(not torch.equal(a[k], c[k]) for k in a if a[k].is_floating_point())
    # seed=None draws from the global state, as the detector's own training does after seeding it.
    torch.manual_seed(5)
    d = weights(build_detector("synthetic", random_init=True, seed=None))
    torch.manual_seed(5)
    e = weights(build_detector("synthetic", random_init=True, seed=None))
    assert all(torch.equal(d[k], e[k]) for k in d) and any(not torch.equal(a[k], d[k]) for k in a if a[k].is_floating_point())
