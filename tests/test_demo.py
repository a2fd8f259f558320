"""``hiar demo`` on a synthetic test clip and on real videos, and on bad input.

The head is a smoke head trained on the session's crops cache, whose tubes came from the
seeded untrained synthetic detector: the demo runs that detector (``--random-init``), so
the head's check that its tubes come from the same detector passes. Accuracy means
nothing here; the JSON's structure, the video and the messages are what is checked.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from hiar_lib.cli import main
from hiar_lib.data.video import probe_video, write_video
from hiar_lib.demo import DemoSettings, demo_windows, load_masks, run_demo
from hiar_lib.errors import HiarError
from tests.conftest import realdata_file, rotated_copy


@pytest.fixture
def head(demo_head: Path) -> Path:
    return demo_head


def _altered_head(head: Path, folder: Path, **cache_config) -> Path:
    """A copy of the head's checkpoint whose record of its training cache says otherwise."""
    from hiar_lib.engine import load_checkpoint

    ckpt = load_checkpoint(head)
    ckpt["cache"] = {**ckpt["cache"], "config": {**ckpt["cache"]["config"], **cache_config}}
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, folder / "last.pt")
    return folder / "last.pt"


def _check_result(data: dict, video: Path, mp4: Path, classes: list[str], people: bool = True) -> None:
    info = probe_video(video)
    assert data["video"]["frames"] == info.num_frames and (data["video"]["width"], data["video"]["height"]) == (info.width, info.height)
    assert probe_video(mp4).num_frames == info.num_frames  # every source frame, drawn
    assert data["models"]["head"]["classes"] == classes
    windows = data["windows"]
    assert windows[0]["frames"][0] == 0 and all(len(w["frames"]) == data["settings"]["clip_len"] for w in windows)
    for t in data["tracks"]:
        assert t["frames"] == sorted(set(t["frames"])) and len(t["frames"]) == len(t["boxes"]) == len(t["keypoints"])
        for x1, y1, x2, y2 in t["boxes"]:
            assert -0.5 <= x1 <= x2 <= info.width + 0.5 and -0.5 <= y1 <= y2 <= info.height + 0.5
        assert all(len(k) == 17 and all(len(j) == 3 for j in k) for k in t["keypoints"])
        for w in t["windows"]:
            assert math.isclose(sum(w["probabilities"]), 1.0, abs_tol=1e-4) and len(w["probabilities"]) == len(classes)
            top = [a["probability"] for a in w["top"]]
            assert len(top) == 5 and top == sorted(top, reverse=True) and {a["action"] for a in w["top"]} <= set(classes)
            assert w["top"][0]["action"] == classes[int(np.argmax(w["probabilities"]))]
            sampled = windows[w["window"]]["frames"]
            assert w["start"] == sampled[0] and w["end"] == max(sampled)
    assert data["tracks"] or not people, "the untrained detector finds something in every one of these videos"
    assert set(data["seconds"]) == {"decode", "detect", "track", "pool", "head", "draw"}


@pytest.mark.parametrize("which", ["synthetic", "basketball", "ntu", "upright phone"])
def test_the_demo_writes_a_drawn_video_and_a_json_of_every_track(which: str, head: Path, synthetic_tiny: Path, tmp_path: Path) -> None:
    from hiar_lib.engine import load_checkpoint

    if which == "synthetic":
        manifest = json.loads((synthetic_tiny / "manifest.json").read_text())
        video = synthetic_tiny / next(c["video"] for c in manifest["clips"] if c["subject"] not in manifest["protocols"]["cs"]["train_subjects"])
    elif which == "upright phone":  # landscape frames stored with a 90 degree display rotation
        video = rotated_copy(realdata_file("clips", "basketball_two_people.mp4"), tmp_path / "portrait.mp4", 90, frames=24)
    else:
        video = realdata_file("clips", "basketball_two_people.mp4" if which == "basketball" else "ntu_sample.avi")
    out = tmp_path / "out"
    result = run_demo(video, out, head, random_init=True, settings=DemoSettings(max_side=160), progress=False)
    assert sorted(p.name for p in out.iterdir()) == sorted([result.video.name, result.json.name, result.masks.name])  # nothing else left
    assert json.loads(result.json.read_text()) == json.loads(json.dumps(result.data))
    # (the untrained detector may find no one in a turned picture: the sizes are the point)
    _check_result(result.data, video, result.video, load_checkpoint(head)["cache"]["classes"], people=which != "upright phone")
    if which == "upright phone":  # drawn and described the way a player shows it: portrait
        drawn = probe_video(result.video)
        assert drawn.rotation == 0 and drawn.height > drawn.width
        assert result.data["video"]["height"] > result.data["video"]["width"]
    # A mask for every tracked person in every sampled frame, inside the processed frame.
    masks = load_masks(result.masks)
    assert set(masks) == {(t["track"], f) for t in result.tracks for f in t["frames"]}
    width, height = result.data["settings"]["processed_size"]
    assert all(x0 + m.shape[1] <= width and y0 + m.shape[0] <= height and m.dtype == bool for x0, y0, m in masks.values())
    assert any(m.any() for _, _, m in masks.values()) or not result.tracks


