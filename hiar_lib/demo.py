"""``hiar demo``: what each person in any video is doing, window by window.

The whole pipeline on a video PyAV reads (mp4, avi, mkv, webm; any size and frame rate),
streamed so that a long video never sits in memory: frames are decoded one at a time and
shrunk so that the longer side is at most ``max_side`` (a CPU-sized input; ``None`` keeps
them). The detector runs only on the frames the windows sample: every ``stride``-th
frame, the head's temporal stride. A window is ``T`` of those frames (the head's clip
length), and windows start every ``window_stride`` source frames (default: one window's
span, so each sampled frame is detected once; shorter strides overlap the windows and
reuse the detections they share). The tracker (eq. 3, the head's settings) links the
people of every sampled frame from the first; it is causal, so the track ids a window
sees never change later. Each window's tracks are pooled into tubes (the head's action
region, levels and ``S``) and the head gives every track its action probabilities.

Outputs, written to a temporary folder inside ``out`` and moved into place only when
everything succeeded (a failure leaves nothing half-written there):

- ``<stem>_demo.mp4``: every source frame drawn the way Figure 6 draws people
  (:func:`hiar_lib.viz.draw_people`: mask, box, skeleton and ``#id action p`` in a colour
  stable per track), each frame with the people of the nearest sampled frame before it
  and the actions of the window it belongs to;
- ``<stem>_demo.json``: the video's properties, the models and settings used, the
  windows, and per track its sampled frames, boxes and keypoints (with scores, in source
  pixels) and per window its top-5 actions and the full probability vector;
- ``<stem>_demo_masks.npz``: every tracked person's mask in every sampled frame, cropped
  to its box at the processed size, bit-packed (:func:`load_masks` reads it back).

A video with nobody in it gives a JSON with no tracks and an mp4 of the frames as they
are; a video shorter than one window is still processed (its window is padded past the
end, as the paper pads short NTU RGB+D clips) and the JSON says by how much it fell
short. :func:`run_demo` does it from Python and returns the values for a notebook.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from hiar_lib.errors import HiarError

__all__ = ["DemoResult", "DemoSettings", "demo_windows", "load_masks", "run_demo"]


@dataclass(frozen=True)
class DemoSettings:
    """What the demo may choose; the rest (``T``, the stride, the tracker, the pooler and
    the detector's score threshold) comes from the head's checkpoint.

    Attributes:
        window_stride: source frames between window starts (a multiple of the head's
            stride); ``None``: one window's span (``T x stride``).
        max_side: frames are shrunk so that their longer side is at most this many
            pixels before detection (``None``: as they are).
        batch_size: frames per detector pass.
        top_k: actions listed per track and window.
        keypoint_score_thresh: joints drawn above this score.
    """

    window_stride: int | None = None
    max_side: int | None = 640
    batch_size: int = 4
    top_k: int = 5
    keypoint_score_thresh: float = 0.0

    def __post_init__(self) -> None:
        if self.window_stride is not None and self.window_stride < 1:
            raise HiarError(f"window_stride must be a positive number of frames, got {self.window_stride}")
        if self.max_side is not None and self.max_side < 32:
            raise HiarError(f"max_side must be at least 32 pixels, got {self.max_side}")
        if self.batch_size < 1 or self.top_k < 1:
            raise HiarError("batch_size and top_k must be positive")


@dataclass
class DemoResult:
    """What :func:`run_demo` made.

    Attributes:
        video: the annotated mp4.
        json: the JSON file.
        data: the JSON's content (``video``, ``models``, ``settings``, ``windows``,
            ``tracks``, ``notes``, ``seconds``, ``held_at_once``: the most decoded frames
            and FPN maps held in memory at any time).
        masks: the masks file (:func:`load_masks`).
    """

    video: Path
    json: Path
    data: dict[str, Any] = field(default_factory=dict)
    masks: Path | None = None

    @property
    def tracks(self) -> list[dict[str, Any]]:
        return self.data.get("tracks", [])


def demo_windows(num_frames: int, clip_len: int, stride: int, window_stride: int) -> list[list[int]]:
    """The source frames each window samples: window ``w`` starts at ``w * window_stride``
    and takes ``clip_len`` frames ``stride`` apart; frames past the video's end are
    ``-1`` (padding). Windows start while the start lies inside the video.

    Raises:
        HiarError: a ``window_stride`` that is not a multiple of ``stride`` (the windows
            would sample frames no other window samples, and detect them again).
    """
    if window_stride % stride:
        raise HiarError(f"window_stride {window_stride} must be a multiple of the head's stride {stride}")
    out = []
    for start in range(0, max(int(num_frames), 1), window_stride):
        out.append([f if f < num_frames else -1 for f in range(start, start + clip_len * stride, stride)])
    return out


def _head_settings(ckpt: dict[str, Any]) -> dict[str, Any]:
    """``clip_len``, ``stride``, ``pooler``, ``tracker``, ``score_thresh`` and ``max_people`` the head was trained with."""
    from hiar_lib.pool_config import PoolerConfig

    cache = (ckpt.get("cache") or {}).get("config") or {}
    clip = (ckpt.get("config") or {}).get("clip") or {}
    pooler = clip.get("pooler") or cache.get("pooler") or {}
    pooler = {k: tuple(v) if isinstance(v, list) else v for k, v in pooler.items()}
    return {
        "clip_len": int(clip.get("clip_len") or cache.get("clip_len") or 8),
        "stride": int(cache.get("stride") or 1),
        "pooler": PoolerConfig(**pooler),
        "tracker": cache.get("tracker") or {},
        "score_thresh": float(cache.get("score_thresh", 0.5)),
        "max_people": int(cache.get("max_people", 100)),
    }


def _frame_record(instances: Any, inverse: tuple[float, float]) -> dict[str, np.ndarray]:
    """One sampled frame's people as NumPy: boxes and joints in source pixels, and as the
    tracker takes them (the processed frame's pixels)."""
    sx, sy = inverse
    boxes = instances.boxes.cpu().numpy().astype(np.float64) * np.array([sx, sy, sx, sy])
    kp = instances.keypoints.cpu().numpy().astype(np.float64)
    kp[..., 0] *= sx
    kp[..., 1] *= sy
    return {"boxes": boxes, "keypoints": kp[..., :2], "keypoint_scores": instances.keypoint_scores.cpu().numpy(),
            "scores": instances.scores.cpu().numpy(),
            "tracker_keypoints": instances.keypoints.cpu().numpy(), "tracker_boxes": instances.boxes.cpu().numpy(),
            "masks": [_crop_mask(m, b) for m, b in zip(instances.masks, instances.boxes)]}  # fmt: skip


def _crop_mask(mask: torch.Tensor, box: torch.Tensor) -> tuple[int, int, np.ndarray]:
    """``(x0, y0, bool (h, w))``: a mask over the whole frame, cut to the pixels of its box."""
    m = mask if mask.dtype == torch.bool else mask >= 0.5
    height, width = m.shape[-2:]
    x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
    x1, y1 = min(int(np.ceil(float(box[2]))), width), min(int(np.ceil(float(box[3]))), height)
    return x0, y0, m[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)].cpu().numpy()


