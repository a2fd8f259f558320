"""The engine: TAHNet heads trained and evaluated on a small, real feature cache.

The cache is written with the library's own ``open_cache`` / ``save_cached_video``:
3 classes whose tubes (C=8, T=4, S=7) carry a class-dependent pattern plus noise,
1-3 tracks per video (the actor, sometimes a second actor, sometimes a noise-only
distractor), a test video without any track.
"""

from __future__ import annotations

import dataclasses
import fractions
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hiar_lib.ports import free_port
from hiar_lib.cli import main
from hiar_lib.crops import crop_window
from hiar_lib.engine import (
    ClipSettings,
    EngineError,
    TestTubes,
    TrainConfig,
    TrainStep,
    TrainTubes,
    VideoInstances,
    build_head,
    cache_classes,
    check_protocol,
    collate_instances,
    evaluate_head,
    load_checkpoint,
    majority_baseline,
    read_cache_info,
    scan_cache,
    split_names,
    summarize_runs,
    train_head,
)
from hiar_lib.errors import HiarError
from hiar_lib.pool_config import PoolerConfig
from hiar_lib.experiments.heads import train_heads
from hiar_lib.experiments.records import read_record
from hiar_lib.features import (
    FORMAT_VERSION,
    CacheError,
    CachedClip,
    CachedVideo,
    ExtractionConfig,
    open_cache,
    save_cached_video,
)

REPO = Path(__file__).resolve().parents[1]
C, T, S = 8, 4, 7
NUM_CLASSES = 3
HEAD = dict(head="Conv3Dx1+GAP+FC", head_options={"dim_conv": 8, "dim_fc": 16})


def toy_config(protocol: str = "cs") -> ExtractionConfig:
    return ExtractionConfig(dataset="synthetic", data_root="/nonexistent/toy", protocol=protocol, detector="toy:none")


def make_clip(tubes: torch.Tensor, scores: list[float], areas: list[float], person: list[int] | None, start: int = 0) -> CachedClip:
    k = tubes.shape[0]
    return CachedClip(
        start=start,
        frame_indices=torch.arange(start, start + T, dtype=torch.int64),
        tubes=tubes.to(torch.float16),
        track_ids=torch.arange(k, dtype=torch.int64),
        present=torch.ones(k, T, dtype=torch.bool),
        boxes=torch.zeros(k, T, 4),
        scores=torch.tensor(scores, dtype=torch.float32),
        areas=torch.tensor(areas, dtype=torch.float32),
        person_labels=torch.tensor(person, dtype=torch.int64) if person is not None else None,
    )


def build_toy_cache(
    cache: Path, train_per_class: tuple[int, ...] = (10, 8, 6), test_per_class: int = 4, classes: int = NUM_CLASSES, seed: int = 0
) -> Path:
    """A cache of separable toy tubes: class k adds a fixed random sign per channel (a (C, 1, 1, 1) pattern) to noise."""
    g = torch.Generator().manual_seed(seed)
    patterns = torch.sign(torch.randn(classes, C, 1, 1, 1, generator=g))
    d = open_cache(cache, toy_config())

    def tube(label: int | None) -> torch.Tensor:
        noise = 0.5 * torch.randn(C, T, S, S, generator=g)
        return noise if label is None else patterns[label] + noise

    def video(name: str, label: int, split: str, n: int) -> CachedVideo:
        tracks, scores, areas, person = [tube(label)], [0.95], [900.0], [label]
        if n % 3 == 1:  # a second actor (mutual action)
            tracks.append(tube(label)), scores.append(0.8), areas.append(700.0), person.append(label)
        if n % 2 == 1:  # a distractor: noise only, smaller and less confident
            tracks.append(tube(None)), scores.append(0.6), areas.append(300.0), person.append(-1)
        clips = [make_clip(torch.stack(tracks), scores, areas, person, start=4 * j) for j in range(2 if split == "train" else 1)]
        return CachedVideo(name=name, label=label, split=split, num_frames=16, clips=clips)

    for label in range(classes):
        for n in range(train_per_class[label]):
            save_cached_video(d, video(f"train_c{label}_{n:02d}", label, "train", n))
        for n in range(test_per_class):
            save_cached_video(d, video(f"test_c{label}_{n:02d}", label, "test", n))
    # A test video in which the detector found nobody.
    empty = make_clip(torch.zeros(0, C, T, S, S), [], [], [])
    save_cached_video(d, CachedVideo(name="test_empty", label=0, split="test", num_frames=16, clips=[empty]))
    return d


@pytest.fixture(scope="module")
def toy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_toy_cache(tmp_path_factory.mktemp("engine") / "cache")


def config(**kw) -> TrainConfig:
    base = dict(**HEAD, num_classes=NUM_CLASSES, lr=0.05, batch_size=4, iterations=40, checkpoint_every=20, log_every=5)
    return TrainConfig(**{**base, **kw})


# ------------------------------------------------------------------------ data


def test_training_items_carry_every_track_with_the_video_label(toy_cache: Path) -> None:
    names = split_names(toy_cache, "train")
    ds = TrainTubes(toy_cache, names, seed=0)
    assert len(ds) == 24 and not ds.skipped
    # A video without any track is left out of training, and said so.
    with_empty = TrainTubes(toy_cache, [*names, "test_empty"], seed=0)
    assert len(with_empty) == 24 and with_empty.skipped == ["test_empty"]
    items = [ds[i] for i in range(4)]
    batch = collate_instances(items)
    ks = [it.tubes.shape[0] for it in items]
    assert batch.tubes.shape == (sum(ks), C, T, S, S) and batch.tubes.dtype == torch.float32
    assert batch.video_index.tolist() == [v for v, k in enumerate(ks) for _ in range(k)]
    assert torch.equal(batch.labels, batch.video_labels[batch.video_index])

    # The clip drawn depends on (seed, epoch, name) only.
    def clips_drawn(dataset: TrainTubes, epoch: int) -> list[int]:
        dataset.set_epoch(epoch)
        return [dataset[i].clip for i in range(len(dataset))]

    epoch0, epoch1 = clips_drawn(ds, 0), clips_drawn(ds, 1)
    assert epoch0 != epoch1
    assert clips_drawn(TrainTubes(toy_cache, names, seed=0), 0) == epoch0
    # A new dataset draws with seed 0 at epoch 0 unless told otherwise.
    fresh = TrainTubes(toy_cache, names)
    assert [fresh[i].clip for i in range(len(fresh))] == epoch0


