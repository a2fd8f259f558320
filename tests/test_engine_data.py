"""The engine's data layer on its own: clip settings, batches without instances, video metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from hiar_lib.engine import ClipSettings, EngineError, VideoInstances, collate_instances
from hiar_lib.engine.data import VideoMeta
from hiar_lib.pool_config import PoolerConfig


@pytest.mark.parametrize("clip_len", [0, -3, True, 2.0, "8"])
def test_clip_settings_refuse_a_clip_length_that_is_not_a_positive_integer(clip_len) -> None:
    with pytest.raises(EngineError, match=f"clip_len must be a positive integer, got {clip_len!r}"):
        ClipSettings(clip_len)


def test_clip_settings_take_a_pooler_as_a_dict_and_write_themselves_as_one() -> None:
    clip = ClipSettings(1, {"box": "basic", "levels": ["P3", "P4"], "output_size": 7})
    assert clip.clip_len == 1 and isinstance(clip.pooler, PoolerConfig)
    assert clip.pooler == PoolerConfig(box="basic", levels=("P3", "P4"), output_size=7)
    d = clip.to_dict()
    assert d["clip_len"] == 1 and d["pooler"]["levels"] == ["P3", "P4"] and d["pooler"]["box"] == "basic"
    assert set(d["pooler"]) == set(PoolerConfig.__dataclass_fields__)
    assert ClipSettings(**d) == clip  # a round trip through JSON-able values
    assert ClipSettings() == ClipSettings(8, PoolerConfig())  # T = 8 and the paper's pooler by default


def test_a_batch_of_videos_without_instances_keeps_every_video_and_no_row() -> None:
    # Test videos where no track was found: K = 0 each. They still count (as wrong).
    empty = [VideoInstances(n, lab, torch.zeros(0, 3, 4, 7, 7), torch.zeros(0, dtype=torch.int64), -1,
                            torch.zeros(0, dtype=torch.int64)) for n, lab in (("a", 2), ("b", 0))]  # fmt: skip
    batch = collate_instances(empty)
    assert batch.tubes.shape == (0, 3, 4, 7, 7) and batch.labels.shape == (0,) and batch.video_index.shape == (0,)
    assert batch.names == ["a", "b"] and batch.video_labels.tolist() == [2, 0] and batch.selected == [-1, -1]
    one = VideoInstances("c", 1, torch.ones(2, 3, 4, 7, 7), torch.tensor([1, 1]), 0, torch.tensor([5, 6]), 1)
    mixed = collate_instances([empty[0], one, empty[1]])
    assert mixed.video_index.tolist() == [1, 1] and mixed.labels.tolist() == [1, 1] and mixed.tubes.shape[0] == 2
    assert mixed.video_labels.tolist() == [2, 1, 0] and mixed.selected == [-1, 1, -1]


def test_a_video_has_a_track_or_an_actor_when_any_clip_or_phase_has_one() -> None:
    def meta(tracks, actors):
        return VideoMeta("v", 0, "train", Path("v.pt"), tracks, None, actors)

    assert meta((0, 2), (0, 0)).has_track and not meta((0, 2), (0, 0)).has_actor
    assert meta((0, 2), (0, 1)).has_actor and not meta((0, 0), (0, 0)).has_track
    assert not meta((), None).has_track and not meta((3,), None).has_actor  # no ground truth: no actor known