def _save_masks(path: Path, entries: list[tuple[int, int, int, int, np.ndarray]]) -> None:
    """``(track, frame, x0, y0, bool (h, w))`` entries as one bit-packed buffer and an index."""
    index = np.zeros((len(entries), 7), dtype=np.int64)  # track, frame, x0, y0, h, w, offset
    chunks, offset = [], 0
    for i, (track, frame, x0, y0, m) in enumerate(entries):
        bits = np.packbits(m.reshape(-1))
        index[i] = (track, frame, x0, y0, m.shape[0], m.shape[1], offset)
        chunks.append(bits)
        offset += len(bits)
    data = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, index=index, bits=data)


def load_masks(path: str | os.PathLike) -> dict[tuple[int, int], tuple[int, int, np.ndarray]]:
    """A demo's masks: ``{(track, frame): (x0, y0, bool (h, w))}``, ``x0, y0`` and the
    mask in the pixels of the processed frames (the JSON's ``settings.processed_size``)."""
    with np.load(path) as z:
        index, bits = z["index"], z["bits"]
    out = {}
    for track, frame, x0, y0, h, w, offset in index.tolist():
        n = (h * w + 7) // 8
        m = np.unpackbits(bits[offset : offset + n])[: h * w].reshape(h, w).astype(bool)
        out[(track, frame)] = (x0, y0, m)
    return out


