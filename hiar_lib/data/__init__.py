"""Data layer: video I/O, class labels, dataset indexes and the synthetic benchmark's format."""

from hiar_lib.data import labels
from hiar_lib.data.datasets import index_dataset
from hiar_lib.data.index import BadFile, DatasetIndex, Protocol, Sample
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
    "BadFile",
    "Clip",
    "DatasetIndex",
    "Protocol",
    "Sample",
    "VideoInfo",
    "clip_frame_indices",
    "index_dataset",
    "labels",
    "probe_video",
    "read_clip",
    "sample_clip_start",
    "write_video",
]
