"""One person at a time: ipywidgets over a ``hiar demo`` result.

:class:`Inspector` shows a demo's video frame by frame (play button and slider), a person
picker by track id (or no one), toggles for boxes, masks, keypoints and the picked person's
outermost action region (the union of their boxes over the window, eq. 6, what the head
pooled), and for the picked person a bar chart of the current window's top-5 actions
and a timeline of their top action across the windows. Colours are the tracks' own
(:func:`hiar_lib.viz.track_color`), as in the demo's mp4 and Figure 6.

Frames are decoded lazily from the source video and kept in a bounded cache
(:class:`FrameSource`), so moving the slider back and forth over a few hundred frames
answers at once after the first pass. Everything the widgets show is computed by plain
functions (:func:`render_frame`, :func:`window_of`, :func:`top_actions`,
:func:`action_timeline`), which a notebook or a test can call without a browser::

    from hiar_lib.demo import run_demo
    from hiar_lib.widgets import Inspector

    result = run_demo("clip.mp4", "demo/", head="cache/runs/<run>/seed0")
    Inspector(result)          # the widgets, in a notebook
"""

from __future__ import annotations

import io
import json
import os
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hiar_lib.errors import HiarError

__all__ = ["FrameSource", "Inspector", "action_timeline", "load_demo", "render_frame", "top_actions", "window_of"]


NO_ONE = -1
"""The person picker's value when no one is picked (track ids are never negative)."""

MIN_SHOWN_SIDE = 480
"""Frames whose longer side is smaller are shown this many pixels wide or more (an
integer zoom, nearest neighbour)."""


def load_demo(result: Any) -> tuple[dict[str, Any], dict[tuple[int, int], tuple[int, int, np.ndarray]]]:
    """A demo's JSON and masks from a :class:`~hiar_lib.demo.DemoResult` or the JSON's path
    (its masks file beside it)."""
    from hiar_lib.demo import load_masks

    if hasattr(result, "data") and hasattr(result, "json"):
        data, json_path, masks_path = result.data, Path(result.json), result.masks
    else:
        json_path = Path(result)
        if not json_path.is_file():
            raise HiarError(f"no demo result at {json_path} (run `hiar demo` first)")
        data, masks_path = json.loads(json_path.read_text()), None
    masks_path = Path(masks_path) if masks_path is not None else json_path.with_name(json_path.name.replace("_demo.json", "_demo_masks.npz"))
    return data, (load_masks(masks_path) if masks_path.is_file() else {})


class FrameSource:
    """Frames of a video at a given size, decoded on demand and cached.

    A frame after the last one decoded continues the decoding; one before it restarts
    from the first frame; each decoded frame is kept until ``cache_frames`` newer ones
    push it out (least recently used first).

    Args:
        path: the video.
        size: ``(width, height)`` of the frames returned.
        cache_frames: how many frames are kept.
    """

    def __init__(self, path: str | os.PathLike, size: tuple[int, int], cache_frames: int = 512) -> None:
        self.path, self.size, self.cache_frames = Path(path), (int(size[0]), int(size[1])), int(cache_frames)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._frames: Iterator[tuple[int, np.ndarray]] | None = None
        self._next = 0
        self.decoded = 0  # frames decoded so far (restarts included): what the cache saves

    def __getitem__(self, index: int) -> np.ndarray:
        """``uint8 (H, W, 3)`` RGB frame ``index``.

        Raises:
            IndexError: past the video's last frame.
        """
        from hiar_lib.data.video import iter_frames

        index = int(index)
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        if index < 0:
            raise IndexError(f"frame {index} of {self.path}")
        if self._frames is None or index < self._next:
            self._frames, self._next = iter_frames(self.path, self.size), 0
        for i, frame in self._frames:
            self.decoded += 1
            self._next = i + 1
            self._cache[i] = frame
            if len(self._cache) > self.cache_frames:
                self._cache.popitem(last=False)
            if i == index:
                return frame
        self._frames = None
        raise IndexError(f"frame {index} is past the end of {self.path}")