def test_actor_instances_keep_only_the_performers_tracks(toy_cache: Path, tmp_path: Path) -> None:
    names = split_names(toy_cache, "train")
    every, actors = TrainTubes(toy_cache, names, seed=0), TrainTubes(toy_cache, names, seed=0, instances="actors")
    assert len(every) == len(actors) == 24
    for i in range(len(every)):
        a, e = actors[i], every[i]
        # Toy videos: the actor (track 0), a second actor when n % 3 == 1, a distractor when n is odd.
        n = int(a.name[-2:])
        assert a.clip == e.clip and a.tubes.shape[0] == 1 + (n % 3 == 1)
        assert e.tubes.shape[0] == a.tubes.shape[0] + (n % 2 == 1)
        assert torch.equal(a.tubes, e.tubes[: a.tubes.shape[0]]) and (a.labels == a.label).all()
    # A cache without per-track ground truth cannot tell actors apart: a clear error.
    blind = open_cache(tmp_path / "blind", toy_config())
    save_cached_video(blind, CachedVideo("a", 0, "train", 8, [make_clip(torch.randn(2, C, T, S, S), [0.9, 0.8], [10.0, 9.0], None)]))
    assert len(TrainTubes(blind, ["a"])) == 1
    with pytest.raises(EngineError, match="per-track ground truth"):
        TrainTubes(blind, ["a"], instances="actors")
    # A video whose only tracks are distractors is skipped, and said so.
    save_cached_video(blind, CachedVideo("b", 1, "train", 8, [make_clip(torch.randn(1, C, T, S, S), [0.9], [10.0], [-1])]))
    save_cached_video(blind, CachedVideo("c", 1, "train", 8, [make_clip(torch.randn(1, C, T, S, S), [0.9], [10.0], [1])]))
    only = TrainTubes(blind, ["b", "c"], instances="actors")
    assert [m.name for m in only.videos] == ["c"] and only.skipped == ["b"]
    with pytest.raises(EngineError, match=re.escape(f"none of the 1 training videos has an actor track in the feature cache at {blind}")):
        TrainTubes(blind, ["b"], instances="actors")
    with pytest.raises(EngineError, match="'all'"):
        TrainTubes(toy_cache, names, instances="everyone")  # type: ignore[arg-type]
    with pytest.raises(EngineError, match="instances"):
        TrainConfig(instances="everyone")  # type: ignore[arg-type]


def test_test_instance_rule_score_and_area_pick_different_tracks(tmp_path: Path) -> None:
    d = open_cache(tmp_path / "cache", toy_config())
    tubes = torch.randn(2, C, T, S, S)
    # Track 0: confident but small (a bystander close to the detector's liking); track 1: the large actor.
    clip = make_clip(tubes, scores=[0.97, 0.71], areas=[150.0, 4200.0], person=[-1, 2])
    save_cached_video(d, CachedVideo(name="v", label=2, split="test", num_frames=8, clips=[clip]))
    by_score = TestTubes(d, ["v"], rule="score")[0]
    by_area = TestTubes(d, ["v"], rule="area")[0]
    assert (by_score.selected, by_area.selected) == (0, 1)
    assert torch.allclose(by_area.tubes, tubes[1:2].half().float())
    assert by_area.person_labels.tolist() == [-1, 2]
    with pytest.raises(EngineError, match="rule"):
        TestTubes(d, ["v"], rule="biggest")


def test_a_test_video_without_a_track_or_a_clip_gives_an_empty_item_that_keeps_its_place(tmp_path: Path) -> None:
    d = open_cache(tmp_path / "cache", toy_config())
    tubes = torch.randn(2, C, T, S, S)
    # Row 0 is the more confident track, row 1 the larger one: the default rule is "score".
    save_cached_video(d, CachedVideo("tracked", 1, "test", 8, [make_clip(tubes, [0.9, 0.6], [10.0, 20.0], [1, -1])]))
    save_cached_video(d, CachedVideo("trackless", 2, "test", 8, [make_clip(torch.zeros(0, C, T, S, S), [], [], [])]))
    save_cached_video(d, CachedVideo("clipless", 0, "test", 8, []))  # a cached video may hold no clip at all
    ds = TestTubes(d, ["trackless", "tracked", "clipless"])
    assert ds.cache_dir == d and ds.tube_shape == (C, T, S, S) and ds.no_track == ["trackless", "clipless"]
    trackless, tracked, clipless = ds[0], ds[1], ds[2]
    assert (tracked.selected, tracked.clip, tracked.track_ids.tolist()) == (0, 0, [0])
    assert torch.equal(tracked.tubes, tubes[:1].half().float())
    # No track: no instance, in the cache's tube shape; the clip read (0) or none (-1), no track selected.
    for item, name, label, clip in ((trackless, "trackless", 2, 0), (clipless, "clipless", 0, -1)):
        assert (item.name, item.label, item.clip, item.selected) == (name, label, clip, -1)
        assert item.tubes.shape == (0, C, T, S, S) and item.tubes.dtype == torch.float32
        assert item.labels.shape == item.track_ids.shape == (0,)
        assert item.labels.dtype == item.track_ids.dtype == torch.int64
    # The clip's per-track ground truth is passed on (here: no track, so empty); no clip, none.
    assert trackless.person_labels.tolist() == [] and clipless.person_labels is None
    # Per person: the actor of the tracked video; nobody in the other two.
    assert torch.equal(ds.actor_tubes(1), tubes[:1].half().float())
    assert ds.actor_tubes(0).shape == ds.actor_tubes(2).shape == (0, C, T, S, S)
    # In a batch they add no row but keep their place, so evaluation counts them as wrong.
    batch = collate_instances([trackless, tracked, clipless])
    assert batch.tubes.shape == (1, C, T, S, S) and batch.video_index.tolist() == [1] and batch.labels.tolist() == [1]
    assert batch.names == ["trackless", "tracked", "clipless"] and batch.video_labels.tolist() == [2, 1, 0]
    assert batch.selected == [-1, 0, -1] and [p if p is None else p.tolist() for p in batch.person_labels] == [[], [1, -1], None]
    assert collate_instances([clipless]).tubes.shape == (0, C, T, S, S)
    # When no video has a track, no tube shape is known: empty items are (0, 0, 0, 0, 0).
    none = TestTubes(d, ["trackless", "clipless"])
    assert none.tube_shape is None and none.no_track == ["trackless", "clipless"]
    for i in range(2):
        assert none[i].tubes.shape == none.actor_tubes(i).shape == (0, 0, 0, 0, 0)
    assert collate_instances([none[0], none[1]]).tubes.shape == collate_instances([none[1]]).tubes.shape == (0, 0, 0, 0, 0)


