"""The engine's data layer on its own: clip settings, batches without instances, video metadata."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from hiar_lib.crops import crop_window, window_starts, window_tracks
from hiar_lib.engine import ClipSettings, EngineError, TestTubes, TrainTubes, VideoInstances, collate_instances
from hiar_lib.engine.data import VideoMeta, check_protocol, read_cache_info, scan_cache, split_names
from hiar_lib.features import CacheError, CachedVideo, cached_video_path, open_cache, save_cached_video
from hiar_lib.person_labels import person_labels_from_iou
from hiar_lib.pool_config import PoolerConfig
from tests.test_engine import C, S, T, make_clip, toy_config


def edited_copy(cache: Path, to: Path, edits: dict[str, Callable[[dict], object]]) -> Path:
    """A copy of the feature cache ``cache`` at ``to`` in which each named video's payload
    was changed in place by its function (a crop payload: :mod:`hiar_lib.crops`)."""
    shutil.copytree(cache, to)
    for name, edit in edits.items():
        path = cached_video_path(to, name)
        payload = torch.load(path, weights_only=True)
        edit(payload)
        torch.save(payload, path)
    return to


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


def test_a_training_draw_on_a_crop_cache_passes_over_starts_whose_clip_holds_no_track(crops_cache: Path) -> None:
    # The detector found people in this video's first frames only: of its ten 4-frame clips
    # at stride 2, the first four hold a track. Every draw must land on one of those.
    name = "A02_P005_T0002_C1"
    clip = ClipSettings(4, PoolerConfig(output_size=7))
    data = TrainTubes(crops_cache, [name], seed=0, clip=clip)
    payload = torch.load(data.videos[0].path, weights_only=True)
    with_track = [s for s in window_starts(16, 4, 2).tolist() if window_tracks(payload, s, 4).numel()]
    assert 0 < len(with_track) < 10  # the case this test is about
    starts = set()
    for epoch in range(12):
        data.set_epoch(epoch)
        item = data[0]
        assert item.clip in with_track and item.tubes.shape[0] == window_tracks(payload, item.clip, 4).numel() > 0
        assert item.name == name and item.labels.dtype == torch.int64 and item.labels.tolist() == [1] * item.tubes.shape[0]
        starts.add(item.clip)
    assert len(starts) > 1


def test_actor_instances_of_a_crop_cache_keep_only_the_performers_pooled_tracks(oracle_cache: Path, crops_cache: Path) -> None:
    # The oracle cache's tracks are the benchmark's people: one actor and distractors per video.
    clip = ClipSettings(4, PoolerConfig(output_size=7))
    names = split_names(oracle_cache, "train", protocol="cs")
    every = TrainTubes(oracle_cache, names, seed=0, clip=clip)
    actors = TrainTubes(oracle_cache, names, seed=0, clip=clip, instances="actors")
    assert actors.skipped == [] and len(actors) == len(names)
    for epoch in range(3):
        every.set_epoch(epoch), actors.set_epoch(epoch)
        for i, meta in enumerate(actors.videos):
            a, e = actors[i], every[i]
            want = crop_window(torch.load(meta.path, weights_only=True), a.clip, 4, clip.pooler)
            keep = want["person_labels"] == meta.label
            assert int(keep.sum()) == 1 < want["tubes"].shape[0] == e.tubes.shape[0]  # one actor among the tracks
            assert torch.equal(a.tubes, want["tubes"][keep]) and torch.equal(a.track_ids, want["track_ids"][keep])
            assert a.labels.tolist() == [meta.label] and a.tubes.shape[1:] == actors.tube_shape
    # The untrained detector's tracks follow nobody: no video has an actor track to train on.
    with pytest.raises(EngineError, match="none of the 3 training videos has an actor track"):
        TrainTubes(crops_cache, split_names(crops_cache, "train", protocol="cs"), clip=clip, instances="actors")


def test_actor_draws_pass_over_clips_whose_tracks_are_all_distractors(oracle_cache: Path, tmp_path: Path) -> None:
    # One video of the oracle cache where the actor leaves after each phase's first two
    # rows: clips from frame 4 on hold only distractors, which "actors" never trains on.
    def actor_leaves(payload: dict) -> None:
        for ph in payload["phases"]:
            actor = person_labels_from_iou(ph["gt_iou"], ph["present"], payload["person_labels"]) == payload["label"]
            assert int(actor.sum()) == 1
            ph["present"][actor, 2:] = False
            ph["boxes"][actor, 2:] = float("nan")
            ph["scores"][actor, 2:] = float("nan")
            ph["gt_iou"][actor, 2:] = 0

    name = split_names(oracle_cache, "train", protocol="cs")[0]
    cache = edited_copy(oracle_cache, tmp_path / "cache", {name: actor_leaves})
    clip = ClipSettings(4, PoolerConfig(output_size=7))
    data = TrainTubes(cache, [name], seed=0, clip=clip, instances="actors")
    label = data.videos[0].label
    drawn = set()
    for epoch in range(12):
        data.set_epoch(epoch)
        item = data[0]
        assert item.clip in (0, 1, 2, 3) and item.tubes.shape[0] == 1 and item.labels.tolist() == [label]
        drawn.add(item.clip)
    assert len(drawn) > 1


def test_a_clip_too_long_for_the_video_that_misses_every_track_gives_an_empty_training_item(crops_cache: Path, tmp_path: Path) -> None:
    # A 16-frame clip at stride 2 spans 31 frames: longer than the 16-frame video, it has one
    # start (frame 0, phase 0). Here phase 0 holds no one present, phase 1 does.
    name = "A02_P005_T0002_C1"
    cache = edited_copy(crops_cache, tmp_path / "cache", {name: lambda p: p["phases"][0]["present"].fill_(False)})
    data = TrainTubes(cache, [name], clip=ClipSettings(16, PoolerConfig(output_size=7)))
    assert data.videos[0].tracks[0] > 0 and data.videos[0].has_track  # tracks in the phase, none present
    item = data[0]
    assert item.name == name and item.label == 1 and item.clip == -1
    assert item.tubes.shape == (0, data.videos[0].channels, 16, 7, 7) and item.tubes.dtype == torch.float32
    assert item.labels.shape == item.track_ids.shape == (0,) and item.labels.dtype == item.track_ids.dtype == torch.int64
    batch = collate_instances([item])
    assert batch.tubes.shape[0] == 0 and batch.names == [name]


def test_clips_pooled_from_one_start_with_two_poolers_are_pooled_twice(crops_cache: Path) -> None:
    # The process keeps pooled clips by (file, start, T, pooler): another pooler is another clip.
    names = split_names(crops_cache, "test", protocol="cs")
    outermost, basic = PoolerConfig(output_size=7), PoolerConfig(box="basic", output_size=7)
    a = TestTubes(crops_cache, names, rule="score", clip=ClipSettings(4, outermost))
    b = TestTubes(crops_cache, names, rule="score", clip=ClipSettings(4, basic))
    i = next(j for j, m in enumerate(a.videos) if m.name not in a.no_track)
    payload = torch.load(a.videos[i].path, weights_only=True)
    want_a, want_b = (crop_window(payload, 4, 4, p)["tubes"] for p in (outermost, basic))
    got_a, got_b = a[i], b[i]
    assert got_a.selected == got_b.selected and not torch.equal(want_a, want_b)
    assert torch.equal(got_a.tubes, want_a[got_a.selected : got_a.selected + 1])
    assert torch.equal(got_b.tubes, want_b[got_b.selected : got_b.selected + 1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="pinning host memory needs a CUDA device")
def test_a_pinned_batch_pins_its_tubes_and_labels() -> None:
    item = VideoInstances("v", 1, torch.ones(2, 3, 4, 7, 7), torch.tensor([1, 1]), 0, torch.tensor([5, 6]))
    batch = collate_instances([item]).pin_memory()
    assert batch.tubes.is_pinned() and batch.labels.is_pinned() and batch.names == ["v"]
    assert torch.equal(batch.tubes, item.tubes) and batch.labels.tolist() == [1, 1]


def test_the_metadata_of_a_crop_caches_videos_counts_tracks_and_actor_tracks_per_phase(
    oracle_cache: Path, crops_cache: Path, tmp_path: Path
) -> None:
    train, test = (split_names(oracle_cache, s, protocol="cs") for s in ("train", "test"))
    metas = scan_cache(oracle_cache)
    assert [m.name for m in metas] == sorted(train + test)
    for m in metas:
        payload = torch.load(m.path, weights_only=True)
        assert m.path == cached_video_path(oracle_cache, m.name) and m.kind == "crops" and m.tube_shape is None
        assert (m.label, m.split) == (payload["label"], "train" if m.name in train else "test")
        assert (m.num_frames, m.stride, m.channels) == (16, 2, payload["channels"])
        people = len(payload["person_labels"])  # the oracle's tracks: every person, in both phases
        assert m.tracks == (people, people) and m.actors == (1, 1)
    # The untrained detector's tracks overlap nobody: known to hold no actor (0), not unknown.
    assert {m.actors for m in scan_cache(crops_cache)} == {(0, 0)}
    # Without per-track ground truth (no person_labels, or no IoUs in a phase) actors are unknown.
    no_people, no_iou = train[0], train[1]
    edits = {no_people: lambda p: p.update(person_labels=None), no_iou: lambda p: p["phases"][1].update(gt_iou=None)}
    cache = edited_copy(oracle_cache, tmp_path / "cache", edits)
    metas = {m.name: m for m in scan_cache(cache)}
    assert metas[no_people].actors is None and metas[no_iou].actors is None and metas[train[2]].actors == (1, 1)
    assert metas[no_people].has_track and not metas[no_people].has_actor


def test_a_protocol_a_crop_cache_does_not_record_is_refused_with_those_it_does(crops_cache: Path) -> None:
    msg = (f"the feature cache at {crops_cache} (dataset 'synthetic') holds the splits of protocol(s) "
           "'cs', 'cv', 'v12_3', 'v31_2', 'v23_1', not 'v99_1'")  # fmt: skip
    with pytest.raises(EngineError, match=f"^{re.escape(msg)}$"):
        split_names(crops_cache, "train", protocol="v99_1")
    with pytest.raises(EngineError, match=f"^{re.escape(msg)}$"):
        check_protocol(crops_cache, "v99_1")
    # Names match as the dataset's index matches them: case and punctuation ignored, aliases too.
    assert split_names(crops_cache, "train", protocol="V12-3") == split_names(crops_cache, "train", protocol="v12_3")
    assert check_protocol(crops_cache, "CS").splits is not None


def test_test_videos_of_a_crop_cache_without_a_track_in_their_centred_clip_are_named(crops_cache: Path) -> None:
    names = split_names(crops_cache, "test", protocol="cs")
    data = TestTubes(crops_cache, names, clip=ClipSettings(4, PoolerConfig(output_size=7)))
    # 16 frames at stride 2: the centred 4-frame clip starts at frame 4.
    tracked = {m.name: window_tracks(torch.load(m.path, weights_only=True), 4, 4).numel() for m in data.videos}
    assert data.no_track == [n for n in names if not tracked[n]]
    assert 0 < len(data.no_track) < len(names)  # the untrained detector: some clips with a track, some without
    for i, m in enumerate(data.videos):
        item = data[i]
        assert (item.tubes.shape[0], item.selected >= 0) == ((1, True) if tracked[m.name] else (0, False))


def test_a_crop_cache_of_one_protocol_needs_none_named_and_one_of_several_must_be(crops_cache: Path, tmp_path: Path) -> None:
    every = "'cs', 'cv', 'v12_3', 'v31_2', 'v23_1'"
    msg = f"the feature cache at {crops_cache} holds the splits of protocols {every}: say which one (protocol=...)"
    with pytest.raises(EngineError, match=f"^{re.escape(msg)}$"):
        split_names(crops_cache, "train")
    cache = tmp_path / "cache"
    shutil.copytree(crops_cache, cache)
    record = json.loads((cache / "cache.json").read_text())
    train = sorted(record["splits"]["cs"]["train"])
    two = {"cs": {"train": train[::-1]}, "cv": record["splits"]["cv"]}  # cs: no test split recorded
    for splits, ok in ((two, False), ({"cs": two["cs"]}, True)):
        (cache / "cache.json").write_text(json.dumps({**record, "splits": splits}))
        if not ok:
            with pytest.raises(EngineError, match="holds the splits of protocols 'cs', 'cv': say which one"):
                split_names(cache, "train")
            continue
        assert split_names(cache, "train") == split_names(cache, "train", protocol="cs") == train  # sorted
        msg = f"the feature cache at {cache} has no 'test' video under protocol 'cs'"
        with pytest.raises(EngineError, match=f"^{re.escape(msg)}$"):
            split_names(cache, "test")


def test_a_crop_cache_read_without_clip_settings_or_mixing_channels_or_kinds_is_refused(crops_cache: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(crops_cache, cache)
    names, clip = split_names(cache, "train", protocol="cs"), ClipSettings(4, PoolerConfig(output_size=7))
    msg = (f"the feature cache at {cache} holds track crops: say which clips to pool from it "
           "(ClipSettings: T and the pooler; `hiar train` takes them from the profile)")  # fmt: skip
    with pytest.raises(EngineError, match=f"^{re.escape(msg)}$"):
        TrainTubes(cache, names)
    path = cached_video_path(cache, names[0])
    payload = torch.load(path, weights_only=True)
    c = payload["channels"]
    torch.save({**payload, "channels": c + 1}, path)
    with pytest.raises(CacheError, match=f"^{re.escape(f'the feature cache at {cache} mixes channel counts [{c}, {c + 1}]')}$"):
        TrainTubes(cache, names, clip=clip)
    torch.save(payload, path)
    assert TrainTubes(cache, names, clip=clip).tube_shape == (c, 4, 7, 7)
    save_cached_video(cache, CachedVideo("tubes", 0, "train", 8, [make_clip(torch.randn(1, C, T, S, S), [0.9], [10.0], [0])]))
    for mixed in (names + ["tubes"], ["tubes"] + names):
        with pytest.raises(CacheError, match=f"^{re.escape(f'the feature cache at {cache} mixes crops and tubes')}$"):
            TestTubes(cache, mixed, clip=clip)
    msg = (f"the feature cache at {cache} holds tubes pooled at extraction (T and the pooler fixed there); "
           "clip settings apply to a cache of track crops only")  # fmt: skip
    with pytest.raises(EngineError, match=f"^{re.escape(msg)}$"):
        TestTubes(cache, ["tubes"], clip=clip)


def test_two_cached_videos_of_one_size_and_modification_time_are_read_apart(tmp_path: Path) -> None:
    # Opened files are kept by path, size and modification time: the path tells these two apart.
    d = open_cache(tmp_path / "cache", toy_config())
    first, second = torch.full((1, C, T, S, S), 1.0), torch.full((1, C, T, S, S), 2.0)
    paths = [save_cached_video(d, CachedVideo(n, 0, "test", 8, [make_clip(t, [0.9], [10.0], [0])])) for n, t in (("a", first), ("b", second))]
    assert paths[0].stat().st_size == paths[1].stat().st_size
    for p in paths:
        os.utime(p, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    data = TestTubes(d, ["a", "b"])
    assert torch.equal(data[0].tubes, first) and torch.equal(data[1].tubes, second)


def test_cache_json_fields_of_another_type_read_as_not_recorded(tmp_path: Path) -> None:
    d = open_cache(tmp_path / "cache", toy_config())
    record = json.loads((d / "cache.json").read_text())
    for splits, timed in (({}, "3 videos"), ([["cs"]], 12.5)):
        (d / "cache.json").write_text(json.dumps({**record, "splits": splits, "extraction_time": timed}))
        info = read_cache_info(d)
        assert info.splits is None and info.extraction_time is None and info.protocol == "cs"
    splits, timed = {"cs": {"train": ["a"], "test": ["b"]}}, {"videos": 2, "seconds": 1.5}
    (d / "cache.json").write_text(json.dumps({**record, "splits": splits, "extraction_time": timed}))
    info = read_cache_info(d)
    assert info.splits == splits and info.extraction_time == timed and split_names(d, "test") == ["b"]
