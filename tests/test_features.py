"""The feature cache: extraction resumes after a kill -9, shards under torchrun, never mixes settings."""

from __future__ import annotations

import fractions
import hashlib
import json
import os
import re
from dataclasses import asdict, replace
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import torch

from hiar_lib.ports import free_port
from hiar_lib.cli import main
from hiar_lib.data.video import read_clip
from hiar_lib.engine.data import read_cache_info
from hiar_lib.detection.build import build_detector
from hiar_lib.detection.inference import detect_frames
from hiar_lib.experiments.records import read_record
from hiar_lib.features import (
    FORMAT_VERSION,
    CacheError,
    CachedClip,
    CachedVideo,
    ExtractionConfig,
    cache_dir_for,
    cache_file_name,
    cached_video_path,
    detector_identity,
    extract_features,
    extract_video,
    load_cached_video,
    open_cache,
    save_cached_video,
    settings_differences,
)
from hiar_lib.person_labels import track_person_labels
from hiar_lib.pool_config import PoolerConfig
from hiar_lib.track_config import tracker_config
from hiar_lib.data.synthetic import index_synthetic
from hiar_lib.data.synthetic_annotation import load_annotation

REPO = Path(__file__).resolve().parents[1]


def extract_args(root: Path, cache: Path, limit: int, *extra: str) -> list[str]:
    return [
        "extract", "--dataset", "synthetic", "--data", str(root), "--protocol", "cs", "--random-init", "--kind", "tubes",
        "--score-thresh", "0.3", "--clip-len", "4", "--stride", "4", "--output-size", "7",
        "--limit", str(limit), "--cache", str(cache), "--no-progress", *extra,
    ]  # fmt: skip


def expected_names(root: Path, limit: int) -> set[str]:
    split = index_synthetic(root).split("cs")
    return {s.name for part in split.values() for s in part[:limit]}


def _tubes_config(root: Path, **changes) -> ExtractionConfig:
    """A small tubes extraction of the synthetic benchmark at ``root`` by an untrained detector."""
    base = dict(dataset="synthetic", data_root=str(root), protocol="cs", detector="synthetic:random-init", kind="tubes",
                pooler=PoolerConfig(output_size=5), clip_len=2, stride=4)  # fmt: skip
    return ExtractionConfig(**{**base, **changes})


def _settings(**changes) -> ExtractionConfig:
    """Settings of a cache no test extracts into (what ``open_cache`` checks and records)."""
    return ExtractionConfig(**{**dict(dataset="synthetic", data_root="x", protocol="cs", detector="synthetic:abc"), **changes})