def test_a_test_cache_without_per_track_ground_truth_gives_no_person_labels_and_no_actor_tubes(tmp_path: Path) -> None:
    blind = open_cache(tmp_path / "blind", toy_config())
    tubes = torch.randn(2, C, T, S, S)
    save_cached_video(blind, CachedVideo("a", 0, "test", 8, [make_clip(tubes, [0.6, 0.9], [30.0, 10.0], None)]))
    ds = TestTubes(blind, ["a"])
    item = ds[0]
    assert (item.selected, item.track_ids.tolist(), item.person_labels) == (1, [1], None)
    assert torch.equal(item.tubes, tubes[1:].half().float())
    assert ds.actor_tubes(0) is None


def test_both_datasets_refuse_a_cache_that_mixes_tube_shapes_and_name_it(tmp_path: Path) -> None:
    d = open_cache(tmp_path / "mixed", toy_config())
    for name, size in (("a", S), ("b", 5)):
        save_cached_video(d, CachedVideo(name, 0, "train", 8, [make_clip(torch.randn(1, C, T, size, size), [0.9], [10.0], [0])]))
    shapes = f"[({C}, {T}, 5, 5), ({C}, {T}, {S}, {S})]"
    message = re.escape(f"the feature cache at {d} mixes tube shapes {shapes}; one cache must hold one shape")
    with pytest.raises(CacheError, match=message):
        TestTubes(d, ["a", "b"])
    with pytest.raises(CacheError, match=message):
        TrainTubes(d, ["a", "b"])


