"""Track crops: what a feature cache keeps so that any clip of a video can be pooled later.

The detector runs once over every frame of a video. The frames are split by the
extraction's temporal stride ``s`` into ``s`` phases (frames ``p, p + s, p + 2s, ...``)
and the tracker links the people of each phase, as it would link those of a clip drawn
at that stride. For every track, each chosen FPN level is cropped, in every frame of its
phase that a clip holding the track can reach, to the cells under the union of the
track's boxes (plus a margin of bilinear neighbours), at the level's own resolution, in
half precision.

A clip is then any window of ``T`` consecutive frames of one phase (a start frame and
``T``): its tracks are those present in it, each pooled by
:func:`hiar_lib.pool.roi_align_levels` from its crops with any
:class:`~hiar_lib.pool_config.PoolerConfig` over the stored levels: basic or outermost
region (the outermost box is the union over the clip's frames, eq. 6, pooled in every
frame, eq. 7), any ``S``, any level set and combination. The result equals pooling the
whole levels of the same pass (the crops hold every cell RoIAlign reads), so training can
draw a fresh random clip of every video each time (Section 4.2) and every table row can
be pooled from one extraction without running the detector again.

One departure: the tracker links the whole phase, not the clip alone. For the paper's
tracker (eq. 3 between adjacent frames, no gaps) the links inside a clip are the same
either way; the extended tracker may bridge a gap across the clip's first frame using
frames before it.

A video's payload (``torch.save`` of a dict, read with ``weights_only``; ``split`` is the
video's split under the protocol it was extracted for, informational: training and
evaluation read every protocol's splits from the cache's ``cache.json``)::

    name, label, split, num_frames, stride, max_clip_len, channels, kind="crops", format
    to_image        (2,) float32: detector-input pixel = source pixel * to_image (x, y)
    strides         {level key: detector-input pixels per cell}
    person_labels   (P,) int64 ground truth of the synthetic benchmark's people, or None
    phases          one dict per phase p = 0 .. stride - 1:
        frames      (F,) int64 source frame of each row
        track_ids   (K,) int64
        present     (K, F) bool
        boxes       (K, F, 4) float32 source pixels, NaN in gaps
        scores      (K, F) float32, NaN in gaps
        gt_iou      (K, F, P) float16 IoU with each ground-truth person (0 where either
                    is absent), or None
        rows        (K, 2) int64: the rows [r0, r1) the track's crops cover
        origins     {level key: (K, 2) int64 (x0, y0), the crop's top-left cell}
        crops       {level key: K tensors (r1 - r0, C, h_k, w_k) float16}
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from hiar_lib.errors import HiarError
from hiar_lib.person_labels import ground_truth_iou, person_labels_from_iou
from hiar_lib.pool import outermost_boxes, pooled_regions, roi_align_levels, track_boxes
from hiar_lib.pool_config import PoolerConfig
from hiar_lib.track import track_instances
from hiar_lib.track_config import TrackerConfig
from hiar_lib.vocabulary import FPN_LEVEL_KEYS

__all__ = [
    "CropError", "DetectedVideo", "crop_video", "crop_window", "detect_video", "extract_crops", "ground_truth_tracks", "phase_tracks", "track_crops", "window_starts", "window_tracks",
]  # fmt: skip


class CropError(HiarError):
    """A clip asked of a crop cache that it cannot give (a level it did not store, a
    clip longer than it kept crops for)."""


def _cells(lo: float, hi: float, stride: int, size: int) -> tuple[int, int]:
    """The cells ``[a, b)`` of one axis of a level that RoIAlign (``aligned=True``) reads
    for any box inside ``[lo, hi]`` detector-input pixels, plus one cell each side."""
    a = math.floor(lo / stride - 0.5) - 1
    b = math.floor(hi / stride - 0.5) + 3
    return max(a, 0), max(min(b, size), max(a, 0) + 1)


def track_crops(
    features,
    rows: np.ndarray,
    boxes_image: Tensor,
    present: Tensor,
    levels: tuple[str, ...],
    max_clip_len: int,
) -> tuple[Tensor, dict[str, Tensor], dict[str, list[Tensor]]]:
    """Crop every level under each track's boxes (see the module docstring).

    Args:
        features: the :class:`~hiar_lib.detection.outputs.FeaturePyramid` of every frame
            of the video.
        rows: ``(F,)`` the phase's frames, as indices into ``features``.
        boxes_image: ``(K, F, 4)`` the tracks' boxes in detector-input pixels (NaN in gaps).
        present: ``(K, F)`` bool.
        levels: the levels to keep (``"P2"``..``"P5"``).
        max_clip_len: the longest clip that will be pooled: a track's crops cover the
            rows within ``max_clip_len - 1`` of its first and last instance.

    Returns:
        ``crop_rows`` ``(K, 2)``, ``origins`` ``{key: (K, 2)}`` and ``crops``
        ``{key: K tensors (r1 - r0, C, h, w)}`` float16.
    """
    k, f = present.shape
    union = outermost_boxes(boxes_image, present)  # (K, 4)
    crop_rows = torch.zeros(k, 2, dtype=torch.int64)
    keys = [FPN_LEVEL_KEYS[lv] for lv in levels]
    origins = {key: torch.zeros(k, 2, dtype=torch.int64) for key in keys}
    crops: dict[str, list[Tensor]] = {key: [] for key in keys}
    idx = torch.as_tensor(rows, dtype=torch.int64)
    for j in range(k):
        on = torch.nonzero(present[j]).flatten()
        r0 = max(int(on.min()) - (max_clip_len - 1), 0)
        r1 = min(int(on.max()) + max_clip_len, f)
        crop_rows[j] = torch.tensor([r0, r1])
        x1, y1, x2, y2 = union[j].tolist()
        for key in keys:
            st = features.strides[key]
            fmap = features.maps[key]
            xa, xb = _cells(x1, x2, st, int(fmap.shape[3]))
            ya, yb = _cells(y1, y2, st, int(fmap.shape[2]))
            origins[key][j] = torch.tensor([xa, ya])
            crops[key].append(fmap[idx[r0:r1], :, ya:yb, xa:xb].to(torch.float16))  # indexing copies: no view of the whole map is kept
    return crop_rows, origins, crops


def phase_tracks(
    keypoints: list[np.ndarray],
    boxes: list[np.ndarray],
    scores: list[np.ndarray],
    rows: np.ndarray,
    tracker: TrackerConfig,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Track one phase's frames: ``track_ids`` ``(K,)``, ``boxes`` ``(K, F, 4)`` (NaN in
    gaps, the detections' pixels), ``present`` ``(K, F)``, ``scores`` ``(K, F)``."""
    kp = [keypoints[r] for r in rows]
    bx = [boxes[r] for r in rows]
    sc = [scores[r] for r in rows]
    tracks = track_instances(kp, bx, **asdict(tracker))
    b, present, s = track_boxes(tracks.assignment, bx, sc)
    return torch.as_tensor(tracks.track_ids, dtype=torch.int64), b, present, s


