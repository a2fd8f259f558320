"""A profile's extraction settings with changes, as `hiar extract` and notebooks ask for them."""

from __future__ import annotations

import pytest

from hiar_lib.errors import HiarError
from hiar_lib.experiments.extraction import extraction_settings
from hiar_lib.profiles import get_profile


def test_changes_reach_the_settings_and_the_pooler_by_cache_kind() -> None:
    quick = get_profile("quick").extraction
    assert extraction_settings("quick") == quick and quick.kind == "crops"
    crops = extraction_settings("quick", stride=3, levels=["P2", "P3"], tracker="paper", score_thresh=None)
    assert (crops.stride, crops.levels, crops.tracker) == (3, ("P2", "P3"), "paper")
    assert crops.pooler == quick.pooler and crops.score_thresh == quick.score_thresh  # None: unchanged
    # For tubes the levels are the pooler's (pooled now), and the tube settings apply.
    tubes = extraction_settings("quick", kind="tubes", levels=["P4"], output_size=7, box="basic", clip_len=16)
    assert (tubes.pooler.levels, tubes.pooler.output_size, tubes.pooler.box, tubes.clip_len) == (("P4",), 7, "basic", 16)
    assert tubes.levels == quick.levels
    assert extraction_settings("paper").kind == "tubes"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"output_size": 7}, "output_size: settings of the tubes of a 'tubes' cache; a 'crops' cache keeps every choice open"),
        ({"box": "basic", "clip_len": 4}, "box, clip_len: settings of the tubes"),
        ({"frames": 3}, "unknown extraction setting"),
        ({"kind": "tubes", "output_size": 0}, "output_size"),
        ({"kind": "tubes", "combine": "median"}, "combine"),
    ],
)
def test_settings_a_cache_cannot_take_are_refused_in_one_line(changes, message) -> None:
    with pytest.raises(HiarError, match=message):
        extraction_settings("quick", **changes)