def test_cache_scans_show_a_labelled_progress_bar_only_when_asked(toy_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["train_c0_00"]
    scans = {
        "scan_cache": lambda **kw: scan_cache(toy_cache, names, **kw),
        "split_names": lambda **kw: split_names(toy_cache, "test", **kw),
        "TrainTubes": lambda **kw: TrainTubes(toy_cache, names, **kw),
        "TestTubes": lambda **kw: TestTubes(toy_cache, names, **kw),
    }
    for what, scan in scans.items():
        scan()
        assert capsys.readouterr().err == "", what
        scan(progress=True)
        err = capsys.readouterr().err
        assert "scan cache: 100%" in err and ("video/s" in err or "s/video" in err), (what, err)


def test_read_cache_info_reports_what_cache_json_records(toy_cache: Path, tmp_path: Path) -> None:
    info = read_cache_info(toy_cache)
    assert (info.path, info.key, info.dataset, info.protocol, info.classes) == (toy_cache, toy_config().key(), "synthetic", "cs", None)
    assert info.extraction_time is None  # written by open_cache, not by an extraction
    assert info.config == json.loads(json.dumps(toy_config().to_dict()))
    assert read_cache_info(open_cache(tmp_path / "named", toy_config(), classes=["wave", "jump"])).classes == ["wave", "jump"]


def test_cache_classes_of_caches_made_before_classes_were_recorded(tmp_path: Path) -> None:
    from hiar_lib.data.labels import NTU60_CLASSES, NUCLA_CLASSES
    from hiar_lib.synth.benchmark import generate_benchmark
    from hiar_lib.synth.config import SynthConfig, with_overrides

    bench = tmp_path / "bench"  # a real synthetic benchmark, as small as it gets (one 2-frame clip)
    one_clip = with_overrides(
        SynthConfig(), profile="mini", takes_per_class=1, num_frames=2, width=32, height=32, views=(1,), classes=(0,)
    )
    manifest = generate_benchmark(bench, one_clip, seed=0, workers=1, progress=False)

    def cache(name: str, dataset: str, data_root: Path | str, protocol: str = "cs", classes: list[str] | None = None) -> Path:
        config = ExtractionConfig(dataset=dataset, data_root=str(data_root), protocol=protocol, detector="toy:none")
        return open_cache(tmp_path / name, config, classes=classes)

    assert cache_classes(cache("ntu", "ntu60", "/nonexistent/ntu")) == list(NTU60_CLASSES)
    assert cache_classes(cache("nucla", "nucla", "/nonexistent/nucla", "v12_3")) == list(NUCLA_CLASSES)
    assert cache_classes(cache("synthetic", "synthetic", bench)) == manifest["classes"]
    # The benchmark's folder gone, or a dataset without a fixed class list: unknown.
    assert cache_classes(cache("moved", "synthetic", tmp_path / "gone")) is None
    assert cache_classes(cache("generic", "generic", tmp_path / "labels.csv", "default")) is None
    # Only a synthetic cache reads a manifest: another dataset's folder holding a benchmark gives None.
    assert cache_classes(cache("generic-bench", "generic", bench, "default")) is None
    # Recorded names win.
    assert cache_classes(cache("recorded", "ntu60", "/nonexistent/ntu", classes=["a", "b"])) == ["a", "b"]


def test_unreadable_or_foreign_cache_files_give_clear_cache_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    meta = bad / "cache.json"
    meta.write_text("{not json")
    with pytest.raises(CacheError, match=re.escape(f"unreadable cache settings {meta}: ")):
        read_cache_info(bad)
    for record in ([FORMAT_VERSION], {"format": FORMAT_VERSION + 1, "config": toy_config().to_dict()}):
        meta.write_text(json.dumps(record))
        with pytest.raises(CacheError, match=re.escape(f"{meta} is not a hiar feature cache of format {FORMAT_VERSION}")):
            read_cache_info(bad)

    d = open_cache(tmp_path / "cache", toy_config())
    good = save_cached_video(d, CachedVideo("good", 0, "test", 8, [make_clip(torch.randn(1, C, T, S, S), [0.9], [10.0], [0])]))
    # A hidden file (a copy's leftover such as macOS's "._good.pt") is not a cached video.
    (d / "._good.pt").write_bytes(b"\x00\x05\x16\x07")
    assert [m.name for m in scan_cache(d)] == ["good"] and split_names(d, "test") == ["good"]
    ds = TestTubes(d, ["good"])
    payload = torch.load(good, weights_only=True)
    path = d / "x.pt"  # where the video "x" is cached
    path.write_bytes(good.read_bytes()[:200])
    with pytest.raises(CacheError, match=re.escape(f"unreadable cached video {path}: ")):
        TestTubes(d, ["x"])
    # Only tensors and plain values are unpickled: a file holding any other object is refused, not loaded.
    torch.save({**payload, "name": "x", "extra": fractions.Fraction(1, 3)}, path)
    with pytest.raises(CacheError, match=re.escape(f"unreadable cached video {path}: ")):
        TestTubes(d, ["x"])
    for foreign in (torch.zeros(3), {**payload, "name": "x", "format": FORMAT_VERSION + 1}):
        torch.save(foreign, path)
        with pytest.raises(CacheError, match=re.escape(f"{path} is not a hiar feature cache file (format {FORMAT_VERSION})")):
            TestTubes(d, ["x"])
    # A video removed from the cache after the dataset was made.
    good.unlink()
    with pytest.raises(CacheError, match=re.escape(f"cached video not found: {good}")):
        ds[0]


def test_videos_missing_from_the_cache_are_named_five_at_most(toy_cache: Path) -> None:
    for n, shown in ((5, "'m0', 'm1', 'm2', 'm3', 'm4'"), (6, "'m0', 'm1', 'm2', 'm3', 'm4' ...")):
        with pytest.raises(CacheError) as e:
            scan_cache(toy_cache, ["test_empty", *(f"m{i}" for i in range(n))])
        assert str(e.value) == f"{n} video(s) asked for are not in the feature cache {toy_cache}: {shown}"


def test_training_clips_are_drawn_among_clips_with_a_track_or_with_an_actor_track(tmp_path: Path) -> None:
    d = open_cache(tmp_path / "cache", toy_config())
    clips = [
        make_clip(torch.randn(1, C, T, S, S), [0.9], [10.0], [-1], start=0),  # a distractor only
        make_clip(torch.randn(2, C, T, S, S), [0.9, 0.5], [10.0, 5.0], [-1, 1], start=4),  # a distractor and the actor
        make_clip(torch.zeros(0, C, T, S, S), [], [], [], start=8),  # nobody
    ]
    for clip, first_id in zip(clips, (5, 7, 0)):
        clip.track_ids += first_id
    save_cached_video(d, CachedVideo("v", 1, "train", 16, clips))
    every, actors = TrainTubes(d, ["v"]), TrainTubes(d, ["v"], instances="actors")
    assert every.cache_dir == actors.cache_dir == d
    drawn: dict[str, set[int]] = {"all": set(), "actors": set()}
    for epoch in range(12):
        every.set_epoch(epoch), actors.set_epoch(epoch)
        e, a = every[0], actors[0]
        drawn["all"].add(e.clip), drawn["actors"].add(a.clip)
        assert torch.equal(e.track_ids, clips[e.clip].track_ids) and e.labels.tolist() == [1] * e.tubes.shape[0]
        assert (a.clip, a.track_ids.tolist(), a.labels.tolist()) == (1, [8], [1])
        assert torch.equal(a.tubes, clips[1].tubes[1:].float())
    assert drawn == {"all": {0, 1}, "actors": {1}}


def test_training_on_a_crop_cache_draws_a_fresh_clip_of_a_video_each_epoch(crops_cache: Path) -> None:
    clip = ClipSettings(4, PoolerConfig(output_size=7))
    data = TrainTubes(crops_cache, split_names(crops_cache, "train", protocol="cs"), seed=0, clip=clip)
    assert data.tube_shape == (data.videos[0].channels, 4, 7, 7)
    meta = data.videos[0]
    payload = torch.load(meta.path, weights_only=True)
    starts = set()
    for epoch in range(10):
        data.set_epoch(epoch)
        item = data[0]
        starts.add(item.clip)
        want = crop_window(payload, item.clip, 4, clip.pooler)
        assert torch.equal(item.tubes, want["tubes"]) and torch.equal(item.track_ids, want["track_ids"])
        assert item.tubes.shape[0] > 0 and item.labels.tolist() == [meta.label] * item.tubes.shape[0]
    assert len(starts) >= 3  # 16 frames at stride 2: 10 starts of a 4-frame clip
    data.set_epoch(3)
    again = data[0]
    data.set_epoch(3)
    assert again.clip == data[0].clip  # one draw per (seed, epoch, video): the same on every rank and rerun
    other = TrainTubes(crops_cache, split_names(crops_cache, "train", protocol="cs"), seed=1, clip=clip)
    assert [(other.set_epoch(e), other[0].clip)[1] for e in range(10)] != [(data.set_epoch(e), data[0].clip)[1] for e in range(10)]


def test_testing_on_a_crop_cache_pools_the_centred_clip(crops_cache: Path) -> None:
    clip = ClipSettings(4, PoolerConfig(box="basic", levels=("P3",), output_size=7))
    data = TestTubes(crops_cache, split_names(crops_cache, "test", protocol="cs"), rule="area", clip=clip)
    for i, meta in enumerate(data.videos):
        item = data[i]
        centred = crop_window(torch.load(meta.path, weights_only=True), 4, 4, clip.pooler)  # start (16 - 7) // 2
        if not centred["tubes"].shape[0]:
            assert meta.name in data.no_track and item.tubes.shape[0] == 0
            continue
        row = int(torch.nan_to_num(centred["areas"], nan=-1).argmax())
        assert item.selected == row and torch.equal(item.tubes, centred["tubes"][row : row + 1])
    with pytest.raises(EngineError, match="holds track crops: say which clips"):
        TestTubes(crops_cache, split_names(crops_cache, "test", protocol="cs"))
    with pytest.raises(EngineError, match="clip settings apply to a cache of track crops only"):
        TrainTubes(toy_cache_dir_of(crops_cache), ["v"], clip=clip)


def toy_cache_dir_of(crops_cache: Path) -> Path:
    """A one-video cache of tubes beside ``crops_cache``."""
    d = open_cache(crops_cache.parent / "tubes", toy_config())
    save_cached_video(d, CachedVideo("v", 1, "train", 16, [make_clip(torch.randn(1, C, T, S, S), [0.9], [10.0], [1])]))
    return d


def test_collate_gives_int64_labels_and_refuses_an_empty_batch() -> None:
    item = VideoInstances("v", 2, torch.zeros(2, C, T, S, S), torch.tensor([2, 2], dtype=torch.int32), 0, torch.arange(2))
    batch = collate_instances([item])
    assert batch.labels.dtype == torch.int64 and batch.labels.tolist() == [2, 2]
    with pytest.raises(EngineError, match="^cannot collate an empty batch$"):
        collate_instances([])


def test_a_batch_moved_to_a_device_moves_tubes_and_labels_and_keeps_the_rest(toy_cache: Path) -> None:
    ds = TestTubes(toy_cache, ["test_c0_00", "test_empty", "test_c1_01"])
    batch = collate_instances([ds[i] for i in range(3)])
    moved = batch.to("meta")  # a device every machine has
    assert moved.tubes.device.type == moved.labels.device.type == "meta"
    assert (moved.tubes.shape, moved.tubes.dtype, moved.labels.shape) == (batch.tubes.shape, batch.tubes.dtype, batch.labels.shape)
    assert (moved.video_index, moved.video_labels, moved.names) == (batch.video_index, batch.video_labels, batch.names)
    assert (moved.selected, moved.person_labels) == (batch.selected, batch.person_labels)
    assert moved.names == ["test_c0_00", "test_empty", "test_c1_01"] and moved.selected == [0, -1, 0]


# ------------------------------------------------------------------------ training


def test_training_reduces_loss_and_beats_majority_baseline(toy_cache: Path, tmp_path: Path) -> None:
    cfg = config(iterations=150, log_every=10)
    ckpt = train_head(cfg, toy_cache, split_names(toy_cache, "train"), tmp_path / "run", progress=False)
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in log] == list(range(10, 151, 10))
    # Mean loss of the first 20 steps vs the last 20 (the noise-only distractors, labelled
    # with their video's label as the paper does, keep it well above 0).
    first, last = sum(r["loss"] for r in log[:2]) / 2, sum(r["loss"] for r in log[-2:]) / 2
    assert last < 0.6 * first
    result = evaluate_head(ckpt, toy_cache, rule="score", progress=False)
    assert result["num_videos"] == 13 and result["num_without_track"] == 1
    assert result["without_track"] == ["test_empty"]
    # 12 of 13 can be right: the trackless video is counted wrong.
    assert result["correct"] >= 11 and result["accuracy"] == result["correct"] / 13
    assert result["majority_baseline"] == {"label": 0, "accuracy": 5 / 13}
    assert result["accuracy"] > result["majority_baseline"]["accuracy"] + 0.4
    cm = torch.tensor(result["confusion_matrix"])
    assert cm.shape == (3, 3) and int(cm.sum()) == 12 and int(cm.trace()) == result["correct"]
    assert result["no_prediction_per_class"] == [1, 0, 0]
    assert result["per_class_accuracy"][1] == 1.0 and result["per_class_accuracy"][0] <= 4 / 5
    assert result["selected_is_actor"] == 1.0
    # Per person: every actor track of the 12 test clips with a track (the first actor,
    # plus a second one in videos n = 1), all of them classified.
    actors = result["actor_instances"]
    assert actors["num_instances"] == 3 * (4 + 1)
    assert actors["correct"] >= actors["num_instances"] - 2
    assert int(torch.tensor(actors["confusion_matrix"]).sum()) == actors["num_instances"]
    assert (result["train_videos"], result["train_videos_without_track"]) == (24, 0)
    empty = next(p for p in result["predictions"] if p["name"] == "test_empty")
    assert empty["prediction"] == -1 and empty["track"] == -1


