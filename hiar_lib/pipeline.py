"""One clip through the paper's pipeline: frames -> detections -> tracks -> action tubes.

Every caller that turns frames into people goes through :func:`run_clip`: feature
extraction (tubes for the cache), the tracking evaluation (tracks after the detector),
``hiar track-video`` (tracks to draw) and, next, the demo and the inspector. Each stage's
output is kept in the returned :class:`ClipPipeline`, so a caller (or a notebook) can stop
and look at any of them::

    clip = read_clip("video.mp4", clip_len=8, stride=2)
    out = run_clip(model, clip.frames, frame_valid=clip.valid, pooler=PoolerConfig())
    out.detections.instances[0].boxes     # frame 0's people
    out.tracks.num_tracks                 # eq. 3's tracks
    out.tubes.tubes.shape                 # (K, 256, T, S, S), one tube per track

Coordinates are those of the frames passed in (a :class:`~hiar_lib.data.video.Clip`'s
resized pixels); ``Clip.scale`` maps them back to the source video.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from hiar_lib.detection.inference import detect_frames
from hiar_lib.detection.outputs import Detections
from hiar_lib.pool import ActionTubes, action_tubes
from hiar_lib.pool_config import PoolerConfig
from hiar_lib.track import Tracks, track_instances
from hiar_lib.track_config import TrackerConfig

__all__ = ["ClipPipeline", "run_clip"]


@dataclass
class ClipPipeline:
    """What each stage made of one clip.

    Attributes:
        detections: the detector's per-frame instances (boxes ``(N_t, 4)`` in pixels,
            scores, 17 keypoints, masks) and, when tubes were pooled, the FPN maps.
        tracks: the instances linked over the frames (:func:`hiar_lib.track.track_instances`).
        tubes: one action-region tube per track (``(K, C, T, S, S)``), or ``None`` when no
            pooler was asked for.
        seconds: wall-clock seconds of each stage (``detect``, ``track``, ``pool``) of
            this call; the detector's outputs come back to the host before ``detect`` ends,
            so a GPU's queued work is counted there.
    """

    detections: Detections
    tracks: Tracks
    tubes: ActionTubes | None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def keypoints(self) -> list[np.ndarray]:
        """Per frame, the instances' keypoints ``(N_t, 17, 3)`` (x, y, score) as NumPy."""
        return _per_frame(self.detections, "keypoints")

    @property
    def boxes(self) -> list[np.ndarray]:
        """Per frame, the instances' boxes ``(N_t, 4)`` (x1, y1, x2, y2 pixels) as NumPy."""
        return _per_frame(self.detections, "boxes")

    @property
    def scores(self) -> list[np.ndarray]:
        """Per frame, the instances' detection scores ``(N_t,)`` as NumPy."""
        return _per_frame(self.detections, "scores")


def _per_frame(detections: Detections, name: str) -> list[np.ndarray]:
    return [getattr(d, name).cpu().numpy() for d in detections.instances]


def run_clip(
    model: nn.Module,
    frames: Tensor,
    *,
    tracker: TrackerConfig = TrackerConfig(),
    pooler: PoolerConfig | None = None,
    frame_valid: Tensor | None = None,
    device: str | torch.device | None = None,
    amp: bool = False,
    batch_size: int = 4,
    features_device: str | torch.device | None = "cpu",
) -> ClipPipeline:
    """Detect, track and (with ``pooler``) pool one clip.

    Args:
        model: a detector from :func:`hiar_lib.detection.build.build_detector`.
        frames: ``uint8`` RGB ``(T, 3, H, W)`` (e.g. ``Clip.frames``).
        tracker: the tracker's settings (eq. 3 plus the gate and gap options).
        pooler: the action pooler's settings; ``None`` stops after tracking and keeps no
            FPN maps (less memory: what a tracking run or a drawing needs).
        frame_valid: ``bool (T,)``, ``False`` for padded frames past the video's end
            (``Clip.valid``): no track is present there.
        device, amp, batch_size: where and how the detector runs
            (:func:`hiar_lib.detection.inference.detect_frames`).
        features_device: where the FPN maps are gathered before pooling (``"cpu"`` keeps
            long clips off the GPU).

    Returns:
        :class:`ClipPipeline` with every stage's output.
    """
    t0 = time.perf_counter()
    detections = detect_frames(
        model, frames, batch_size=batch_size, device=device, amp=amp, return_features=pooler is not None,
        features_device=features_device,
    )  # fmt: skip
    keypoints, boxes = _per_frame(detections, "keypoints"), _per_frame(detections, "boxes")
    t1 = time.perf_counter()
    tracks = track_instances(keypoints, boxes, **asdict(tracker))
    t2 = time.perf_counter()
    tubes = None
    if pooler is not None:
        tubes = action_tubes(
            detections.features, tracks.assignment, boxes, _per_frame(detections, "scores"), tracks.track_ids, pooler,
            frame_valid=frame_valid,
        )  # fmt: skip
    seconds = {"detect": t1 - t0, "track": t2 - t1, "pool": time.perf_counter() - t2}
    return ClipPipeline(detections, tracks, tubes, seconds)
