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


def test_a_crops_cache_takes_the_same_videos_whichever_protocol_asks(synthetic_tiny) -> None:
    """One cache serves every protocol, so each extraction into it must pick the same
    videos and record the same splits (a limited one: the first protocol's first N)."""
    from hiar_lib.data.datasets import index_dataset
    from hiar_lib.experiments.extraction import _every_protocol

    index = index_dataset("synthetic", synthetic_tiny, probe=False, progress=False)
    for limit in (3, None):
        made = [_every_protocol(index, p, limit) for p in ("cs", "cv", "v12_3")]
        names = [sorted(s.name for v in union.values() for s in v) for union, _ in made]
        assert names[0] == names[1] == names[2] and made[0][1] == made[1][1] == made[2][1], limit
    assert len(names[0]) == len(index.samples)  # no limit: every video
    union, recorded = _every_protocol(index, "v12_3", 3)
    assert sorted(recorded["cs"]["train"]) == sorted(s.name for s in index.split("cs")["train"][:3])