def test_resumed_training_ends_with_the_weights_of_an_uninterrupted_run(toy_cache: Path, tmp_path: Path) -> None:
    names = split_names(toy_cache, "train")
    cfg = config(iterations=14, checkpoint_every=4, head_options={"dim_conv": 8, "dim_fc": 16, "dropout": 0.3})
    whole = load_checkpoint(train_head(cfg, toy_cache, names, tmp_path / "whole", progress=False))

    class Interrupt(Exception):
        pass

    def stop_at_10(step: TrainStep) -> None:
        if step.iteration == 10:
            raise Interrupt

    with pytest.raises(Interrupt):
        train_head(cfg, toy_cache, names, tmp_path / "cut", progress=False, callback=stop_at_10)
    assert load_checkpoint(tmp_path / "cut" / "last.pt")["iteration"] == 8
    seen: list[int] = []
    resumed = load_checkpoint(train_head(cfg, toy_cache, names, tmp_path / "cut", progress=False, callback=lambda step: seen.append(step.iteration)))
    assert seen == list(range(9, 15))
    assert resumed["iteration"] == whole["iteration"] == 14
    for key, value in whole["model"].items():
        assert torch.equal(value, resumed["model"][key]), key
    log = [json.loads(x)["iteration"] for x in (tmp_path / "cut" / "train_log.jsonl").read_text().splitlines()]
    assert log == [5, 10, 14]
    # Other settings in the same folder are refused, not mixed; so is a budget already exceeded.
    with pytest.raises(EngineError, match="lr"):
        train_head(config(iterations=20, lr=0.1), toy_cache, names, tmp_path / "cut", progress=False)
    with pytest.raises(EngineError, match="past the 12 asked for"):
        train_head(dataclasses.replace(cfg, iterations=12), toy_cache, names, tmp_path / "cut", progress=False)
    # A checkpoint written before a config field existed resumes at that field's default...
    path = tmp_path / "cut" / "last.pt"
    old = torch.load(path, weights_only=True)
    del old["config"]["instances"]
    torch.save(old, path)
    assert load_checkpoint(train_head(dataclasses.replace(cfg, iterations=15), toy_cache, names, tmp_path / "cut", progress=False))["iteration"] == 15
    # ...and not at another value.
    with pytest.raises(EngineError, match="instances"):
        train_head(dataclasses.replace(cfg, iterations=16, instances="actors"), toy_cache, names, tmp_path / "cut", progress=False)