def window_of(data: dict[str, Any], frame: int) -> int:
    """The window a source frame belongs to in a demo (its labels are that window's):
    the one starting at the last window start at or before it."""
    stride = int(data["settings"]["window_stride"])
    return max(0, min(int(frame) // stride, len(data["windows"]) - 1))


def top_actions(data: dict[str, Any], track: int, window: int) -> list[tuple[str, float]]:
    """A track's top actions in a window (``[]`` when the track is not in it)."""
    for t in data["tracks"]:
        if t["track"] == track:
            for w in t["windows"]:
                if w["window"] == window:
                    return [(a["action"], float(a["probability"])) for a in w["top"]]
    return []


def action_timeline(data: dict[str, Any], track: int) -> list[dict[str, Any]]:
    """A track's top action per window it is in: ``{"window", "start", "end", "action", "probability"}``."""
    for t in data["tracks"]:
        if t["track"] == track:
            return [{"window": w["window"], "start": w["start"], "end": w["end"], "action": w["top"][0]["action"],
                     "probability": float(w["top"][0]["probability"])} for w in t["windows"]]  # fmt: skip
    return []


def _people_at(data: dict[str, Any], frame: int) -> list[tuple[dict[str, Any], int]]:
    """The tracks shown at a source frame and the index of their sampled frame: the last
    sampled frame at or before it, no further back than one stride (the demo's rule)."""
    stride = int(data["settings"]["stride"])
    out = []
    for t in data["tracks"]:
        frames = t["frames"]
        k = int(np.searchsorted(frames, frame, side="right")) - 1
        if k >= 0 and frame - frames[k] < stride:
            out.append((t, k))
    return out


def render_frame(
    data: dict[str, Any],
    image: np.ndarray,
    frame: int,
    masks: dict[tuple[int, int], tuple[int, int, np.ndarray]] | None = None,
    *,
    track: int | None = None,
    boxes: bool = True,
    show_masks: bool = True,
    keypoints: bool = True,
    region: bool = True,
) -> torch.Tensor:
    """Source frame ``frame`` of a demo drawn as the demo draws it, with toggles.

    Args:
        data: the demo's JSON.
        image: the frame, ``uint8 (H, W, 3)``, at the demo's processed size or any
            multiple of it (the inspector shows small videos larger).
        masks: the demo's masks (:func:`~hiar_lib.demo.load_masks`).
        track: the picked person: drawn with a thicker box and, with ``region``, their
            outermost action region over the window (a white box).
        boxes, show_masks, keypoints, region: what to draw.

    Returns:
        ``uint8 (3, H, W)``.
    """
    from torchvision.utils import draw_bounding_boxes

    from hiar_lib.detection.outputs import FrameInstances
    from hiar_lib.viz import draw_people

    height, width = image.shape[:2]
    sx, sy = width / data["video"]["width"], height / data["video"]["height"]
    zoom = width / data["settings"]["processed_size"][0]
    scale = np.array([sx, sy, sx, sy])
    out = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).contiguous()
    shown = _people_at(data, frame)
    window = window_of(data, frame)
    if shown:
        n = len(shown)
        box = torch.tensor(np.array([np.array(t["boxes"][k]) * scale for t, k in shown]), dtype=torch.float32)
        kp = np.array([t["keypoints"][k] for t, k in shown], dtype=np.float32)
        kp[..., 0] *= sx
        kp[..., 1] *= sy
        full = torch.zeros((n, height, width), dtype=torch.bool)
        for i, (t, k) in enumerate(shown):
            entry = (masks or {}).get((t["track"], t["frames"][k]))
            if entry is not None:
                x0, y0, m = entry
                if zoom != 1:  # masks are at the demo's processed size: to the image's
                    x0, y0 = round(x0 * zoom), round(y0 * zoom)
                    size = (max(round(m.shape[0] * zoom), 1), max(round(m.shape[1] * zoom), 1))
                    m = torch.nn.functional.interpolate(torch.from_numpy(m)[None, None].float(), size=size, mode="nearest")[0, 0].numpy() > 0.5
                h, w = min(m.shape[0], height - y0), min(m.shape[1], width - x0)
                full[i, y0 : y0 + h, x0 : x0 + w] = torch.from_numpy(m[:h, :w])
        people = FrameInstances(boxes=box, scores=torch.ones(n), masks=full,
                                keypoints=torch.from_numpy(np.concatenate([kp[..., :2], np.ones_like(kp[..., :1])], -1)),
                                keypoint_scores=torch.from_numpy(kp[..., 2]))  # fmt: skip
        ids = [t["track"] for t, _ in shown]
        tops = {t["track"]: top_actions(data, t["track"], window) for t, _ in shown}
        actions = {track: top[0] for track, top in tops.items() if top}
        out = draw_people(out, people, ids, actions, boxes=boxes, masks=show_masks, keypoints=keypoints,
                          keypoint_score_thresh=float(data["settings"].get("keypoint_score_thresh", 0.0)))  # fmt: skip
        if boxes and track in ids:
            i = ids.index(track)
            out = draw_bounding_boxes(out, box[i : i + 1], colors=[(255, 255, 255)], width=1)
    if region and track is not None:
        outer = _outermost_box(data, track, window)
        if outer is not None:
            out = draw_bounding_boxes(out, torch.from_numpy(outer[None] * scale).float(), colors=[(255, 255, 255)],
                                      width=3, labels=["action region"])  # fmt: skip
    return out


def _outermost_box(data: dict[str, Any], track: int, window: int) -> np.ndarray | None:
    """The union of a track's boxes over a window's sampled frames (source pixels), eq. 6."""
    sampled = {f for f in data["windows"][window]["frames"] if f >= 0}
    for t in data["tracks"]:
        if t["track"] == track:
            inside = [b for f, b in zip(t["frames"], t["boxes"]) if f in sampled]
            if not inside:
                return None
            b = np.array(inside)
            return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
    return None


def _png(image: torch.Tensor) -> bytes:
    from torchvision.io import encode_png

    return bytes(encode_png(image.cpu()).numpy().tobytes())


def _figure_png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def bar_chart_png(actions: list[tuple[str, float]], title: str) -> bytes:
    """A horizontal bar chart of ``(action, probability)`` as PNG bytes (a matplotlib
    ``Figure`` of its own: the notebook's plotting backend is left alone)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2, 2.2))
    ax = fig.subplots()
    names = [a for a, _ in actions][::-1]
    ax.barh(range(len(names)), [p for _, p in actions][::-1], color="#4c72b0")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability", fontsize=7)
    ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return _figure_png(fig)


def timeline_png(timeline: list[dict[str, Any]], num_frames: int, title: str) -> bytes:
    """Each window's top action as a coloured span over the video's frames (more opaque
    the more probable), as PNG bytes."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    actions = sorted({w["action"] for w in timeline})
    cmap = colormaps["tab20"]
    fig = Figure(figsize=(6.4, 1.4))
    ax = fig.subplots()
    for w in timeline:
        ax.barh(0, w["end"] - w["start"] + 1, left=w["start"], color=cmap(actions.index(w["action"]) % 20),
                alpha=0.3 + 0.7 * w["probability"])  # fmt: skip
    ax.set_xlim(0, max(num_frames, 1))
    ax.set_yticks([])
    ax.set_xlabel("frame", fontsize=7)
    ax.set_title(title, fontsize=8)
    if actions:
        handles = [Rectangle((0, 0), 1, 1, color=cmap(i % 20)) for i in range(len(actions))]
        ax.legend(handles, actions, fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return _figure_png(fig)


class Inspector:
    """The widgets over one demo result (see the module docstring).

    Args:
        result: a :class:`~hiar_lib.demo.DemoResult` or the path of a demo's JSON.
        video: the source video (default the one the JSON names).
        cache_frames: frames kept decoded.

    Attributes:
        widget: the whole ``ipywidgets.VBox``; ``slider``, ``play``, ``person``,
            ``boxes``, ``masks``, ``keypoints``, ``region``, ``image``, ``chart``,
            ``timeline`` and ``status`` are its parts.
    """

    def __init__(self, result: Any, video: str | os.PathLike | None = None, cache_frames: int = 512) -> None:
        import ipywidgets as w

        self.data, self.mask_table = load_demo(result)
        size = tuple(self.data["settings"]["processed_size"])
        self.frames = FrameSource(video or self.data["video"]["path"], size, cache_frames)
        n = int(self.data["video"]["frames"])
        fps = float(self.data["video"]["fps"]) or 25.0
        ids = [t["track"] for t in self.data["tracks"]]
        self.play = w.Play(value=0, min=0, max=max(n - 1, 0), step=1, interval=int(1000 / fps), description="play")
        self.slider = w.IntSlider(value=0, min=0, max=max(n - 1, 0), description="frame", continuous_update=True)
        w.jslink((self.play, "value"), (self.slider, "value"))
        options = [(f"#{t} ({len(tr['frames'])} frames)", t) for t, tr in zip(ids, self.data["tracks"])]
        self.person = w.Dropdown(options=[*options, ("no one picked" if options else "nobody tracked", NO_ONE)], description="person")
        self.boxes = w.Checkbox(value=True, description="boxes", indent=False)
        self.masks = w.Checkbox(value=True, description="masks", indent=False)
        self.keypoints = w.Checkbox(value=True, description="keypoints", indent=False)
        self.region = w.Checkbox(value=True, description="action region", indent=False)
        self.zoom = max(1, -(-MIN_SHOWN_SIDE // max(size)))
        self.image = w.Image(format="png")
        self.chart = w.Image(format="png")
        self.timeline = w.Image(format="png")
        self.status = w.HTML()
        self._charts: dict[tuple[Any, int], bytes] = {}
        for control in (self.slider, self.person, self.boxes, self.masks, self.keypoints, self.region):
            control.observe(self._changed, names="value")
        self.widget = w.VBox([
            w.HBox([self.play, self.slider, self.person]),
            w.HBox([self.boxes, self.masks, self.keypoints, self.region]),
            w.HBox([self.image, w.VBox([self.chart, self.timeline])], layout=w.Layout(align_items="flex-start")),
            self.status,
        ])  # fmt: skip
        self.update(timeline=True)

    def _changed(self, change: dict[str, Any]) -> None:
        self.update(timeline=change["owner"] is self.person)

    def update(self, timeline: bool = False) -> None:
        """Redraw the frame and the chart (and the timeline) for the widgets' values."""
        frame, track = int(self.slider.value), self.person.value
        track = None if track == NO_ONE else track
        image = self.frames[frame]
        if self.zoom > 1:  # small videos shown larger, drawn at that size so that the labels stay legible
            image = np.repeat(np.repeat(image, self.zoom, axis=0), self.zoom, axis=1)
        drawn = render_frame(self.data, image, frame, self.mask_table, track=track, boxes=self.boxes.value,
                             show_masks=self.masks.value, keypoints=self.keypoints.value, region=self.region.value)  # fmt: skip
        self.image.value = _png(drawn)
        window = window_of(self.data, frame)
        key = (track, window if track is not None else -1)
        if key not in self._charts:
            actions = top_actions(self.data, track, window) if track is not None else []
            title = f"#{track}, window {window}" + ("" if actions else ": not in this window") if track is not None else "pick a person"
            self._charts[key] = bar_chart_png(actions, title)
        self.chart.value = self._charts[key]
        if timeline:
            line = action_timeline(self.data, track) if track is not None else []
            title = f"#{track}: top action per window" if track is not None else "pick a person"
            self.timeline.value = timeline_png(line, int(self.data["video"]["frames"]), title)
        present = ", ".join(f"#{t['track']}" for t, _ in _people_at(self.data, frame)) or "nobody"
        self.status.value = f"frame {frame}, window {window}: {present}"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
