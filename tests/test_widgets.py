"""The inspector without a browser: the widgets driven from Python (an exception inside a
callback surfaces here, where a browser would only log it), the frame cache, and the
functions the widgets show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from hiar_lib.data.video import iter_frames
from hiar_lib.demo import DemoSettings, run_demo
from hiar_lib.widgets import NO_ONE, FrameSource, Inspector, action_timeline, render_frame, top_actions, window_of


@pytest.fixture(scope="module")
def result(demo_head: Path, synthetic_tiny: Path, tmp_path_factory: pytest.TempPathFactory):
    """A demo over a synthetic clip with windows every 8 frames (two windows of 16 frames)."""
    video = sorted(synthetic_tiny.rglob("*.mp4"))[0]
    out = tmp_path_factory.mktemp("inspect")
    return run_demo(video, out, demo_head, random_init=True, progress=False, settings=DemoSettings(window_stride=8, max_side=None))


def test_frames_decode_lazily_and_come_back_from_the_cache(result) -> None:
    path, size = result.data["video"]["path"], tuple(result.data["settings"]["processed_size"])
    truth = [f for _, f in iter_frames(path, size)]
    frames = FrameSource(path, size, cache_frames=4)
    assert np.array_equal(frames[5], truth[5]) and frames.decoded == 6  # decoded up to the frame asked, no further
    assert np.array_equal(frames[3], truth[3]) and frames.decoded == 6  # still cached
    assert np.array_equal(frames[9], truth[9]) and frames.decoded == 10  # forward: the decoding goes on
    assert np.array_equal(frames[0], truth[0]) and frames.decoded == 11  # pushed out of 4: decoded again from the start
    with pytest.raises(IndexError, match="past the end"):
        frames[len(truth)]


def test_the_widgets_redraw_when_driven_and_every_toggle_changes_the_frame(result) -> None:
    data = result.data
    tracks = [t["track"] for t in data["tracks"]]
    assert len(tracks) >= 2, "the untrained detector finds several people in this clip"
    ins = Inspector(result)
    first = bytes(ins.image.value)
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and ins.person.value == tracks[0]
    second = data["tracks"][1]
    frame = next((f for f in second["frames"] if f >= 8), second["frames"][-1])  # in the second window if it can be
    ins.slider.value = frame
    assert bytes(ins.image.value) != first and f"window {window_of(data, frame)}" in ins.status.value
    chart, timeline = bytes(ins.chart.value), bytes(ins.timeline.value)
    ins.person.value = tracks[1]
    assert bytes(ins.chart.value) != chart and bytes(ins.timeline.value) != timeline
    for toggle in (ins.boxes, ins.masks, ins.keypoints, ins.region):  # the picked person is in this frame: each shows
        before = bytes(ins.image.value)
        toggle.value = False
        assert bytes(ins.image.value) != before, toggle.description
    chart = bytes(ins.chart.value)
    ins.person.value = NO_ONE
    assert bytes(ins.chart.value) != chart and "pick a person" not in ins.status.value
    # Everything off: the frame as decoded.
    plain = render_frame(data, ins.frames[frame], frame, ins.mask_table, track=tracks[1], boxes=False, show_masks=False,
                         keypoints=False, region=False)  # fmt: skip
    assert torch.equal(plain, torch.from_numpy(ins.frames[frame]).permute(2, 0, 1))


def test_the_action_region_is_the_union_of_the_persons_boxes_over_the_window(result) -> None:
    data = result.data
    t = max(data["tracks"], key=lambda t: len(t["frames"]))
    window = window_of(data, 0)
    sampled = {f for f in data["windows"][window]["frames"] if f >= 0}
    boxes = np.array([b for f, b in zip(t["frames"], t["boxes"]) if f in sampled])
    frame = next(f for f in t["frames"] if f in sampled)
    image = FrameSource(data["video"]["path"], tuple(data["settings"]["processed_size"]))[frame]
    only_region = render_frame(data, image, frame, track=t["track"], boxes=False, show_masks=False, keypoints=False, region=True)
    changed = (only_region != torch.from_numpy(image).permute(2, 0, 1)).any(dim=0).nonzero()
    sx = data["settings"]["processed_size"][0] / data["video"]["width"]
    sy = data["settings"]["processed_size"][1] / data["video"]["height"]
    x1, y1 = boxes[:, 0].min() * sx, boxes[:, 1].min() * sy
    x2, y2 = boxes[:, 2].max() * sx, boxes[:, 3].max() * sy
    ys, xs = changed[:, 0].float(), changed[:, 1].float()
    # The white box from the union's left to its right edge (its label may run past the right one), nothing
    # left of it or below it.
    assert abs(float(xs.min()) - x1) <= 3 and abs(float(ys.max()) - y2) <= 3 and float(ys.min()) >= y1 - 3
    assert ((xs - x2).abs() <= 2).any()


def test_the_chart_and_timeline_read_the_demos_windows(result) -> None:
    data = result.data
    t = data["tracks"][0]
    w = t["windows"][0]
    assert top_actions(data, t["track"], w["window"]) == [(a["action"], a["probability"]) for a in w["top"]]
    assert top_actions(data, t["track"], 99) == [] and top_actions(data, -5, 0) == []
    line = action_timeline(data, t["track"])
    assert [x["window"] for x in line] == [w["window"] for w in t["windows"]]
    assert all(x["action"] == w["top"][0]["action"] for x, w in zip(line, t["windows"]))
    assert [window_of(data, f) for f in (0, 7, 8, 15)] == [0, 0, 1, 1]