def test_fine_tuning_from_a_three_class_head_to_a_two_class_one(toy_cache: Path, tmp_path: Path) -> None:
    source = train_head(config(iterations=30), toy_cache, split_names(toy_cache, "train"), tmp_path / "src", progress=False)
    two = build_toy_cache(tmp_path / "two", train_per_class=(4, 4), test_per_class=2, classes=2, seed=1)
    cfg = config(iterations=1, num_classes=2, init_from=str(source), lr=1e-8, momentum=0.0)
    tuned = load_checkpoint(train_head(cfg, two, split_names(two, "train"), tmp_path / "ft", progress=False))
    src = load_checkpoint(source)["model"]
    assert tuned["model"]["classifier.weight"].shape == (2, 16)
    # Every layer but the classifier starts from the source head (one tiny step later).
    assert torch.allclose(tuned["model"]["convs.0.0.weight"], src["convs.0.0.weight"], atol=1e-6)
    assert torch.allclose(tuned["model"]["fcs.0.weight"], src["fcs.0.weight"], atol=1e-6)
    assert tuned["fine_tuned_from"] == {"path": str(source), "classifier_dropped": True}
    # A head of another architecture cannot be fine-tuned from it.
    other = config(iterations=1, num_classes=2, init_from=str(source), head_options={"dim_conv": 4, "dim_fc": 16})
    with pytest.raises(EngineError, match="does not fit"):
        train_head(other, two, split_names(two, "train"), tmp_path / "ft2", progress=False)