def ground_truth_tracks(gt, rows: np.ndarray) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The annotated people of a synthetic clip as one phase's tracks (the oracle):
    ``track_ids`` ``(K,)`` (the annotation's), ``boxes`` ``(K, F, 4)`` source pixels (NaN
    where absent), ``present`` ``(K, F)`` (the person's mask is not empty in that frame)
    and ``scores`` ``(K, F)`` (1 where present, NaN elsewhere), for the people present in
    at least one of the phase's frames ``rows``."""
    rows = np.asarray(rows, dtype=np.int64)
    present = torch.from_numpy(gt.present[rows].T.copy())  # (P, F)
    keep = torch.nonzero(present.any(dim=1)).flatten()
    present = present[keep]
    boxes = torch.from_numpy(np.ascontiguousarray(gt.boxes[rows].transpose(1, 0, 2))).float()[keep]
    boxes[~present] = float("nan")
    scores = torch.where(present, 1.0, float("nan"))
    ids = torch.as_tensor(np.asarray(gt.track_ids), dtype=torch.int64)[keep]
    return ids, boxes, present, scores


@dataclass
class DetectedVideo:
    """Every frame of one video through the detector: what :func:`crop_video` crops.

    Attributes:
        num_frames: the decodable frames ``N`` (the rows of every map).
        features: the FPN maps of every frame (:class:`~hiar_lib.detection.outputs.FpnFeatures`,
            on the CPU; ``features.scale``: frame -> detector-input pixels).
        keypoints, boxes, scores: per frame, the detected people's ``(n, 17, 3)``
            keypoints, ``(n, 4)`` boxes (frame pixels) and ``(n,)`` scores.
        frame_scale: ``(sx, sy)``, source -> frame pixels (the frames' resize).
    """

    num_frames: int
    features: Any
    keypoints: list[np.ndarray]
    boxes: list[np.ndarray]
    scores: list[np.ndarray]
    frame_scale: tuple[float, float]


def detect_video(
    model: torch.nn.Module,
    path,
    *,
    size: tuple[int, int] | None = None,
    pad_to_multiple: int | None = None,
    device: str | torch.device = "cpu",
    amp: bool = False,
    batch_size: int = 8,
) -> DetectedVideo:
    """Run the detector over every frame of one video (the costly half of
    :func:`extract_crops`: one pass serves the detected and the ground-truth crops).

    Every frame's FPN maps are held on the CPU until the video is cropped (a 32-frame
    192 x 144 synthetic clip: about 170 MB), so this suits short clips.

    Args:
        model: a detector from :func:`hiar_lib.detection.build.build_detector`.
        path: the video file.
        size, pad_to_multiple: frames resized / padded before detection.
    """
    from hiar_lib.data.video import probe_video, read_clip
    from hiar_lib.detection.inference import detect_frames

    n = probe_video(path).num_frames
    clip = read_clip(path, clip_len=n, stride=1, start=0, size=size, pad_to_multiple=pad_to_multiple)
    n = int(clip.valid.sum())  # what was decodable
    det = detect_frames(model, clip.frames[:n], batch_size=batch_size, device=device, amp=amp, features_device="cpu")
    return DetectedVideo(
        num_frames=n,
        features=det.features,
        keypoints=[d.keypoints.cpu().numpy() for d in det.instances],
        boxes=[d.boxes.cpu().numpy() for d in det.instances],
        scores=[d.scores.cpu().numpy() for d in det.instances],
        frame_scale=(float(clip.scale[0]), float(clip.scale[1])),
    )


def _check_instances(instances: str, ground_truth) -> None:
    if instances not in ("detected", "ground_truth"):
        raise CropError(f"instances must be 'detected' or 'ground_truth', got {instances!r}")
    if instances == "ground_truth" and ground_truth is None:
        raise CropError("ground-truth instances need the video's annotation (ground_truth)")


def crop_video(
    detected: DetectedVideo,
    *,
    stride: int,
    levels: tuple[str, ...],
    max_clip_len: int,
    tracker: TrackerConfig,
    ground_truth=None,
    instances: str = "detected",
) -> dict[str, Any]:
    """Track each phase of a detected video and crop each track's levels.

    Args:
        detected: from :func:`detect_video`.
        stride: the temporal stride of every clip that will be pooled.
        levels: the FPN levels to keep; ``max_clip_len``: the longest clip.
        tracker: the tracker's settings.
        ground_truth: a :class:`hiar_lib.data.synthetic_annotation.ClipAnnotation` (the
            synthetic benchmark) to record each track's IoU with every person.
        instances: ``"detected"`` (the detector's people, tracked) or ``"ground_truth"``
            (``ground_truth``'s people are the tracks, present where annotated, score 1;
            the detector's FPN maps alone are used: :func:`ground_truth_tracks`).

    Returns:
        The payload of the module docstring without ``name``, ``label``, ``split``.
    """
    _check_instances(instances, ground_truth)
    n, feats = detected.num_frames, detected.features
    cx, cy = detected.frame_scale  # source -> frame pixels
    fx, fy = feats.scale  # frame -> detector-input pixels
    to_src = torch.tensor([cx, cy, cx, cy], dtype=torch.float32)
    to_img = torch.tensor([fx, fy, fx, fy], dtype=torch.float32)
    phases = []
    for p in range(stride):
        rows = np.arange(p, n, stride)
        if instances == "ground_truth":
            ids, b, present, sc = ground_truth_tracks(ground_truth, rows)
            b = b * to_src  # source -> frame pixels, as the detections are
        else:
            ids, b, present, sc = phase_tracks(detected.keypoints, detected.boxes, detected.scores, rows, tracker)
        crop_rows, origins, crops = track_crops(feats, rows, b * to_img, present, levels, max_clip_len)
        src = b / to_src
        frames = torch.as_tensor(rows, dtype=torch.int64)
        phases.append({
            "frames": frames, "track_ids": ids, "present": present, "boxes": src, "scores": sc,
            "gt_iou": ground_truth_iou(src, present, frames, ground_truth).to(torch.float16) if ground_truth is not None else None,
            "rows": crop_rows, "origins": origins, "crops": crops,
        })  # fmt: skip
    keys = [FPN_LEVEL_KEYS[lv] for lv in levels]
    return {
        "kind": "crops",
        "num_frames": n,
        "stride": int(stride),
        "max_clip_len": int(max_clip_len),
        "channels": int(feats.channels),
        "to_image": torch.tensor([cx * fx, cy * fy], dtype=torch.float32),
        "strides": {key: int(feats.strides[key]) for key in keys},
        "person_labels": torch.as_tensor(ground_truth.person_labels, dtype=torch.int64) if ground_truth is not None else None,
        "phases": phases,
    }


def extract_crops(
    model: torch.nn.Module,
    path,
    *,
    stride: int,
    levels: tuple[str, ...],
    max_clip_len: int,
    tracker: TrackerConfig,
    size: tuple[int, int] | None = None,
    pad_to_multiple: int | None = None,
    device: str | torch.device = "cpu",
    amp: bool = False,
    batch_size: int = 8,
    ground_truth=None,
    instances: str = "detected",
) -> dict[str, Any]:
    """Detect every frame of one video, track each phase and crop each track's levels:
    :func:`detect_video` then :func:`crop_video` (their arguments).

    Returns:
        The payload of the module docstring without ``name``, ``label``, ``split``.
    """
    _check_instances(instances, ground_truth)  # before the detector's pass
    detected = detect_video(model, path, size=size, pad_to_multiple=pad_to_multiple, device=device, amp=amp, batch_size=batch_size)
    return crop_video(
        detected, stride=stride, levels=levels, max_clip_len=max_clip_len, tracker=tracker, ground_truth=ground_truth, instances=instances,
    )  # fmt: skip


def window_starts(num_frames: int, clip_len: int, stride: int) -> np.ndarray:
    """Every start frame of a ``clip_len``-frame clip at ``stride`` inside the video
    (``[0]`` when the video is shorter than the clip's span, which is then padded)."""
    span = (clip_len - 1) * stride + 1
    return np.arange(max(num_frames - span, 0) + 1, dtype=np.int64)


def _window(payload: dict[str, Any], start: int, clip_len: int) -> tuple[dict[str, Any], Tensor, Tensor, Tensor, Tensor, Tensor]:
    """A clip's phase, rows ``(T,)``, valid rows, rows clamped inside the phase, the
    tracks present in it ``(K,)`` and their presence ``(K, T)``."""
    stride = int(payload["stride"])
    phase = payload["phases"][start % stride]
    f = int(phase["frames"].shape[0])
    r = start // stride + torch.arange(clip_len)
    valid = r < f
    rc = r.clamp(max=max(f - 1, 0))
    if f == 0:
        return phase, r, valid, rc, torch.zeros(0, dtype=torch.int64), torch.zeros(0, clip_len, dtype=torch.bool)
    present = phase["present"][:, rc] & valid[None, :]
    keep = torch.nonzero(present.any(dim=1)).flatten()
    return phase, r, valid, rc, keep, present[keep]


def window_tracks(payload: dict[str, Any], start: int, clip_len: int) -> Tensor:
    """The track ids present in the clip (start, ``clip_len``) of a crop payload, without
    pooling anything: ``(K,)`` int64."""
    phase, _, _, _, keep, _ = _window(payload, start, clip_len)
    return phase["track_ids"][keep]


def crop_window(payload: dict[str, Any], start: int, clip_len: int, pooler: PoolerConfig) -> dict[str, Any]:
    """Pool the clip of ``clip_len`` frames from source frame ``start`` at the payload's
    stride, as :func:`hiar_lib.features.extract_video` would have stored it.

    Args:
        payload: one video of a crop cache (the module docstring's dict).
        start: the clip's first source frame (its phase is ``start % stride``).
        clip_len: ``T``; rows past the phase's end are padding (zeros, frame ``-1``).
        pooler: region, levels (stored ones only), ``S``, combination, absent frames.

    Returns:
        The fields of a :class:`hiar_lib.features.CachedClip`: ``start``,
        ``frame_indices`` ``(T,)``, ``tubes`` ``(K, C, T, S, S)`` float32, ``track_ids``
        ``(K,)``, ``present`` ``(K, T)``, ``boxes`` ``(K, T, 4)`` source pixels,
        ``scores`` and ``areas`` ``(K,)`` (means over the present frames), and
        ``person_labels`` ``(K,)`` (or ``None``), for the K tracks present in the clip.

    Raises:
        CropError: a level the cache did not keep, or a clip longer than the crops cover.
    """
    phase, r, valid, rc, keep, present = _window(payload, start, clip_len)
    stored = set(phase["crops"])
    keys = [FPN_LEVEL_KEYS[lv] for lv in pooler.levels]
    missing = [lv for lv, key in zip(pooler.levels, keys) if key not in stored]
    if missing:
        kept = [lv for lv, key in FPN_LEVEL_KEYS.items() if key in stored]
        raise CropError(f"the feature cache kept levels {', '.join(kept)}, not {', '.join(missing)}")
    if clip_len > int(payload["max_clip_len"]):
        raise CropError(f"the feature cache kept crops for clips of up to {payload['max_clip_len']} frames, not {clip_len}")
    frames: Tensor = phase["frames"]
    frame_indices = torch.where(valid, frames[rc] if frames.numel() else torch.full_like(r, -1), torch.full_like(r, -1))
    boxes = phase["boxes"][keep][:, rc].clone() if keep.numel() else torch.zeros(0, clip_len, 4)
    boxes[~present] = float("nan")
    scores_all = phase["scores"][keep][:, rc] if keep.numel() else torch.zeros(0, clip_len)
    k = int(keep.numel())
    ax, ay = (float(v) for v in payload["to_image"])
    to_image = torch.tensor([ax, ay, ax, ay], dtype=torch.float32)
    pooled, mask = pooled_regions(boxes, present, pooler, valid)
    c = int(payload["channels"])
    s = pooler.output_size
    tubes = torch.zeros(k, c, clip_len, s, s)
    strides = {key: int(v) for key, v in payload["strides"].items()}
    for i, j in enumerate(keep.tolist()):
        tt = torch.nonzero(mask[i]).flatten()
        if tt.numel() == 0:
            continue
        r0 = int(phase["rows"][j, 0])
        maps = {key: phase["crops"][key][j] for key in keys}
        origins = {key: (int(phase["origins"][key][j, 0]), int(phase["origins"][key][j, 1])) for key in keys}
        img_boxes = pooled[i, tt] * to_image
        feats = roi_align_levels(maps, strides, r[tt] - r0, img_boxes, pooler, origins)  # (R, C, S, S)
        tubes[i, :, tt] = feats.transpose(0, 1)
    area = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    nan = torch.tensor(float("nan"))
    gt_iou = phase.get("gt_iou")
    person = None
    if gt_iou is not None and payload.get("person_labels") is not None:
        person = person_labels_from_iou(gt_iou[keep][:, rc] if k else gt_iou[:0, :0], present, payload["person_labels"])
    return {
        "start": int(start),
        "frame_indices": frame_indices,
        "tubes": tubes,
        "track_ids": phase["track_ids"][keep].clone(),
        "present": present,
        "boxes": boxes,
        "scores": torch.nanmean(torch.where(present, scores_all, nan), dim=1),
        "areas": torch.nanmean(torch.where(present, area, nan), dim=1),
        "person_labels": person,
    }
