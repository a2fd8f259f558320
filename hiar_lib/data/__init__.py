"""Data layer: video I/O and dataset indexes."""

from hiar_lib.data.video import (
    Clip,
    VideoInfo,
    clip_frame_indices,
    probe_video,
    read_clip,
    sample_clip_start,
    write_video,
)

__all__ = [
    "Clip",
    "VideoInfo",
    "clip_frame_indices",
    "probe_video",
    "read_clip",
    "sample_clip_start",
    "write_video",
]