@pytest.mark.slow
def test_torchrun_trains_on_two_gloo_ranks_and_rank_zero_writes_one_checkpoint(toy_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={free_port()}",
        str(REPO / "tests" / "ddp_worker.py"), str(toy_cache), str(out), "6",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900, env=env)  # a guard against a hang, not a time limit
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [json.loads((out / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [(r["rank"], r["world_size"], r["iterations"]) for r in ranks] == [(0, 2, 6), (1, 2, 6)]
    # What the library's loop fed each rank: 2 videos a step (batch 4 over 2 ranks), the two
    # ranks' shares disjoint within an epoch and together covering it.
    per_epoch = len(split_names(toy_cache, "train"))  # every training video of the toy cache has a track
    epoch_steps = -(-per_epoch // 4)
    for step in range(6):
        a, b = ranks[0]["batches"][step], ranks[1]["batches"][step]
        assert len(a) == len(b) == 2 and not set(a) & set(b)
    first = [set(sum(r["batches"][:epoch_steps], [])) for r in ranks]
    assert not first[0] & first[1] and len(first[0] | first[1]) == per_epoch
    # DistributedDataParallel averaged the gradients: both ranks end with the same parameters,
    # and they are the checkpoint's. (BatchNorm's running statistics are buffers: each rank
    # updates its own from its share of the last batch, and rank 0's are saved.)
    assert ranks[0]["weights"] == ranks[1]["weights"]
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("rank"))
    assert files == ["last.pt", "train_log.jsonl"]
    ckpt = load_checkpoint(out / "last.pt")
    assert ckpt["iteration"] == 6 and ckpt["world_size"] == 2
    params = {name for name, _ in build_head(TrainConfig(**HEAD), 3, in_channels=C, input_size=(T, S, S)).named_parameters()}
    saved = torch.cat([ckpt["model"][k].flatten().double() for k in sorted(params)])
    assert ranks[0]["weights"] == pytest.approx(saved.tolist(), abs=0)


# ------------------------------------------------------------------------ bad input and reporting


def test_bad_input_gives_clear_errors(toy_cache: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    with pytest.raises(CacheError, match="no cache.json"):
        split_names(bare, "train")
    with pytest.raises(CacheError, match="no feature cache folder"):
        train_head(config(), tmp_path / "nowhere", ["a"], tmp_path / "out", progress=False)
    with pytest.raises(EngineError, match="no training videos"):
        train_head(config(), toy_cache, [], tmp_path / "out", progress=False)
    with pytest.raises(CacheError, match="not in the feature cache"):
        train_head(config(), toy_cache, ["no_such_video"], tmp_path / "out", progress=False)
    with pytest.raises(EngineError, match="none of the 1 training videos has a track"):
        TrainTubes(toy_cache, ["test_empty"])
    only_train = open_cache(tmp_path / "only_train", toy_config())
    save_cached_video(only_train, CachedVideo("a", 0, "train", 8, [make_clip(torch.randn(1, C, T, S, S), [0.9], [10.0], None)]))
    with pytest.raises(EngineError, match="no 'test' video"):
        split_names(only_train, "test")
    with pytest.raises(EngineError, match=re.escape("split must be 'train' or 'test', got 'val'")):
        split_names(toy_cache, "val")
    # Protocol: the cache records "cs"; an alias passes, another protocol is refused.
    assert check_protocol(toy_cache, "xsub").protocol == "cs"
    with pytest.raises(EngineError, match="extracted for protocol 'cs'"):
        check_protocol(toy_cache, "cv")
    # A protocol no dataset table knows (a cache made through the library) matches by its
    # spelling, case and punctuation ignored.
    custom = open_cache(tmp_path / "custom", toy_config(protocol="fold-1"))
    assert check_protocol(custom, "Fold_1").protocol == "fold-1"
    with pytest.raises(EngineError, match="extracted for protocol 'fold-1'"):
        check_protocol(custom, "fold-2")
    with pytest.raises(EngineError, match=re.escape(f"no test videos given (empty test split of the feature cache at {toy_cache})")):
        TestTubes(toy_cache, [])
    with pytest.raises(EngineError, match="num_classes"):
        TrainConfig(num_classes=1)
    with pytest.raises(EngineError, match="labels span"):
        train_head(config(num_classes=2), toy_cache, split_names(toy_cache, "train"), tmp_path / "out", progress=False)
    assert all(issubclass(e, HiarError) for e in (EngineError, CacheError))


def test_a_head_is_refused_on_a_cache_of_another_dataset_label_space_or_settings(
    toy_cache: Path, tmp_path: Path, capsys
) -> None:
    ckpt = train_head(config(iterations=2), toy_cache, split_names(toy_cache, "train"), tmp_path / "head", progress=False)
    assert load_checkpoint(ckpt)["cache"]["config"]["pooler"]["output_size"] == 14  # what the head was trained on

    def variant(name: str, classes: list[str] | None = None, **settings) -> Path:
        """The toy cache's videos under other cache.json records."""
        d = tmp_path / name
        build_toy_cache(d, train_per_class=(2, 2, 2), test_per_class=2)
        meta = json.loads((d / "cache.json").read_text())
        meta["config"].update(settings)
        if classes is not None:
            meta["classes"] = classes
        (d / "cache.json").write_text(json.dumps(meta))
        return d

    # Another dataset with three classes: the number of outputs fits, the meaning does not.
    generic = variant("generic", ["clap", "jump", "wave"], dataset="generic", protocol="default")
    with pytest.raises(EngineError, match=r"trained on synthetic \(3 classes\).*holds generic \(3 classes: clap, jump, wave\)"):
        evaluate_head(ckpt, generic, progress=False)
    # The same dataset with other class names.
    renamed = variant("renamed", ["a", "b", "c"])
    head_with_names = train_head(config(iterations=2), renamed, split_names(renamed, "train"), tmp_path / "named", progress=False)
    other_names = variant("other_names", ["a", "b", "z"])
    with pytest.raises(EngineError, match="class names"):
        evaluate_head(head_with_names, other_names, progress=False)
    # Another class count (a 12-class head on a 3-class cache).
    wide = train_head(config(iterations=2, num_classes=12), toy_cache, split_names(toy_cache, "train"), tmp_path / "wide", progress=False)
    with pytest.raises(EngineError, match="class count 12 vs 3"):
        evaluate_head(wide, renamed, progress=False)
    # Tubes pooled another way, or for another protocol.
    with pytest.raises(EngineError, match=r"pooler.output_size 14 vs 7"):
        evaluate_head(ckpt, variant("pooled", pooler={**toy_config().to_dict()["pooler"], "output_size": 7}), progress=False)
    with pytest.raises(EngineError, match=r"protocol 'cs' vs 'cv'"):
        evaluate_head(ckpt, variant("cv", protocol="cv"), progress=False)
    # The same settings with the data moved, or other training clips: accepted.
    moved = variant("moved", data_root="/elsewhere/toy", train_clips=3, seed=7)
    assert evaluate_head(ckpt, moved, progress=False)["num_videos"] == 7
    # Resuming training on another cache is refused the same way.
    with pytest.raises(EngineError, match="holds generic"):
        train_head(config(iterations=3), generic, split_names(generic, "train"), tmp_path / "head", progress=False)
    # The real command line: exit 2, one line naming both sides.
    assert main(["evaluate", "--checkpoint", str(ckpt), "--cache", str(generic), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hiar evaluate: error: the head in ") and "holds generic" in err[0]


def test_summarize_runs_gives_mean_and_std_and_majority_baseline() -> None:
    def run(acc: float) -> dict:
        return {"accuracy": acc, "num_videos": 4, "num_without_track": 0, "per_class_accuracy": [acc, None],
                "confusion_matrix": [[1, 0], [0, 1]], "majority_baseline": {"label": 1, "accuracy": 0.25}}  # fmt: skip

    s = summarize_runs([run(0.5), run(0.75), run(1.0)])
    assert s["runs"] == 3 and s["accuracy_mean"] == pytest.approx(0.75) and s["accuracy_std"] == pytest.approx(0.25)
    assert s["per_class_accuracy_mean"] == [pytest.approx(0.75), None]
    assert s["confusion_matrix_sum"] == [[3, 0], [0, 3]] and s["majority_baseline"]["label"] == 1
    assert majority_baseline([0, 1, 1, 2], [1, 1, 0, 2]) == {"label": 1, "accuracy": 0.5}
    with pytest.raises(EngineError):
        summarize_runs([])


def test_cli_train_with_two_seeds_writes_results_with_provenance(toy_cache: Path, tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    argv = [
        "train", "--cache", str(toy_cache), "--protocol", "cs", "--head", "Conv3Dx1+GAP+FC",
        "--head-option", "dim_conv=8", "--head-option", "dim_fc=16", "--iterations", "30", "--lr", "0.05",
        "--seeds", "0", "1", "--out", str(tmp_path / "runs"), "--results", str(results), "--no-progress",
    ]  # fmt: skip
    assert main(argv) == 0
    record = read_record(results)
    data = record.metrics
    assert record.artefact == "train" and record.parameters["protocol"] == "cs" and record.parameters["rule"] == "score"
    assert data["summary"]["runs"] == 2 and len(data["runs"]) == 2
    assert record.provenance["seeds"] == [0, 1] and record.provenance["profile"] == "quick"
    assert record.wall_time_s > 0 and not record.reused
    assert data["summary"]["majority_baseline"]["accuracy"] == pytest.approx(5 / 13)
    assert len(data["runs"][0]["confusion_matrix"]) == 3
    assert read_record(tmp_path / "runs" / "results.json").metrics["summary"] == data["summary"]
    assert main(["train", "--cache", str(toy_cache), "--protocol", "cv", "--out", str(tmp_path / "x")]) == 2
    assert main(["evaluate", "--checkpoint", str(tmp_path / "runs" / "seed0" / "last.pt"), "--cache", str(toy_cache),
                 "--rule", "area", "--results", str(tmp_path / "eval.json"), "--no-progress"]) == 0  # fmt: skip
    evaluated = read_record(tmp_path / "eval.json")
    assert evaluated.metrics["runs"][0]["rule"] == "area" and evaluated.provenance["seeds"] == [0]
    assert evaluated.parameters["checkpoints"] == [str(tmp_path / "runs" / "seed0" / "last.pt")]
    # The same work from Python (what a notebook calls): resumes the finished seed, returns the record.
    lines: list[str] = []
    again = train_heads(toy_cache, "cs", head="Conv3Dx1+GAP+FC", head_options={"dim_conv": 8, "dim_fc": 16}, iterations=30,
                        lr=0.05, seeds=[0], out=tmp_path / "runs", progress=False, log=lines.append)  # fmt: skip
    assert again.metrics["runs"][0]["accuracy"] == data["runs"][0]["accuracy"]
    assert again.path == tmp_path / "runs" / "results_seeds-0.json" and len(lines) == 2 and lines[0].startswith("seed 0: top-1 ")
    assert read_record(tmp_path / "runs" / "results.json").provenance["seeds"] == [0, 1]  # the two-seed record is kept
    with pytest.raises(HiarError, match="unknown test-instance rule 'largest'"):
        train_heads(toy_cache, "cs", seeds=[0], rule="largest", out=tmp_path / "y")


def test_a_heads_evaluation_is_kept_beside_its_checkpoint_and_reused_only_while_nothing_it_depends_on_changed(
    toy_cache: Path, tmp_path: Path
) -> None:
    from hiar_lib.experiments.heads import EVALUATION_FILE, evaluate_once

    record = train_heads(toy_cache, "cs", head="Conv3Dx1+GAP+FC", head_options={"dim_conv": 8, "dim_fc": 16}, iterations=10,
                         seeds=[0], out=tmp_path / "runs", progress=False, log=None)  # fmt: skip
    ckpt = tmp_path / "runs" / "seed0" / "last.pt"
    kept = ckpt.parent / EVALUATION_FILE
    stored = json.loads(kept.read_text())
    assert stored["result"]["accuracy"] == record.metrics["runs"][0]["accuracy"] and stored["key"]["rule"] == "score"
    names = split_names(toy_cache, "test", protocol="cs")
    # Marked, the kept result is what comes back while the checkpoint, cache, videos, rule and device are the same...
    stored["result"]["accuracy"] = 123.0
    kept.write_text(json.dumps(stored))
    assert evaluate_once(ckpt, toy_cache, names, rule="score", progress=False) == (stored["result"], True)
    again = train_heads(toy_cache, "cs", head="Conv3Dx1+GAP+FC", head_options={"dim_conv": 8, "dim_fc": 16}, iterations=10,
                        seeds=[0], out=tmp_path / "runs", progress=False, log=None)  # fmt: skip
    assert again.metrics["runs"][0]["accuracy"] == 123.0  # a head asked for again is not scored again
    # Nothing trained or scored: the record keeps the first run's wall time and says where the numbers come from.
    assert not record.reused and again.reused and again.wall_time_s == record.wall_time_s
    assert again.provenance["reused"]["from"] == str(tmp_path / "runs" / "results.json")
    assert again.provenance["reused"]["date"] == record.provenance["date"]
    # ...and anything else scores it again: fewer test videos, another rule, another checkpoint.
    fewer, reused = evaluate_once(ckpt, toy_cache, names[:-1], rule="score", progress=False)
    assert not reused and fewer["accuracy"] != 123.0 and fewer["num_videos"] == len(names) - 1
    assert evaluate_once(ckpt, toy_cache, names, rule="area", progress=False)[0]["rule"] == "area"
    assert json.loads(kept.read_text())["key"]["rule"] == "area"
    # The run asks for its own rule ("score") again: scored again, its record is this run's own.
    scored = train_heads(toy_cache, "cs", head="Conv3Dx1+GAP+FC", head_options={"dim_conv": 8, "dim_fc": 16}, iterations=10,
                         seeds=[0], out=tmp_path / "runs", progress=False, log=None)  # fmt: skip
    assert not scored.reused and scored.metrics["runs"][0]["accuracy"] == record.metrics["runs"][0]["accuracy"]
    stored = json.loads(kept.read_text())
    stored["result"]["accuracy"] = 123.0
    kept.write_text(json.dumps(stored))
    state = torch.load(ckpt, weights_only=False)
    torch.save(state | {"iteration": int(state["iteration"]) + 1}, ckpt)  # other bytes
    assert stored["key"]["rule"] == "score" and evaluate_once(ckpt, toy_cache, names, rule="score", progress=False)[0]["accuracy"] != 123.0


def test_a_crops_cache_serves_every_protocol_of_its_dataset_from_one_extraction(crops_cache: Path) -> None:
    """``hiar extract --protocol cs --limit 3`` on the synthetic benchmark: the first 3
    videos of each cross-subject split, and every other protocol's splits over them."""
    info = read_cache_info(crops_cache)
    assert "protocol" not in info.config  # not in the key either: one cache for all
    assert set(info.splits) == {"cs", "cv", "v12_3", "v31_2", "v23_1"}
    cached = sorted(p.stem for p in crops_cache.glob("*.pt"))
    assert len(info.splits["cs"]["train"]) == len(info.splits["cs"]["test"]) == 3 and len(cached) == 6
    for name, splits in info.splits.items():
        train, test = set(splits["train"]), set(splits["test"])
        assert not train & test and train | test <= set(cached), name
    assert sorted(info.splits["cs"]["train"] + info.splits["cs"]["test"]) == cached
    # The camera decides a cross-view protocol: view 3 tests under V(1,2)->3, views 1 and 2 train.
    test = split_names(crops_cache, "test", protocol="V(1,2)->3")
    assert test == sorted(info.splits["v12_3"]["test"]) and all(n.endswith("_C3") for n in test)
    assert all(not n.endswith("_C3") for n in split_names(crops_cache, "train", protocol="v12_3"))
    assert split_names(crops_cache, "train", protocol="xsub") == sorted(info.splits["cs"]["train"])
    with pytest.raises(EngineError, match="say which one"):
        split_names(crops_cache, "train")
    assert check_protocol(crops_cache, "cross-view").path == crops_cache  # an alias of cv
    with pytest.raises(EngineError, match="holds the splits of protocol.*'cs'.*not 'v99_1'"):
        check_protocol(crops_cache, "v99_1")