def run_demo(
    video: str | os.PathLike,
    out: str | os.PathLike,
    head: str | os.PathLike,
    *,
    weights: str | os.PathLike | None = None,
    detector: str = "auto",
    random_init: bool = False,
    device: str = "cpu",
    settings: DemoSettings = DemoSettings(),
    classes: Sequence[str] | None = None,
    progress: bool = True,
    log: Callable[[str], Any] | None = None,
) -> DemoResult:
    """Run the demo on ``video`` and write its mp4 and JSON into the folder ``out``.

    Args:
        video: any video file PyAV reads.
        out: the output folder (created; files already there are replaced only by ours).
        head: a head checkpoint (a run's ``seed<N>`` folder or its ``last.pt``).
        weights, detector, random_init: the detector
            (:func:`hiar_lib.experiments.detector.resolve_detector`; it must be the one
            the head's tubes came from).
        device: ``"cpu"`` or ``"cuda"``.
        settings: :class:`DemoSettings`.
        classes: the label space the caller expects (checked against the head's).
        progress: a progress bar over the video's frames.
        log: called with notes worth a user's attention (a video shorter than a window).

    Returns:
        :class:`DemoResult`.

    Raises:
        HiarError: each bad input in one line naming the file (missing, empty, not a
            video, a head checkpoint that is not one, a head for another detector or label
            space, settings that do not fit).
    """
    from hiar_lib.data.video import VideoWriter, even_size, iter_frames, probe_video
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.inference import detect_frames
    from hiar_lib.detection.outputs import FeaturePyramid
    from hiar_lib.engine.compat import check_head_matches_video
    from hiar_lib.engine.evaluate import load_head
    from hiar_lib.experiments.detector import resolve_detector
    from hiar_lib.features import detector_identity
    from hiar_lib.fileio import write_json
    from hiar_lib.pool import action_tubes
    from hiar_lib.track import track_instances
    from hiar_lib.viz import draw_people

    started = time.perf_counter()
    seconds = {k: 0.0 for k in ("decode", "detect", "track", "pool", "head", "draw")}
    held = {"frames": 0, "feature_maps": 0}  # the most decoded frames and FPN maps held at once: bounded, whatever the length
    info = probe_video(video)  # missing, empty, not a video, no frames: one line naming the file
    if not Path(head).exists():
        raise HiarError(f"head checkpoint not found: {head}")
    model_head, ckpt = load_head(head, device)
    hs = _head_settings(ckpt)
    preset, det_weights = resolve_detector(detector, weights, random_init)
    model = build_detector(preset, weights=det_weights, random_init=random_init, device=device, score_thresh=hs["score_thresh"],
                           detections_per_img=hs["max_people"])  # fmt: skip
    identity = detector_identity(model)
    names = check_head_matches_video(ckpt, head, identity, classes)
    t_len, stride = hs["clip_len"], hs["stride"]
    window_stride = settings.window_stride or t_len * stride
    windows = demo_windows(info.num_frames, t_len, stride, window_stride)
    width, height = even_size(info.width, info.height, settings.max_side)
    inverse = (info.width / width, info.height / height)
    notes = []
    span = (t_len - 1) * stride + 1
    if info.num_frames < span:
        notes.append(f"{info.path.name} has {info.num_frames} frames, fewer than one window's {span} "
                     f"({t_len} frames {stride} apart): its one window is padded past the end")  # fmt: skip
        if log is not None:
            log(notes[-1])

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".demo-", dir=out))
    stem = info.path.stem
    fps = info.fps if info.fps > 0 else 25.0
    try:
        writer = VideoWriter(work / f"{stem}_demo.mp4", fps, (width, height))
        sampled = sorted({f for w in windows for f in w if f >= 0})
        people: dict[int, dict[str, np.ndarray]] = {}  # sampled frame -> its people (source pixels)
        instances: dict[int, Any] = {}  # sampled frame -> FrameInstances (drawing, kept while needed)
        maps: dict[int, dict[str, torch.Tensor]] = {}  # sampled frame -> its FPN maps (pooling, kept while needed)
        pyramid: dict[str, Any] = {}
        pending: dict[int, np.ndarray] = {}  # decoded frames not drawn yet
        window_actions: list[dict[int, np.ndarray]] = []
        tracker_kw = dict(hs["tracker"])
        tracks = None
        frames = iter_frames(info.path, (width, height))
        bar = tqdm(total=info.num_frames, unit="frame", desc=f"demo {stem}", disable=not progress)
        decoded_to = -1
        exhausted = False
        for w, window in enumerate(windows):
            start = w * window_stride
            last_needed = max(max(window), min(start + window_stride, info.num_frames) - 1)
            t0 = time.perf_counter()
            while not exhausted and decoded_to < last_needed:
                try:
                    i, frame = next(frames)
                except StopIteration:  # a container that announced more frames than it holds
                    exhausted = True
                    break
                pending[i] = frame
                held["frames"] = max(held["frames"], len(pending))
                decoded_to = i
                bar.update(1)
            seconds["decode"] += time.perf_counter() - t0
            valid = [f for f in window if f in instances or (f >= 0 and f in pending)]
            new = [f for f in valid if f not in instances]
            t0 = time.perf_counter()
            if new:
                batch = torch.from_numpy(np.stack([pending[f] for f in new])).permute(0, 3, 1, 2).contiguous()
                dets = detect_frames(model, batch, batch_size=settings.batch_size, device=device, features_device="cpu")
                fp = dets.features
                pyramid = {"strides": fp.strides, "scale": fp.scale, "original_size": fp.original_size,
                           "image_size": fp.image_size, "padded_size": fp.padded_size}  # fmt: skip
                for k, f in enumerate(new):
                    instances[f] = dets.instances[k].to("cpu")
                    maps[f] = {key: m[k : k + 1] for key, m in fp.maps.items()}
                    people[f] = _frame_record(instances[f], inverse)
                held["feature_maps"] = max(held["feature_maps"], len(maps))
            seconds["detect"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            done = [f for f in sampled if f in people]  # the tracker's rows: every sampled frame detected so far
            row_of = {f: r for r, f in enumerate(done)}
            if done:
                tracks = track_instances([people[f]["tracker_keypoints"] for f in done],
                                         [people[f]["tracker_boxes"] for f in done], **tracker_kw)  # fmt: skip
            seconds["track"] += time.perf_counter() - t0
            actions: dict[int, np.ndarray] = {}
            rows = [row_of.get(f, -1) for f in window]
            if valid and tracks is not None and tracks.num_tracks:
                t0 = time.perf_counter()
                assignment = np.stack([tracks.assignment[r] if r >= 0 else np.full(tracks.num_tracks, -1) for r in rows])
                keep = (assignment >= 0).any(axis=0)
                if keep.any():
                    blank = {key: torch.zeros_like(m) for key, m in maps[valid[0]].items()}
                    feats = FeaturePyramid(maps={key: torch.cat([maps[f][key] if f in maps else blank[key] for f in window])
                                                 for key in blank}, **pyramid)  # fmt: skip
                    boxes = [instances[f].boxes if f in instances else torch.zeros((0, 4)) for f in window]
                    scores = [instances[f].scores if f in instances else torch.zeros(0) for f in window]
                    frame_valid = torch.tensor([f in instances for f in window])
                    tubes = action_tubes(feats, assignment[:, keep], boxes, scores, tracks.track_ids[keep].tolist(),
                                         hs["pooler"], frame_valid=frame_valid)  # fmt: skip
                    seconds["pool"] += time.perf_counter() - t0
                    t0 = time.perf_counter()
                    with torch.inference_mode():
                        probs = torch.softmax(model_head(tubes.tubes.to(device)).float(), dim=1).cpu().numpy()
                    actions = {int(t): p for t, p in zip(tubes.track_ids.tolist(), probs)}
                    seconds["head"] += time.perf_counter() - t0
            window_actions.append(actions)
            # Draw the frames this window owns: [start, start + window_stride).
            t0 = time.perf_counter()
            owned = [i for i in sorted(pending) if start <= i < start + window_stride]
            shown = {t: (names[int(p.argmax())], float(p.max())) for t, p in actions.items()}
            for i in owned:
                near = max((f for f in window if 0 <= f <= i and f in instances), default=None)
                image = torch.from_numpy(pending.pop(i)).permute(2, 0, 1).contiguous()
                if near is not None and tracks is not None and len(instances[near]):
                    ids = tracks.instance_track_ids(row_of[near])
                    image = draw_people(image, instances[near], ids, shown, keypoint_score_thresh=settings.keypoint_score_thresh)
                writer.write(image)
            seconds["draw"] += time.perf_counter() - t0
            # What later windows no longer need: maps and drawings of frames before the next start.
            nxt = (w + 1) * window_stride
            for f in [f for f in maps if f < nxt]:
                del maps[f]
                instances.pop(f, None)
        while True:  # frames past the count the container announced: written as they are
            try:
                i, frame = next(frames)
            except StopIteration:
                break
            writer.write(frame)
            bar.update(1)
        bar.close()
        writer.close()
        data = _demo_json(info, settings, hs, window_stride, windows, tracks, sampled, people, window_actions, names,
                          identity, preset, det_weights, head, ckpt, device, (width, height), notes, seconds,
                          time.perf_counter() - started)  # fmt: skip
        data["held_at_once"] = held
        write_json(work / f"{stem}_demo.json", data)
        final = []
        masks = [(int(t["track"]), f, *people[f]["masks"][j]) for t, js in zip(data["tracks"], _instance_rows(tracks, sampled, people))
                 for f, j in js]  # fmt: skip
        _save_masks(work / f"{stem}_demo_masks.npz", masks)
        for name in (f"{stem}_demo.mp4", f"{stem}_demo.json", f"{stem}_demo_masks.npz"):
            os.replace(work / name, out / name)
            final.append(out / name)
    except BaseException:
        try:
            writer.abort()
        except NameError:
            pass
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return DemoResult(final[0], final[1], data, final[2])


def _instance_rows(tracks: Any, sampled: list[int], people: dict[int, Any]) -> list[list[tuple[int, int]]]:
    """Per track (in ``tracks``' column order), its ``(sampled frame, instance index)`` pairs."""
    if tracks is None:
        return []
    done = [f for f in sampled if f in people]
    return [[(done[r], int(tracks.assignment[r, c])) for r in np.nonzero(tracks.assignment[:, c] >= 0)[0]]
            for c in range(tracks.num_tracks)]  # fmt: skip


def _demo_json(info, settings, hs, window_stride, windows, tracks, sampled, people, window_actions, names, identity,
               preset, det_weights, head, ckpt, device, size, notes, seconds, wall) -> dict[str, Any]:  # fmt: skip
    """The demo's JSON (see the module docstring)."""
    from hiar_lib.experiments.provenance import provenance

    out_tracks = []
    if tracks is not None:
        for tid, pairs in zip(tracks.track_ids.tolist(), _instance_rows(tracks, sampled, people)):
            frames, boxes, keypoints, scores = [], [], [], []
            for f, j in pairs:
                p = people[f]
                frames.append(int(f))
                boxes.append([round(float(v), 2) for v in p["boxes"][j]])
                keypoints.append([[round(float(x), 2), round(float(y), 2), round(float(s), 4)]
                                  for (x, y), s in zip(p["keypoints"][j], p["keypoint_scores"][j])])  # fmt: skip
                scores.append(round(float(p["scores"][j]), 4))
            per_window = []
            for w, acts in enumerate(window_actions):
                if tid not in acts:
                    continue
                probs = acts[tid]
                order = np.argsort(-probs)[: settings.top_k]
                real = [f for f in windows[w] if f >= 0]
                per_window.append({
                    "window": w, "start": real[0], "end": real[-1],
                    "top": [{"action": names[int(k)], "probability": round(float(probs[k]), 6)} for k in order],
                    "probabilities": [round(float(v), 6) for v in probs],
                })  # fmt: skip
            out_tracks.append({"track": int(tid), "frames": frames, "boxes": boxes, "keypoints": keypoints,
                               "scores": scores, "windows": per_window})  # fmt: skip
    trained = ckpt.get("cache") or {}
    return {
        "video": {"path": str(info.path), "frames": info.num_frames, "fps": info.fps, "width": info.width,
                  "height": info.height, "codec": info.codec},  # fmt: skip
        "models": {
            "detector": {"preset": preset, "weights": str(det_weights) if det_weights else None, "identity": identity},
            "head": {"checkpoint": str(head), "head": ckpt.get("head_config", {}).get("spec"),
                     "trained_on": trained.get("dataset"), "classes": list(names)},  # fmt: skip
        },
        "settings": {
            **asdict(settings), "window_stride": window_stride, "clip_len": hs["clip_len"], "stride": hs["stride"],
            "pooler": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(hs["pooler"]).items()},
            "tracker": hs["tracker"], "score_thresh": hs["score_thresh"],
            "max_people": hs["max_people"], "device": device,
            "processed_size": list(size),
            "detected_frames": "only the frames the windows sample (every stride-th frame)",
        },
        "windows": [{"window": w, "frames": frames} for w, frames in enumerate(windows)],
        "tracks": out_tracks,
        "notes": notes,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "provenance": provenance(device=device, wall_time_s=wall),
    }