def test_windows_sample_the_heads_stride_and_overlap_when_asked(head: Path, synthetic_tiny: Path, tmp_path: Path) -> None:
    assert demo_windows(20, 4, 2, 8) == [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18, -1, -1]]
    assert demo_windows(10, 4, 2, 4)[:2] == [[0, 2, 4, 6], [4, 6, 8, -1]]
    with pytest.raises(HiarError, match="multiple of the head's stride 2"):
        demo_windows(20, 4, 2, 3)
    video = next(synthetic_tiny.rglob("*.mp4"))
    half = run_demo(video, tmp_path / "half", head, random_init=True, progress=False,
                    settings=DemoSettings(window_stride=8, max_side=None))  # fmt: skip
    whole = run_demo(video, tmp_path / "whole", head, random_init=True, progress=False, settings=DemoSettings(max_side=None))
    assert len(half.data["windows"]) == 2 * len(whole.data["windows"])  # 16 frames: windows of 8 x 2 every 8 or 16
    # Overlapping windows detect each sampled frame once: the same people, the same tracks.
    strip = [{k: t[k] for k in ("track", "frames", "boxes")} for t in half.tracks]
    assert strip == [{k: t[k] for k in ("track", "frames", "boxes")} for t in whole.tracks]


def test_a_video_shorter_than_a_window_is_processed_and_the_shortfall_said(head: Path, synthetic_tiny: Path, tmp_path: Path) -> None:
    from hiar_lib.data.video import read_clip

    source = next(synthetic_tiny.rglob("*.mp4"))
    short = write_video(tmp_path / "short.mp4", read_clip(source, clip_len=5, stride=1, start=0).frames, fps=15.0)
    said: list[str] = []
    result = run_demo(short, tmp_path / "out", head, random_init=True, progress=False, log=said.append)
    assert said and "has 5 frames, fewer than one window's 15" in said[0] and result.data["notes"] == said
    assert result.data["windows"] == [{"window": 0, "frames": [0, 2, 4, -1, -1, -1, -1, -1]}]
    assert probe_video(result.video).num_frames == 5


def test_a_video_with_nobody_gives_a_json_without_tracks(head: Path, synthetic_tiny: Path, tmp_path: Path, capsys) -> None:
    """A detector threshold no score passes stands for an empty scene: exit 0, no tracks, the frames as they are."""
    blind = _altered_head(head, tmp_path / "blind", score_thresh=1.0)
    video = next(synthetic_tiny.rglob("*.mp4"))
    assert main(["demo", str(video), "--out", str(tmp_path / "out"), "--head", str(blind), "--random-init", "--no-progress"]) == 0
    assert "0 track(s) over 16 frames" in capsys.readouterr().out
    data = json.loads((tmp_path / "out" / f"{video.stem}_demo.json").read_text())
    assert data["tracks"] == [] and probe_video(tmp_path / "out" / f"{video.stem}_demo.mp4").num_frames == 16


@pytest.mark.parametrize("case", ["missing", "text", "empty", "other_detector", "not_a_head"])
def test_bad_input_is_one_line_naming_the_file_and_leaves_nothing(case: str, head: Path, synthetic_tiny: Path, tmp_path: Path, capsys) -> None:
    video = next(synthetic_tiny.rglob("*.mp4"))
    used_head = head
    if case == "missing":
        video = tmp_path / "nowhere.mp4"
    elif case == "text":
        video = tmp_path / "notes.mp4"
        video.write_text("this is not a video")
    elif case == "empty":
        video = tmp_path / "empty.mp4"
        video.write_bytes(b"")
    elif case == "other_detector":
        used_head = _altered_head(head, tmp_path / "other", detector="synthetic:0123456789ab")
    else:
        used_head = tmp_path / "notes.txt"
        used_head.write_text("not a checkpoint")
    out = tmp_path / "out"
    assert main(["demo", str(video), "--out", str(out), "--head", str(used_head), "--random-init", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hiar demo: error: ") and "\n" not in err and "Traceback" not in err
    named = {"missing": "video not found", "text": "not a readable video", "empty": "empty (0 bytes)",
             "other_detector": "refusing to apply it here", "not_a_head": "notes.txt"}[case]  # fmt: skip
    assert named in err
    if case in ("missing", "text", "empty"):
        assert video.name in err
    assert not out.exists() or not any(out.iterdir())


def test_the_classes_a_caller_expects_must_be_the_heads(head: Path, synthetic_tiny: Path, tmp_path: Path) -> None:
    from hiar_lib.engine.data import EngineError

    with pytest.raises(EngineError, match="labels asked for in"):
        run_demo(next(synthetic_tiny.rglob("*.mp4")), tmp_path, head, random_init=True, classes=["a", "b"], progress=False)


def test_a_long_video_streams_through_a_bounded_number_of_frames(head: Path, tmp_path: Path) -> None:
    """200 frames: the decoded frames and FPN maps held at once stay within a window or
    two, whatever the length (the paper's clips are 8 frames; the video is never loaded)."""
    rng = np.random.default_rng(0)
    frames = np.repeat(rng.integers(0, 255, size=(1, 48, 64, 3), dtype=np.uint8), 200, axis=0)
    frames[:, 10:40, 20:30] = 250  # a bright block, something for the detector to look at
    video = write_video(tmp_path / "long.mp4", frames, fps=30.0)
    result = run_demo(video, tmp_path / "out", head, random_init=True, progress=False, settings=DemoSettings(max_side=None))
    span = result.data["settings"]["clip_len"] * result.data["settings"]["stride"]
    assert result.data["video"]["frames"] == 200 and len(result.data["windows"]) == math.ceil(200 / span)
    assert result.data["held_at_once"]["frames"] <= span and result.data["held_at_once"]["feature_maps"] <= result.data["settings"]["clip_len"]
    assert probe_video(result.video).num_frames == 200