@pytest.mark.slow
def test_killed_extraction_resumes_without_recomputing_or_corrupting(synthetic_tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "hiar_lib.cli", *extract_args(synthetic_tiny, cache, 4)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 600  # waits for the first file; the cap only guards against a hang
    while time.time() < deadline and not list(cache.glob("*.pt")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL  # it really was killed mid-run
    first = {p: p.stat().st_mtime_ns for p in cache.glob("*.pt")}
    assert 1 <= len(first) < 8
    for p in first:  # every file present is complete
        assert load_cached_video(p).clips
    # Resume: the finished videos are not computed again, the rest are, no debris.
    assert main(extract_args(synthetic_tiny, cache, 4)) == 0
    after = {p.stem for p in cache.glob("*.pt")}
    assert after == expected_names(synthetic_tiny, 4)
    assert all(p.stat().st_mtime_ns == t for p, t in first.items())
    assert not list(cache.glob(".*.tmp"))
    video = load_cached_video(cache / f"{sorted(after)[0]}.pt")
    clip = video.clips[0]
    k = clip.tubes.shape[0]
    assert clip.tubes.shape[1:] == (128, 4, 7, 7) and clip.tubes.dtype == torch.float16
    assert clip.present.shape == (k, 4) and clip.boxes.shape == (k, 4, 4)
    assert clip.person_labels is not None and clip.person_labels.shape == (k,)


def test_extraction_keeps_the_protocols_splits_the_labels_and_boxes_in_source_pixels(synthetic_tiny: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    # Untrained, its scores sit around 0.5-0.6: a high threshold keeps a few boxes per frame.
    model = build_detector("synthetic", random_init=True, score_thresh=0.57)
    index = index_synthetic(synthetic_tiny)
    split = index.split("cs")
    samples = {}
    for part in ("train", "test"):  # two videos of two classes from each split
        first = split[part][0]
        samples[part] = [first, next(s for s in split[part] if s.label != first.label)]
    size = (96, 144)  # 192x144 frames: x halved, y kept
    config = ExtractionConfig(dataset="synthetic", data_root=str(synthetic_tiny), protocol="cs",
                              detector=detector_identity(model), pooler=PoolerConfig(output_size=7), clip_len=4,
                              stride=4, size=size, train_clips=2)  # fmt: skip
    cache = tmp_path / "cache"
    stats = extract_features(model, samples, config, cache, ground_truth_root=synthetic_tiny, progress=False, classes=index.classes)
    assert stats["done"] == 4
    tracks = 0
    for part, group in samples.items():
        for sample in group:
            video = load_cached_video(cached_video_path(cache, sample.name))
            assert (video.name, video.split, video.label) == (sample.name, part, sample.label)
            assert len(video.clips) == (2 if part == "train" else 1)
            ann = load_annotation(synthetic_tiny, sample.name)
            for clip in video.clips:
                frames = read_clip(sample.path, 4, 4, clip.start, size=size)
                assert frames.frame_indices.tolist() == clip.frame_indices.tolist()
                sx, sy = frames.scale
                assert (sx, sy) == (0.5, 1.0)
                dets = detect_frames(model, frames.frames, return_features=False).instances
                for k, t in torch.nonzero(clip.present).tolist():
                    source = dets[t].boxes / torch.tensor([sx, sy, sx, sy])  # the frame's detections, source pixels
                    assert (source - clip.boxes[k, t]).abs().amax(dim=1).min() < 1e-3
                    tracks += 1
                inside = clip.boxes[clip.present]
                assert (inside[:, [0, 2]] >= -1).all() and (inside[:, [0, 2]] <= 193).all()
                assert (inside[:, [1, 3]] >= -1).all() and (inside[:, [1, 3]] <= 145).all()
                assert clip.person_labels.tolist() == track_person_labels(clip.boxes, clip.present, clip.frame_indices, ann).tolist()
    assert tracks > 0


@pytest.mark.slow
def test_torchrun_shards_videos_across_two_ranks(synthetic_tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={free_port()}",
        "-m", "hiar_lib.cli", *extract_args(synthetic_tiny, cache, 2),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900, env=env)  # a guard against a hang, not a time limit
    assert out.returncode == 0, out.stderr[-2000:]
    assert "rank 0 of 2" in out.stdout and "rank 1 of 2" in out.stdout
    assert {p.stem for p in cache.glob("*.pt")} == expected_names(synthetic_tiny, 2)


def test_rank_and_world_from_the_environment_pick_every_worlds_video_from_the_rank_on(
    synthetic_tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # What torchrun sets (no process group is joined for extraction): rank 1 of 2 takes the 2nd and 4th videos.
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    split = index_synthetic(synthetic_tiny).split("cs")
    samples = {"train": split["train"][:2], "test": split["test"][:2]}
    model = build_detector("synthetic", random_init=True, score_thresh=0.3, seed=0)
    config = _tubes_config(synthetic_tiny, train_clips=1)
    stats = extract_features(model, samples, config, tmp_path / "cache")  # a progress bar by default
    assert (stats["rank"], stats["world"], stats["done"]) == (1, 2, 2)
    assert {p.stem for p in (tmp_path / "cache").glob("*.pt")} == {split["train"][1].name, split["test"][1].name}
    assert "extract (rank 1/2): 100%" in capsys.readouterr().err  # each rank's bar says which it is
    assert read_cache_info(tmp_path / "cache").extraction_time is None  # times are a single process's only


def test_a_single_process_shows_a_bar_of_videos_and_records_its_passes_seconds_and_the_classes(
    synthetic_tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = index_synthetic(synthetic_tiny)
    samples = {"test": index.split("cs")["test"][:2]}
    model = build_detector("synthetic", random_init=True, score_thresh=0.3, seed=0)
    config = _tubes_config(synthetic_tiny)
    cache = tmp_path / "cache"
    ticks = iter(range(100))  # extraction's clock (its own module's only): 1.25 s a reading, so each pass takes 1.25 s
    monkeypatch.setattr("hiar_lib.features.time", types.SimpleNamespace(perf_counter=lambda: 1.25 * next(ticks)))
    for _ in range(2):  # a second run adds to the first
        assert extract_features(model, samples, config, cache, classes=index.classes)["done"] == 2
        for s in samples["test"]:
            cached_video_path(cache, s.name).unlink()
    err = capsys.readouterr().err
    assert re.search(r"(^|\r)extract: 100%\|[^\r\n]*\| 2/2 \[[^\r\n]*(video/s|s/video)\]", err), err  # videos counted
    info = read_cache_info(cache)
    assert info.classes == list(index.classes)
    assert info.extraction_time == {"videos": 4, "seconds": 5.0}  # the passes' seconds summed, over runs too
    extract_features(model, samples, config, cache, progress=False)
    assert capsys.readouterr().err == ""
    # A crops cache records every protocol's splits it is given.
    splits = {"cs": {"train": ["a"], "test": ["b"]}, "cv": {"train": ["b"], "test": ["a"]}}
    crops = replace(config, kind="crops", levels=("P2",), max_clip_len=4)
    extract_features(model, {}, crops, tmp_path / "crops", classes=index.classes, splits=splits, progress=False)
    assert read_cache_info(tmp_path / "crops").splits == splits


def test_a_tubes_extraction_writes_extract_videos_result_under_autocast_when_asked(synthetic_tiny: Path, tmp_path: Path) -> None:
    sample = index_synthetic(synthetic_tiny).split("cs")["test"][0]
    model = build_detector("synthetic", random_init=True, score_thresh=0.3, seed=0)
    config = _tubes_config(synthetic_tiny, clip_len=4)
    for amp in (False, True):
        extract_features(model, {"test": [sample]}, config, tmp_path / f"cache{amp}", amp=amp, progress=False)
        want = save_cached_video(tmp_path / f"want{amp}", extract_video(model, sample, "test", config, amp=amp))
        assert _same_payload(cached_video_path(tmp_path / f"cache{amp}", sample.name), want), amp
    assert not _same_payload(cached_video_path(tmp_path / "cacheFalse", sample.name), cached_video_path(tmp_path / "cacheTrue", sample.name))


def test_extraction_removes_the_temporaries_of_writers_that_are_gone_only(tmp_path: Path) -> None:
    config = _settings()
    cache = open_cache(tmp_path / "cache", config)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a finished process: its pid names no process now
    # A live writer that notes any signal it gets and says which when its stdin closes.
    code = (
        "import signal, sys\ngot = []\n"
        "for s in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):\n"
        "    signal.signal(s, lambda n, f: got.append(n))\n"
        "print('ready', flush=True)\nsys.stdin.read()\nprint(got)"
    )
    live = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert live.stdout is not None and live.stdout.readline() == "ready\n"  # its handlers are set
    debris = cache / f".a.pt.{gone.pid}.tmp"
    kept = [cache / f".b.pt.{live.pid}.tmp", cache / ".c.pt.notapid.tmp", cache / f"d.pt.{gone.pid}.tmp"]
    for f in [debris, *kept]:
        f.write_bytes(b"partial")
    assert extract_features(torch.nn.Identity(), {}, config, cache, progress=False)["done"] == 0
    assert not debris.exists() and all(f.exists() for f in kept)  # a live writer's, a name without a pid, not hidden
    assert live.communicate(timeout=60)[0] == "[]\n"  # only asked whether it runs (signal 0); the timeout guards a hang


def test_extraction_times_add_up_over_runs_from_none_recorded(tmp_path: Path) -> None:
    from hiar_lib.features import _add_extraction_time

    cache = open_cache(tmp_path / "cache", _settings())
    assert read_cache_info(cache).extraction_time is None
    _add_extraction_time(cache, 2, 3.5)
    assert read_cache_info(cache).extraction_time == {"videos": 2, "seconds": 3.5}
    _add_extraction_time(cache, 1, 1.254)
    assert read_cache_info(cache).extraction_time == {"videos": 3, "seconds": 4.75}  # rounded to hundredths


def test_a_cache_of_other_pooler_settings_is_refused(tmp_path: Path, capsys) -> None:
    cfg = _settings()
    open_cache(tmp_path, cfg)
    other = _settings(pooler=PoolerConfig(box="basic", output_size=7))
    with pytest.raises(CacheError, match=r"other settings(.|\n)*pooler.box: 'outermost' in the cache, 'basic' asked for"):
        open_cache(tmp_path, other)
    assert other.key() != cfg.key()
    with pytest.raises(CacheError, match="no feature cache"):
        open_cache(tmp_path / "nothing", cfg, create=False)


def test_a_cache_json_unreadable_of_another_format_or_without_settings_is_refused_saying_why(tmp_path: Path) -> None:
    config = _settings()
    meta = open_cache(tmp_path, config) / "cache.json"
    record = json.loads(meta.read_text())
    tail = "\n(use another --cache folder, or the default one keyed by the settings)"
    head = f"the feature cache at {tmp_path} was made with other settings; refusing to mix them:\n  "

    def refusal() -> str:
        with pytest.raises(CacheError) as e:
            open_cache(tmp_path, config)
        return str(e.value)

    meta.write_text("{not json")
    assert refusal().startswith(f"unreadable cache settings {meta}: ")
    meta.write_text(json.dumps({**record, "format": FORMAT_VERSION - 1}))  # the same settings, an older format
    assert refusal() == f"{head}format {FORMAT_VERSION - 1} vs {FORMAT_VERSION}{tail}"
    meta.write_text(json.dumps({"format": FORMAT_VERSION, "key": "other"}))  # no settings recorded: every one differs
    lines = [f"{k}: None in the cache, {v!r} asked for" for k, v in sorted(config.to_dict().items()) if v is not None]
    assert len(lines) > 5 and refusal() == head + "\n  ".join(lines) + tail


def test_a_cache_keeps_its_class_names_refuses_others_and_learns_them_when_it_had_none(tmp_path: Path) -> None:
    config = _settings()
    named = open_cache(tmp_path / "named", config, classes=["wave", "sit"])
    assert open_cache(named, config) == named and read_cache_info(named).classes == ["wave", "sit"]  # not told: not checked
    with pytest.raises(CacheError) as e:
        open_cache(named, config, classes=["wave", "jump", "run", "sit", "kick"])
    assert str(e.value) == (
        f"the feature cache at {named} holds 2 classes (wave, sit) but the dataset now has 5 (wave, jump, run, sit, ...); "
        "refusing to mix label spaces (use another --cache folder)"
    )
    unnamed = open_cache(tmp_path / "unnamed", config)  # made before classes were recorded
    open_cache(unnamed, config, classes=["wave", "sit"])
    assert read_cache_info(unnamed).classes == ["wave", "sit"]


def test_a_crops_caches_splits_are_replaced_by_those_an_extraction_gives_and_kept_when_none_are(tmp_path: Path) -> None:
    config = _settings(kind="crops")
    first, second = {"cs": {"train": ["a"], "test": ["b"]}}, {"cs": {"train": ["a", "c"], "test": ["b"]}}
    cache = open_cache(tmp_path, config, splits=first)
    assert read_cache_info(cache).splits == first
    open_cache(cache, config)
    assert read_cache_info(cache).splits == first
    open_cache(cache, config, splits=second)
    assert read_cache_info(cache).splits == second and json.loads((cache / "cache.json").read_text())["splits"] == second


def test_cli_refuses_to_extract_into_a_cache_of_other_settings(synthetic_tiny: Path, tmp_path: Path, capsys) -> None:
    cache = tmp_path / "cache"
    assert main(extract_args(synthetic_tiny, cache, 1)) == 0
    assert main(extract_args(synthetic_tiny, cache, 1, "--levels", "P2", "P3", "P4")) == 2
    err = capsys.readouterr().err
    assert "refusing to mix" in err and "pooler.levels" in err and "Traceback" not in err


def test_unreadable_cache_files_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.pt"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(CacheError, match="unreadable cached video"):
        load_cached_video(bad)
    with pytest.raises(CacheError, match="not found"):
        load_cached_video(tmp_path / "missing.pt")


def test_a_cached_video_reads_back_whole_and_other_payloads_are_refused_by_name(tmp_path: Path) -> None:
    t = 4
    clip = CachedClip(start=2, frame_indices=torch.arange(2, 2 + t), tubes=torch.ones(1, 3, t, 7, 7, dtype=torch.float16),
                      track_ids=torch.tensor([5]), present=torch.ones(1, t, dtype=torch.bool), boxes=torch.zeros(1, t, 4),
                      scores=torch.tensor([0.9]), areas=torch.tensor([12.0]), person_labels=None)  # fmt: skip
    path = save_cached_video(tmp_path, CachedVideo("v", 3, "test", 37, [clip]))
    video = load_cached_video(path)
    assert (video.name, video.label, video.split, video.num_frames) == ("v", 3, "test", 37)
    assert len(video.clips) == 1 and video.clips[0].start == 2 and torch.equal(video.clips[0].tubes, clip.tubes)
    payload = torch.load(path, weights_only=True)
    foreign = f"{path} is not a hiar feature cache file (format {FORMAT_VERSION})"
    for other, msg in ((torch.zeros(3), foreign), ({**payload, "format": FORMAT_VERSION + 1}, foreign),
                       ({**payload, "kind": "crops"}, f"{path} holds track crops, not tubes: pool a clip of it with hiar_lib.crops.crop_window")):  # fmt: skip
        torch.save(other, path)
        with pytest.raises(CacheError, match=f"^{re.escape(msg)}$"):
            load_cached_video(path)
    torch.save({**payload, "label": fractions.Fraction(1, 3)}, path)  # only tensors and plain values are unpickled
    with pytest.raises(CacheError, match=f"^{re.escape(f'unreadable cached video {path}: ')}"):
        load_cached_video(path)


def test_extract_video_runs_each_clip_through_the_pipeline_with_the_configs_settings(synthetic_tiny: Path) -> None:
    from hiar_lib.pipeline import run_clip
    from hiar_lib.track_config import TrackerConfig

    sample = index_synthetic(synthetic_tiny).samples[0]  # 16 frames
    model = build_detector("synthetic", random_init=True, score_thresh=0.3, seed=0)
    unlinked = TrackerConfig(gate=1e-6, max_gap=0)  # no link passes the gate: every detection its own track
    config = _tubes_config(synthetic_tiny, tracker=unlinked, clip_len=6, size=(240, 108), pad_to_multiple=64, train_clips=3, seed=5)
    video = extract_video(model, sample, "test", config)  # on the CPU, without autocast, by default
    # The test clip, centred: 6 frames at stride 4 span 21 > 16, so it starts at 0 and its last rows are padding.
    clip = read_clip(sample.path, 6, 4, 0, size=(240, 108), pad_to_multiple=64)
    assert not clip.valid.all()
    want = run_clip(model, clip.frames, tracker=unlinked, pooler=config.pooler, frame_valid=clip.valid).tubes
    got = video.clips[0]
    assert (video.name, video.split, video.num_frames, len(video.clips), got.start) == (sample.name, "test", 16, 1, 0)
    assert want.track_ids.numel() > 0 and torch.equal(got.track_ids, want.track_ids) and torch.equal(got.present, want.present)
    assert torch.equal(got.tubes, want.tubes.to(torch.float16)) and not got.present[:, ~clip.valid].any()
    # Boxes and mask areas back in source pixels (192x144 frames resized to 240x108: x and y scaled unequally).
    sx, sy = clip.scale
    assert (sx, sy) == (240 / 192, 108 / 144) and torch.allclose(got.scores, want.scores, equal_nan=True)
    assert torch.allclose(got.boxes, want.boxes / torch.tensor([sx, sy, sx, sy]), equal_nan=True)
    assert got.areas.shape == want.areas.shape and torch.allclose(got.areas, want.areas / (sx * sy), equal_nan=True)
    # Under autocast (bfloat16 on the CPU) the same as the pipeline's, and not the float32 tubes.
    amped = extract_video(model, sample, "test", config, amp=True).clips[0].tubes
    want_amp = run_clip(model, clip.frames, tracker=unlinked, pooler=config.pooler, frame_valid=clip.valid, amp=True).tubes
    assert torch.equal(amped, want_amp.tubes.to(torch.float16)) and not torch.equal(amped, got.tubes)
    linked = run_clip(model, clip.frames, pooler=config.pooler, frame_valid=clip.valid).tubes
    assert linked.track_ids.numel() < want.track_ids.numel()  # the tracker's settings matter here
    # Training clips: seeded by the config's seed and the video's name, the same on every run.
    short = replace(config, clip_len=2)
    starts = [[c.start for c in extract_video(model, sample, "train", short).clips] for _ in range(2)]
    other = [c.start for c in extract_video(model, sample, "train", replace(short, seed=6)).clips]
    assert starts[0] == starts[1] and len(starts[0]) == 3 and other != starts[0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_extraction_runs_the_detector_on_the_device_asked_for(synthetic_tiny: Path, tmp_path: Path) -> None:
    sample = index_synthetic(synthetic_tiny).samples[0]
    model = build_detector("synthetic", random_init=True, score_thresh=0.3, seed=0)  # on the CPU
    config = _tubes_config(synthetic_tiny)
    video = extract_video(model, sample, "test", config, device="cuda")
    assert next(model.parameters()).device.type == "cuda" and video.clips[0].tubes.device.type == "cpu"
    for kind, cfg in (("tubes", config), ("crops", _crops_config(synthetic_tiny, model))):  # and through extract_features
        model.cpu()
        extract_features(model, {"test": [sample]}, cfg, tmp_path / kind, device="cuda", progress=False)
        assert next(model.parameters()).device.type == "cuda", kind


def test_a_caches_folder_is_named_by_its_settings_key(tmp_path: Path) -> None:
    config = ExtractionConfig(dataset="synthetic", data_root="/nonexistent", protocol="cs", detector="toy:none")
    assert cache_dir_for(tmp_path, config) == tmp_path / config.key() and cache_dir_for(str(tmp_path), config) == tmp_path / config.key()
    assert len(config.key()) == 12 and cache_dir_for(tmp_path, replace(config, clip_len=4)) != cache_dir_for(tmp_path, config)


def test_a_detectors_identity_is_its_preset_and_the_sha1_of_its_weights_files(tmp_path: Path) -> None:
    from hiar_lib.detection.weights import save_detector

    untrained = build_detector("synthetic", random_init=True, seed=0)
    assert detector_identity(untrained) == "synthetic:random-init"
    assert detector_identity(torch.nn.Identity()) == "Identity:unknown"  # no detector_info: not one of ours
    path = save_detector(untrained, tmp_path / "det.pt")
    data = path.read_bytes()
    assert len(data) > 1 << 20  # read in more than one chunk
    loaded = build_detector("synthetic", weights=path)
    assert detector_identity(loaded) == "synthetic:" + hashlib.sha1(data).hexdigest()[:12]
    # Several files (the paper preset's two): one hash over their bytes in order.
    other = tmp_path / "other.bin"
    other.write_bytes(b"second file")
    loaded.detector_info = replace(loaded.detector_info, preset="paper", weights=(str(path), str(other)))
    assert detector_identity(loaded) == "paper:" + hashlib.sha1(data + b"second file").hexdigest()[:12]


def test_settings_differences_name_keys_on_one_side_only_and_a_dict_against_a_value() -> None:
    a = {"pooler": {"output_size": 7, "levels": ["P2"]}, "clip_len": 8, "old": 1}
    b = {"pooler": {"output_size": 5, "levels": ["P2"]}, "clip_len": 8, "new": 2}
    assert settings_differences(a, b) == [("new", None, 2), ("old", 1, None), ("pooler.output_size", 7, 5)]
    assert settings_differences(a, {**b, "pooler": None}, ignore=frozenset({"new", "old"})) == [("pooler", a["pooler"], None)]


# ------------------------------------------------------------------------ a user's own videos


def test_cache_file_names_lie_inside_the_cache_whatever_the_video_name(tmp_path: Path) -> None:
    names = [
        "S001C002P003R002A013", "A06_P004_T0016_C1", "a01_s01_e00_v01",  # dataset names are kept as they are
        "videos/a", "videos/sub/a", "../videos/a", "../../a", "/home/someone/videos/a", "videos\\a",
        "..", ".", ".hidden", "a b/cé", "x" * 300, "-", "videos_a",
    ]  # fmt: skip
    files = [cache_file_name(n) for n in names]
    assert files[:3] == ["S001C002P003R002A013.pt", "A06_P004_T0016_C1.pt", "a01_s01_e00_v01.pt"]
    assert len(set(files)) == len(names)  # distinct names, distinct files ("videos/a" vs "videos_a" too)
    cache = tmp_path / "cache"
    for name, f in zip(names, files):
        assert "/" not in f and "\\" not in f and not f.startswith(".") and f.endswith(".pt") and len(f) <= 160, (name, f)
        assert cached_video_path(cache, name).parent == cache
    assert cache_file_name("/home/someone/videos/a").startswith("home_someone_videos_a-")
    assert cache_file_name("videos/a") == cache_file_name("videos/a")  # stable: a rerun finds its files
    with pytest.raises(CacheError):
        cache_file_name("")


def _snapshot(root: Path, *allowed: Path) -> dict[str, tuple[int, int]]:
    """Every file and link under ``root`` but in the ``allowed`` folders (links not followed): path -> (size, mtime)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [n for n in dirnames if Path(dirpath) / n not in allowed]
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            if p.is_symlink() or p.is_file():
                st = p.lstat()
                out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.mark.slow
def test_generic_csv_rows_outside_its_folder_are_extracted_trained_and_evaluated_inside_the_cache(
    synthetic_tiny: Path, tmp_path: Path, capsys
) -> None:
    """An absolute path, a ../ path, a row through a symlinked folder, a symlinked file and a
    nested folder: the cache holds one file per video and nothing appears anywhere else."""
    index = index_synthetic(synthetic_tiny)
    by_label: dict[int, list] = {}
    for s in index.samples:
        by_label.setdefault(s.label, []).append(s)
    two = sorted(by_label)[:2]
    src = [by_label[two[0]][0], by_label[two[0]][1], by_label[two[1]][0], by_label[two[1]][1], by_label[two[0]][2]]
    home = tmp_path / "home"
    data, outside, linked = home / "data", home / "outside", home / "linked"
    for d in (data / "clips" / "nested" / "deep", outside, linked):
        d.mkdir(parents=True)
    # The user's own files beside the videos, named as a careless cache would name its files.
    shutil.copy(src[0].path, outside / "a.mp4")
    (outside / "a.pt").write_bytes(b"the user's own file")
    shutil.copy(src[1].path, outside / "b.mp4")
    shutil.copy(src[2].path, linked / "c.mp4")
    (data / "link").symlink_to(linked, target_is_directory=True)
    shutil.copy(src[3].path, data / "clips" / "nested" / "deep" / "d.mp4")
    shutil.copy(src[4].path, outside / "e.mp4")
    (data / "clips" / "e.mp4").symlink_to(outside / "e.mp4")
    cls = [index.classes[s.label] for s in src]
    (data / "labels.csv").write_text(
        "path,label,split\n"
        f"{outside / 'a.mp4'},{cls[0]},train\n"
        f"../outside/b.mp4,{cls[1]},train\n"
        f"link/c.mp4,{cls[2]},train\n"
        f"clips/nested/deep/d.mp4,{cls[3]},test\n"
        f"clips/e.mp4,{cls[4]},test\n"
    )
    cache, runs = tmp_path / "features", tmp_path / "runs"  # "../outside" from the cache is tmp_path/outside
    before = _snapshot(tmp_path, cache, runs)
    argv = [
        "extract", "--dataset", "generic", "--data", str(data / "labels.csv"), "--protocol", "default", "--random-init",
        "--kind", "tubes", "--score-thresh", "0.3", "--clip-len", "4", "--stride", "4", "--output-size", "7", "--cache", str(cache),
        "--no-progress",
    ]  # fmt: skip
    assert main(argv) == 0
    assert _snapshot(tmp_path, cache, runs) == before  # not one file written, changed or removed outside the cache
    written = sorted(p.name for p in cache.iterdir())
    assert len(written) == 6 and "cache.json" in written and all(p.is_file() for p in cache.iterdir())
    names = {load_cached_video(cache / f).name: load_cached_video(cache / f) for f in written if f.endswith(".pt")}
    assert set(names) == {str(outside / "a"), "../outside/b", "link/c", "clips/nested/deep/d", "clips/e"}
    assert {n: v.split for n, v in names.items()} == {
        str(outside / "a"): "train", "../outside/b": "train", "link/c": "train", "clips/nested/deep/d": "test",
        "clips/e": "test",
    }  # fmt: skip
    generic_classes = sorted(set(cls))
    assert json.loads((cache / "cache.json").read_text())["classes"] == generic_classes
    assert {n: v.label for n, v in names.items()}["link/c"] == generic_classes.index(cls[2])
    # A rerun finds every video (nothing extracted again).
    assert main(argv) == 0
    assert "0 videos extracted, 5 already there" in capsys.readouterr().out
    # The nested and outside names train and evaluate through the same readers.
    assert main(["train", "--cache", str(cache), "--protocol", "default", "--head", "Conv3Dx1+GAP+FC",
                 "--head-option", "dim_conv=8", "--head-option", "dim_fc=16", "--iterations", "2", "--batch-size", "2",
                 "--out", str(runs), "--no-progress"]) == 0  # fmt: skip
    result = read_record(runs / "results.json")
    assert result.parameters["classes"] == generic_classes
    assert {p["name"] for p in result.metrics["runs"][0]["predictions"]} == {"clips/nested/deep/d", "clips/e"}
    assert main(["evaluate", "--checkpoint", str(runs / "seed0" / "last.pt"), "--cache", str(cache), "--no-progress"]) == 0
    assert _snapshot(tmp_path, cache, runs) == before


@pytest.mark.slow
def test_extract_takes_its_clip_settings_from_the_profile_and_options_override_them(
    synthetic_tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from hiar_lib.profiles import get_profile

    smoke = get_profile("smoke").extraction
    base = ["extract", "--dataset", "synthetic", "--data", str(synthetic_tiny), "--protocol", "cs", "--random-init",
            "--limit", "1", "--no-progress", "--profile", "smoke"]  # fmt: skip
    assert main([*base, "--cache", str(tmp_path / "a")]) == 0
    config = json.loads((tmp_path / "a" / "cache.json").read_text())["config"]
    assert (config["kind"], config["stride"], config["max_clip_len"]) == ("crops", smoke.stride, smoke.max_clip_len)
    assert config["levels"] == list(smoke.levels) and "pooler" not in config and "clip_len" not in config
    assert config["tracker"] == asdict(tracker_config(smoke.tracker)) and config["tracker"]["gate"] is not None
    assert (config["score_thresh"], config["max_people"], config["detector_size"]) == (smoke.score_thresh, smoke.max_people, None)
    assert main([*base, "--cache", str(tmp_path / "b"), "--stride", "3", "--max-clip-len", "12", "--levels", "P2", "P3",
                 "--tracker", "paper", "--score-thresh", "0.4", "--max-people", "1"]) == 0  # fmt: skip
    config = json.loads((tmp_path / "b" / "cache.json").read_text())["config"]
    assert (config["stride"], config["max_clip_len"], config["levels"]) == (3, 12, ["P2", "P3"])
    assert (config["tracker"]["gate"], config["tracker"]["max_gap"], config["score_thresh"]) == (None, 0, 0.4)
    # At most one person a frame: no frame of any phase has two tracks present (the untrained
    # detector scores its 100 proposals near 0.5, so without the cap most frames have many).
    for cache, most in (("a", smoke.max_people), ("b", 1)):
        payloads = [torch.load(f, weights_only=True) for f in sorted((tmp_path / cache).glob("*.pt"))]
        per_frame = [int(n) for v in payloads for ph in v["phases"] for n in ph["present"].sum(0)]
        assert per_frame and max(per_frame) == most, (cache, per_frame)
    assert main([*base, "--cache", str(tmp_path / "c"), "--kind", "tubes", "--clip-len", "4", "--output-size", "7"]) == 0
    config = json.loads((tmp_path / "c" / "cache.json").read_text())["config"]
    assert (config["kind"], config["clip_len"], config["pooler"]["output_size"], config["pooler"]["absent"]) == ("tubes", 4, 7, "pool")
    assert "levels" not in config and "max_clip_len" not in config
    capsys.readouterr()
    assert main([*base, "--cache", str(tmp_path / "d"), "--output-size", "7"]) == 2
    assert "a 'crops' cache keeps every choice open" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_the_paper_profile_extracts_n_ucla_at_640x480_with_the_paper_tracker(nucla_root: Path, tmp_path: Path) -> None:
    import json

    args = ["extract", "--dataset", "nucla", "--data", str(nucla_root), "--protocol", "v12_3", "--profile", "paper",
            "--detector", "paper", "--random-init", "--clip-len", "1", "--limit", "1", "--no-progress",
            "--cache", str(tmp_path / "c")]  # fmt: skip
    assert main(args) == 0
    config = json.loads((tmp_path / "c" / "cache.json").read_text())["config"]
    assert config["detector_size"] == [480, 640] and config["size"] is None  # the detector sees 640x480 frames unscaled
    assert (config["tracker"]["gate"], config["tracker"]["max_gap"]) == (None, 0)
    model = build_detector("paper", random_init=True, min_size=480, max_size=640)
    assert (model.transform.min_size, model.transform.max_size) == ((480,), 640)


def test_the_settings_record_is_plain_json_of_the_kinds_own_settings_and_keys_stay_as_they_were() -> None:
    base = dict(dataset="synthetic", data_root="/data", protocol="cs", detector="synthetic:abc")
    # Caches made by earlier versions are found by these keys: a change here orphans every cache on users' disks.
    assert (ExtractionConfig(**base).key(), ExtractionConfig(**base, kind="crops").key()) == ("e5b2c18dd877", "ea4b3955224e")
    tubes = ExtractionConfig(**base, size=(96, 72), detector_size=(480, 640), max_people=100)
    d = tubes.to_dict()
    assert json.loads(json.dumps(d)) == d and d["size"] == [96, 72] and d["detector_size"] == [480, 640]
    assert d["pooler"]["levels"] == list(tubes.pooler.levels) and d["pooler"]["output_size"] == tubes.pooler.output_size
    assert {"protocol", "pooler", "clip_len", "train_clips"} <= d.keys() and not {"levels", "max_clip_len", "instances", "max_people"} & d.keys()
    crops = ExtractionConfig(**base, kind="crops", levels=["P3", "P2"], max_people=50, max_clip_len=4)
    c = crops.to_dict()
    assert crops.levels == ("P3", "P2") and c["levels"] == ["P3", "P2"] and (c["max_people"], c["max_clip_len"]) == (50, 4)
    assert c["size"] is None and c["detector_size"] is None and not {"protocol", "pooler", "clip_len", "train_clips"} & c.keys()
    assert tubes.key() == hashlib.sha1(json.dumps({"format": FORMAT_VERSION, **d}, sort_keys=True).encode()).hexdigest()[:12]
    # Settings no cache can have are refused as they are made.
    for changes, message in (
        ({"kind": "tube"}, "a feature cache is of kind 'tubes' or 'crops', not 'tube'"),
        ({"instances": "gt"}, "a feature cache's instances are 'detected' or 'ground_truth', not 'gt'"),
        ({"kind": "crops", "max_clip_len": 0}, "max_clip_len must be >= 1, got 0"),
    ):
        with pytest.raises(CacheError) as e:
            ExtractionConfig(**base, **changes)
        assert str(e.value) == message
    assert ExtractionConfig(**base, kind="crops", max_clip_len=1).max_clip_len == 1
    with pytest.raises(ValueError, match="levels must be a non-empty subset of P2, P3, P4, P5"):
        ExtractionConfig(**base, kind="crops", levels=["P9"])


def test_ground_truth_instances_are_a_crops_cache_of_the_synthetic_benchmark_keyed_apart() -> None:
    base = dict(dataset="synthetic", data_root="/data", protocol="cs", detector="synthetic:abc", kind="crops")
    detected, oracle = ExtractionConfig(**base), ExtractionConfig(**base, instances="ground_truth")
    assert "instances" not in detected.to_dict()  # the keys of caches made before the oracle are unchanged
    assert oracle.to_dict()["instances"] == "ground_truth" and oracle.key() != detected.key()
    whole = r"^ground-truth instances need a crops cache of the synthetic benchmark \(the one dataset here annotated per person\)$"
    with pytest.raises(CacheError, match=whole):
        ExtractionConfig(**{**base, "kind": "tubes"}, instances="ground_truth")
    with pytest.raises(CacheError, match=whole):
        ExtractionConfig(**{**base, "dataset": "ntu60"}, instances="ground_truth")
    with pytest.raises(CacheError, match="'detected' or 'ground_truth'"):
        ExtractionConfig(**base, instances="oracle")


def test_shown_names_lists_the_first_four_and_says_when_there_are_more() -> None:
    from hiar_lib.features import shown_names

    assert shown_names(["a", "b", "c", "d"]) == "a, b, c, d"  # exactly four: all of them, nothing more
    assert shown_names(["a", "b", "c", "d", "e"]) == "a, b, c, d, ..."
    assert shown_names(["a", "b", "c"], k=2) == "a, b, ..." and shown_names([]) == ""


def _crops_config(root: Path, model: torch.nn.Module, **changes) -> ExtractionConfig:
    base = dict(dataset="synthetic", data_root=str(root), protocol="cs", detector=detector_identity(model), kind="crops",
                stride=2, max_clip_len=8, levels=("P2", "P3"), size=(96, 72))  # fmt: skip
    return ExtractionConfig(**{**base, **changes})


def _same_payload(a: Path, b: Path) -> bool:
    x, y = torch.load(a, weights_only=True), torch.load(b, weights_only=True)

    def same(u, v) -> bool:
        if isinstance(u, dict):
            return u.keys() == v.keys() and all(same(u[k], v[k]) for k in u)
        if isinstance(u, (list, tuple)):
            return len(u) == len(v) and all(same(p, q) for p, q in zip(u, v))
        if isinstance(u, torch.Tensor):
            return isinstance(v, torch.Tensor) and u.dtype == v.dtype and u.shape == v.shape and torch.equal(u.nan_to_num(-7.0), v.nan_to_num(-7.0))
        return u == v

    return same(x, y)


def test_one_detector_pass_fills_the_detected_and_oracle_caches_as_two_extractions_would(synthetic_tiny: Path, tmp_path: Path) -> None:
    model = build_detector("synthetic", random_init=True, score_thresh=0.55, seed=0)
    index = index_synthetic(synthetic_tiny)
    split = index.split("cs")
    samples = {"train": split["train"][:2], "test": split["test"][:1]}
    config = _crops_config(synthetic_tiny, model)
    oracle_config = _crops_config(synthetic_tiny, model, instances="ground_truth")
    passes = []
    hook = model.backbone.register_forward_hook(lambda *_: passes.append(1))  # counts the detector's batches
    kw = dict(ground_truth_root=synthetic_tiny, progress=False, classes=index.classes)
    extract_features(model, samples, config, tmp_path / "alone", **kw)
    extract_features(model, samples, oracle_config, tmp_path / "alone-oracle", **kw)
    apart, passes[:] = len(passes), []
    stats = extract_features(model, samples, config, tmp_path / "joint", oracle_cache=tmp_path / "joint-oracle", **kw)
    assert stats["done"] == 3 and apart > 0 and len(passes) == apart // 2  # the detector ran once a video, not twice
    for s in (*samples["train"], *samples["test"]):
        for kind in ("", "-oracle"):  # each file equals what its own extraction writes, to the bit
            assert _same_payload(cached_video_path(tmp_path / f"joint{kind}", s.name), cached_video_path(tmp_path / f"alone{kind}", s.name))
    for kind in ("", "-oracle"):
        meta = json.loads((tmp_path / f"joint{kind}" / "cache.json").read_text())
        assert meta["key"] == json.loads((tmp_path / f"alone{kind}" / "cache.json").read_text())["key"]
        assert meta["extraction_time"]["videos"] == 3 and meta["extraction_time"]["seconds"] > 0
        assert read_cache_info(tmp_path / f"joint{kind}").extraction_time == meta["extraction_time"]
    # A video the oracle lacks is cropped into it alone; the detected file is not rewritten.
    gone = samples["train"][0].name
    cached_video_path(tmp_path / "joint-oracle", gone).unlink()
    kept = {p: p.stat().st_mtime_ns for p in (tmp_path / "joint").glob("*.pt")}
    passes[:] = []
    stats = extract_features(model, samples, config, tmp_path / "joint", oracle_cache=tmp_path / "joint-oracle", **kw)
    hook.remove()
    assert (stats["done"], stats["skipped"]) == (1, 2) and len(passes) == apart // 6  # one pass, for the oracle alone
    assert _same_payload(cached_video_path(tmp_path / "joint-oracle", gone), cached_video_path(tmp_path / "alone-oracle", gone))
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "joint").glob("*.pt")} == kept
    times = {k: json.loads((tmp_path / f"joint{k}" / "cache.json").read_text())["extraction_time"]["videos"] for k in ("", "-oracle")}
    assert times == {"": 3, "-oracle": 4}


def test_a_crops_extraction_crops_the_detector_pass_at_the_configs_size_and_padding_under_autocast_when_asked(
    synthetic_tiny: Path, tmp_path: Path
) -> None:
    from hiar_lib.crops import crop_video, detect_video

    model = build_detector("synthetic", random_init=True, score_thresh=0.55, seed=0)
    sample = index_synthetic(synthetic_tiny).split("cs")["test"][0]
    config = _crops_config(synthetic_tiny, model, pad_to_multiple=64)  # 192x144 frames resized to 96x72, padded to 128x128
    oracle = replace(config, instances="ground_truth")  # the annotated people as the tracks, cropped from the same pass
    gt = load_annotation(synthetic_tiny, sample.name)
    for name, cfg, amp in (("plain", config, False), ("amp", config, True), ("oracle", oracle, False)):
        kw = dict(ground_truth_root=synthetic_tiny) if cfg.instances == "ground_truth" else {}
        assert extract_features(model, {"test": [sample]}, cfg, tmp_path / name, amp=amp, progress=False, **kw)["done"] == 1
        detected = detect_video(model, sample.path, size=(96, 72), pad_to_multiple=64, amp=amp)
        payload = crop_video(detected, stride=config.stride, levels=config.levels, max_clip_len=config.max_clip_len, tracker=config.tracker,
                             ground_truth=gt if kw else None, instances=cfg.instances)  # fmt: skip
        want = save_cached_video(tmp_path / f"want-{name}", {"name": sample.name, "label": sample.label, "split": "test", **payload})
        assert _same_payload(cached_video_path(tmp_path / name, sample.name), want), name
    got = {name: cached_video_path(tmp_path / name, sample.name) for name in ("plain", "amp", "oracle")}
    assert not _same_payload(got["plain"], got["amp"]) and not _same_payload(got["plain"], got["oracle"])


def test_an_oracle_cache_goes_beside_a_detected_crops_cache_with_annotations_only(synthetic_tiny: Path, tmp_path: Path) -> None:
    model = build_detector("synthetic", random_init=True, score_thresh=0.55, seed=0)
    samples = {"test": index_synthetic(synthetic_tiny).split("cs")["test"][:1]}
    beside = r"^an oracle cache is filled beside a detected crops cache only \(the same detector pass\)$"
    with pytest.raises(CacheError, match=beside):
        extract_features(model, samples, _crops_config(synthetic_tiny, model, kind="tubes"), tmp_path / "a",
                         ground_truth_root=synthetic_tiny, oracle_cache=tmp_path / "b", progress=False)  # fmt: skip
    with pytest.raises(CacheError, match=beside):
        extract_features(model, samples, _crops_config(synthetic_tiny, model, instances="ground_truth"), tmp_path / "a",
                         ground_truth_root=synthetic_tiny, oracle_cache=tmp_path / "b", progress=False)  # fmt: skip
    with pytest.raises(CacheError, match=r"^ground-truth instances need the synthetic benchmark's annotations \(ground_truth_root\)$"):
        extract_features(model, samples, _crops_config(synthetic_tiny, model), tmp_path / "a", oracle_cache=tmp_path / "b", progress=False)
    assert not list(tmp_path.iterdir())  # refused before any cache was opened


def test_the_share_left_of_one_cache_or_of_the_caches_one_pass_fills(tmp_path: Path) -> None:
    from hiar_lib.features import cache_share_left

    detected, oracle = tmp_path / "quick-crops", tmp_path / "quick-crops-oracle"
    assert cache_share_left(detected) == 1.0  # not begun
    splits = {"cs": {"train": ["a", "b"], "test": ["c", "d"]}, "cv": {"train": ["a", "c"], "test": ["b", "d"]}}
    for d in (detected, oracle):
        d.mkdir()
        (d / "cache.json").write_text(json.dumps({"format": 2, "config": {"kind": "crops"}, "splits": splits}))
    cached_video_path(detected, "c").write_bytes(b"x")
    assert cache_share_left(detected) == 0.75  # 3 of its 4 videos (each named once across protocols) to go
    for name in "abd":
        cached_video_path(detected, name).write_bytes(b"x")
    assert cache_share_left(detected) == 0.0
    cached_video_path(oracle, "a").write_bytes(b"x")
    assert cache_share_left(oracle) == 0.75 and cache_share_left(detected, oracle) == 0.75  # the videos either lacks
    cached_video_path(detected, "a").unlink()
    assert cache_share_left(detected, oracle) == 1.0  # a in the oracle only, b c d in the detected only
    (detected / "cache.json").unlink()
    assert cache_share_left(oracle, detected) == 1.0  # one not begun: the whole pass
    (oracle / "cache.json").write_text(json.dumps({"format": 2, "config": {"kind": "crops"}}))
    assert cache_share_left(oracle) == 0.0  # no splits recorded: taken as made
    (oracle / "cache.json").write_text("{not json")
    assert cache_share_left(oracle) == 1.0  # unreadable: as not begun
    # The videos of every cache count, each cache's splits naming some: "a" lacks from the second.
    for d, named in ((detected, ["a", "b"]), (oracle, ["c", "d"])):
        (d / "cache.json").write_text(json.dumps({"format": 2, "config": {"kind": "crops"}, "splits": {"cs": {"train": named}}}))
        for name in "abcd":
            cached_video_path(d, name).write_bytes(b"x")
    cached_video_path(oracle, "a").unlink()
    assert cache_share_left(detected, oracle) == 0.25 and cache_share_left(oracle, detected) == 0.25
