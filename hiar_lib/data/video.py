"""Video reading and writing on PyAV.

Section 4.2 of the paper: a clip is ``T`` frames taken every ``stride`` frames from a
start frame; a video too short for the clip is padded with zero frames, a longer one is
truncated. Training takes a random start, testing a deterministic one. Frames are
resized to the working resolution (NTU: 1280x720, padded to a multiple of 32, i.e.
1280x736; N-UCLA: 640x480 as recorded).

Decoding is sequential and keeps only the ``T`` frames that the clip needs, so memory is
``O(T * H * W)`` whatever the video's length.

Frames are returned upright: a video whose container carries a display rotation (a phone
held upright records landscape frames and a 90 degree rotation) is turned the way a
player shows it, and every size and pixel coordinate here and downstream (boxes in
"source pixels") is in that upright frame (:attr:`VideoInfo.rotation` says by how much).
Rotations are multiples of 90 degrees; a mirroring in the display matrix is not applied.

Wherever a video file is taken, a folder of frame images is taken too (N-UCLA as it is
released: :mod:`hiar_lib.data.frames` says which images are frames and in which order).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from collections.abc import Iterator
from typing import Literal

import av
import numpy as np
import torch

from hiar_lib.data.frames import FRAME_FOLDER_FPS, frame_files, frame_size, read_frame
from hiar_lib.errors import VideoError
from hiar_lib.fileio import temporary_path

__all__ = [
    "Clip",
    "VideoInfo",
    "VideoWriter",
    "clip_frame_indices",
    "even_size",
    "iter_frames",
    "probe_video",
    "read_clip",
    "sample_clip_start",
    "write_video",
]

StartMode = Literal["random", "center", "first"]


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds, read from its container (and its first frame's rotation).

    Attributes:
        path: the file.
        num_frames: number of video frames (counted from packets when the container
            does not store it, e.g. some AVI files).
        fps: average frame rate, frames per second.
        width, height: frame size in pixels, upright (as a player shows it: a video
            stored 1920 x 1080 with a 90 degree display rotation is 1080 x 1920).
        codec: the decoder's name, e.g. ``"h264"``.
        rotation: degrees counter-clockwise (0, 90, 180 or 270) by which the stored
            frames are turned to be upright, from the container's display matrix.
    """

    path: Path
    num_frames: int
    fps: float
    width: int
    height: int
    codec: str
    rotation: int = 0


@dataclass
class Clip:
    """``T`` frames of one video, resized and padded.

    Attributes:
        frames: ``uint8`` tensor ``(T, 3, H, W)``, RGB. Padded frames (past the end of
            the video) are all zeros; padded pixels (right and bottom, up to a multiple
            of ``pad_to_multiple``) are zeros.
        frame_indices: ``int64`` tensor ``(T,)``, the source frame index of each frame,
            ``-1`` for a padded frame.
        valid: ``bool`` tensor ``(T,)``, ``frame_indices >= 0``.
        fps: source frame rate, frames per second.
        source_size: ``(width, height)`` of the source video in pixels.
        scale: ``(sx, sy)``: output pixel = source pixel * scale (before padding, which
            only adds pixels at the right and bottom and so moves no coordinate).
        path: the source file.
    """

    frames: torch.Tensor
    frame_indices: torch.Tensor
    valid: torch.Tensor
    fps: float
    source_size: tuple[int, int]
    scale: tuple[float, float]
    path: Path

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of ``frames``, padding included."""
        return int(self.frames.shape[3]), int(self.frames.shape[2])


def _check_file(path: str | os.PathLike) -> Path:
    """``path`` checked to be a non-empty file or a folder (of frames: checked when read)."""
    p = Path(path)
    if not p.exists():
        raise VideoError(f"video not found: {p}")
    if p.is_dir():
        return p
    if not p.is_file():
        raise VideoError(f"not a video file (a special file): {p}")
    if p.stat().st_size == 0:
        raise VideoError(f"video file is empty (0 bytes): {p}")
    return p


def _open(p: Path) -> av.container.InputContainer:
    try:
        container = av.open(str(p), mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as e:
        raise VideoError(f"cannot read video {p}: not a readable video container ({e})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"no video stream in {p}: expected a video with at least one frame")
    return container


def _quarter_turns(degrees: float | None) -> int:
    """A display rotation in degrees (counter-clockwise, any sign) as quarter turns 0-3."""
    return int(round((degrees or 0) / 90.0)) % 4


def _upright(frame: av.VideoFrame, turns: int, size: tuple[int, int] | None) -> np.ndarray:
    """One decoded frame as ``uint8 (H, W, 3)`` RGB, turned upright by ``turns`` quarter
    turns counter-clockwise and resized to ``size = (width, height)`` (upright) when given."""
    if size is not None:
        w, h = (int(size[0]), int(size[1])) if turns % 2 == 0 else (int(size[1]), int(size[0]))
        if (frame.width, frame.height) != (w, h):
            frame = frame.reformat(width=w, height=h, format="rgb24", interpolation="BILINEAR")
    image = frame.to_ndarray(format="rgb24")
    return np.ascontiguousarray(np.rot90(image, k=turns)) if turns else image


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Read a video's frame count, frame rate, upright size, rotation and codec (the first
    frame is decoded for its display rotation; the rest is read from the container).

    Raises:
        VideoError: the file is missing, empty, not a video, or has zero frames.
    """
    p = _check_file(path)
    if p.is_dir():
        return _probe_frames(p)
    container = _open(p)
    try:
        stream = container.streams.video[0]
        num_frames = int(stream.frames or 0)
        if num_frames <= 0:
            # Containers such as some AVI files do not store the count: count the
            # packets that carry data (cheap: demuxing only, no decoding).
            try:
                num_frames = sum(1 for pkt in container.demux(stream) if pkt.size > 0)
            except av.error.FFmpegError as e:
                raise VideoError(f"cannot read video {p}: demuxing failed ({e})") from None
        rate = stream.average_rate or stream.base_rate or stream.guessed_rate
        fps = float(rate) if rate else 0.0
        codec = stream.codec_context.name
        width, height = int(stream.codec_context.width), int(stream.codec_context.height)
        turns = _first_frame_turns(container) if num_frames > 0 else 0
    finally:
        container.close()
    if num_frames <= 0 or width <= 0 or height <= 0:
        raise VideoError(f"video has no frames: {p} (expected at least one decodable frame)")
    if turns % 2:
        width, height = height, width
    return VideoInfo(path=p, num_frames=num_frames, fps=fps, width=width, height=height, codec=codec, rotation=90 * turns)


def _probe_frames(folder: Path) -> VideoInfo:
    """A folder of frames as a video: its frame count, the first frame's size, the assumed rate."""
    files = frame_files(folder)
    width, height = frame_size(files[0])
    return VideoInfo(path=folder, num_frames=len(files), fps=FRAME_FOLDER_FPS, width=width, height=height, codec="images")


def _first_frame_turns(container: av.container.InputContainer) -> int:
    """The display rotation of a container's first video frame in quarter turns (0 where
    nothing decodes: the readers then say so)."""
    try:
        container.seek(0)
        for frame in container.decode(container.streams.video[0]):
            return _quarter_turns(frame.rotation)
    except (av.error.FFmpegError, ValueError):
        pass
    return 0


def clip_frame_indices(num_frames: int, clip_len: int, stride: int = 1, start: int = 0) -> np.ndarray:
    """Source frame indices of a clip: ``start + k * stride`` for ``k < clip_len``.

    Indices at or past ``num_frames`` are ``-1`` (a padded frame).

    Returns:
        ``int64`` array ``(clip_len,)``.
    """
    if clip_len < 1:
        raise ValueError(f"clip_len must be >= 1, got {clip_len}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    idx = start + stride * np.arange(clip_len, dtype=np.int64)
    idx[idx >= num_frames] = -1
    return idx


def sample_clip_start(
    num_frames: int,
    clip_len: int,
    stride: int = 1,
    mode: StartMode = "center",
    generator: np.random.Generator | None = None,
) -> int:
    """Choose the start frame of a clip that spans ``(clip_len - 1) * stride + 1`` frames.

    Args:
        num_frames: frames in the video.
        mode: ``"random"`` (training: uniform over every start that keeps the clip
            inside the video), ``"center"`` (testing: the clip centred in the video) or
            ``"first"`` (start at frame 0). A video shorter than the span always starts
            at 0 and is padded.
        generator: random source for ``"random"``; a fresh unseeded one if ``None``.
    """
    span = (clip_len - 1) * stride + 1
    slack = max(num_frames - span, 0)
    if mode == "first" or slack == 0:
        return 0
    if mode == "center":
        return slack // 2
    if mode == "random":
        rng = generator if generator is not None else np.random.default_rng()
        return int(rng.integers(0, slack + 1))
    raise ValueError(f"unknown start mode {mode!r}: expected 'random', 'center' or 'first'")


def _output_size(
    src_w: int, src_h: int, size: tuple[int, int] | None, max_side: int | None
) -> tuple[int, int]:
    if size is not None:
        w, h = int(size[0]), int(size[1])
        if w <= 0 or h <= 0:
            raise ValueError(f"size must be positive (width, height), got {size}")
        return w, h
    if max_side is not None and max(src_w, src_h) > max_side:
        s = max_side / max(src_w, src_h)
        return max(1, round(src_w * s)), max(1, round(src_h * s))
    return src_w, src_h


def read_clip(
    path: str | os.PathLike,
    clip_len: int = 8,
    stride: int = 1,
    start: int | StartMode = "center",
    size: tuple[int, int] | None = None,
    max_side: int | None = None,
    pad_to_multiple: int | None = None,
    generator: np.random.Generator | None = None,
) -> Clip:
    """Decode ``clip_len`` frames, every ``stride``-th from ``start``, resized and padded.

    Args:
        path: a video file PyAV can read (mp4, avi, ...), or a folder of frames.
        clip_len: ``T``, frames in the clip. Frames past the end of the video are zeros.
        stride: temporal stride in source frames.
        start: first source frame, or a mode for :func:`sample_clip_start`
            (``"random"`` for training, ``"center"`` for testing, ``"first"``).
        size: output ``(width, height)`` in pixels, e.g. ``(1280, 720)`` for NTU.
        max_side: alternatively, shrink so that the longer side is at most this.
        pad_to_multiple: pad right and bottom with zeros to a multiple of this, e.g.
            32 turns 1280x720 into 1280x736 as in the paper.
        generator: random source when ``start="random"``.

    Returns:
        A :class:`Clip` with ``frames`` of shape ``(clip_len, 3, H, W)``, ``uint8``.

    Raises:
        VideoError: missing, unreadable or zero-frame video, or a decoding error.
    """
    info = probe_video(path)
    if isinstance(start, str):
        start = sample_clip_start(info.num_frames, clip_len, stride, start, generator)
    wanted = clip_frame_indices(info.num_frames, clip_len, stride, int(start))
    out_w, out_h = _output_size(info.width, info.height, size, max_side)
    pad_w, pad_h = out_w, out_h
    if pad_to_multiple:
        pad_w = math.ceil(out_w / pad_to_multiple) * pad_to_multiple
        pad_h = math.ceil(out_h / pad_to_multiple) * pad_to_multiple

    frames = np.zeros((clip_len, pad_h, pad_w, 3), dtype=np.uint8)
    slot_of = {int(f): k for k, f in enumerate(wanted) if f >= 0}
    got = np.zeros(clip_len, dtype=bool)
    if info.path.is_dir():  # a folder of frames: read the frames the clip needs
        files = frame_files(info.path)
        for i, k in slot_of.items():
            frames[k, :out_h, :out_w] = read_frame(files[i], (out_w, out_h))
            got[k] = True
    else:
        _decode_into(info, slot_of, frames, got, (out_w, out_h))
    # A container may announce more frames than decode: those become padding too.
    indices = np.where(got, wanted, -1)
    return Clip(
        frames=torch.from_numpy(frames).permute(0, 3, 1, 2).contiguous(),
        frame_indices=torch.from_numpy(indices),
        valid=torch.from_numpy(got),
        fps=info.fps,
        source_size=(info.width, info.height),
        scale=(out_w / info.width, out_h / info.height),
        path=info.path,
    )


def _decode_into(info: VideoInfo, slot_of: dict[int, int], frames: np.ndarray, got: np.ndarray, size: tuple[int, int]) -> None:
    """Decode a video file's frames ``slot_of`` names into their slots of ``frames``
    (upright, resized to ``size``), marking them in ``got``."""
    last = max(slot_of) if slot_of else -1
    turns = info.rotation // 90
    out_w, out_h = size
    container = _open(info.path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for i, frame in enumerate(container.decode(stream)):
            if i > last:
                break
            k = slot_of.get(i)
            if k is None:
                continue
            frames[k, :out_h, :out_w] = _upright(frame, turns, size)
            got[k] = True
    except av.error.FFmpegError as e:
        raise VideoError(f"cannot decode video {info.path}: {e}") from None
    finally:
        container.close()
    if slot_of and not got.any():
        raise VideoError(f"video has no decodable frames: {info.path}")


_ENCODERS = ("libx264", "libopenh264", "mpeg4")
_MUXERS = {".mp4": "mp4", ".avi": "avi", ".mkv": "matroska", ".mov": "mov"}


def _pick_encoder() -> str:
    for name in _ENCODERS:
        try:
            av.codec.Codec(name, "w")
            return name
        except (av.error.FFmpegError, ValueError):
            continue
    raise VideoError(f"no video encoder available in this PyAV build (tried {', '.join(_ENCODERS)})")


def even_size(width: int, height: int, max_side: int | None = None) -> tuple[int, int]:
    """``(width, height)`` shrunk so that the longer side is at most ``max_side`` (kept
    when ``None`` or already smaller), then rounded down to even numbers (what a 4:2:0
    video needs), at least 2 each."""
    w, h = _output_size(int(width), int(height), None, max_side)
    return max(2, w - w % 2), max(2, h - h % 2)


def iter_frames(path: str | os.PathLike, size: tuple[int, int] | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Decode a video frame by frame: ``(index, uint8 (H, W, 3) RGB)``, upright (the
    container's display rotation applied), resized to ``size = (width, height)`` when
    given. Only one frame is held at a time, so a video of any length streams through.

    Raises:
        VideoError: missing, empty or unreadable file, or a decoding error.
    """
    p = _check_file(path)
    if p.is_dir():
        for i, f in enumerate(frame_files(p)):
            yield i, read_frame(f, size)
        return
    container = _open(p)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for i, frame in enumerate(container.decode(stream)):
            yield i, _upright(frame, _quarter_turns(frame.rotation), size)
    except av.error.FFmpegError as e:
        raise VideoError(f"cannot decode video {p}: {e}") from None
    finally:
        container.close()


class VideoWriter:
    """Write RGB frames one at a time to an H.264 mp4 (MPEG-4 part 2 if no H.264 encoder
    exists), appearing at ``path`` only when :meth:`close` succeeds (a temporary name until
    then; :meth:`abort` or an exception inside ``with`` removes it)::

        with VideoWriter("out.mp4", fps=30, size=(640, 360)) as w:
            for frame in frames:        # uint8 (H, W, 3) or (3, H, W)
                w.write(frame)

    Args:
        path: output path (``.mp4``, ``.avi``, ``.mkv`` or ``.mov``).
        fps: frame rate, frames per second.
        size: ``(width, height)`` in pixels, both even (4:2:0 chroma).
        crf: H.264 constant rate factor (0 lossless .. 51 worst).
    """

    def __init__(self, path: str | os.PathLike, fps: float, size: tuple[int, int], crf: int = 18) -> None:
        w, h = int(size[0]), int(size[1])
        if w <= 0 or h <= 0 or w % 2 or h % 2:
            raise ValueError(f"frame size must be positive and even for 4:2:0 video, got {w}x{h}")
        if not fps or fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        fmt = _MUXERS.get(Path(path).suffix.lower())
        if fmt is None:
            raise ValueError(f"cannot write {path}: expected a file name ending in {', '.join(k for k in _MUXERS if k)}")
        encoder = _pick_encoder()
        self.path, self.size, self.frames = Path(path), (w, h), 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = temporary_path(self.path)
        self._container = av.open(str(self._tmp), mode="w", format=fmt)
        self._stream = self._container.add_stream(encoder, rate=Fraction(fps).limit_denominator(1001))
        self._stream.width, self._stream.height, self._stream.pix_fmt = w, h, "yuv420p"
        if encoder == "libx264":
            self._stream.options = {"crf": str(crf), "preset": "veryfast"}
        elif encoder == "mpeg4":
            self._stream.options = {"qscale": "2"}

    def write(self, frame: np.ndarray | torch.Tensor) -> None:
        """Append one ``uint8`` RGB frame, ``(H, W, 3)`` array or ``(3, H, W)`` tensor."""
        if isinstance(frame, torch.Tensor):
            frame = frame.detach().cpu()
            frame = (frame.permute(1, 2, 0) if frame.ndim == 3 and frame.shape[0] == 3 else frame).numpy()
        arr = np.asarray(frame)
        if arr.dtype != np.uint8 or arr.shape != (self.size[1], self.size[0], 3):
            raise ValueError(f"frames must be uint8 ({self.size[1]}, {self.size[0]}, 3) RGB, got {arr.dtype} {arr.shape}")
        for packet in self._stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(arr), format="rgb24")):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> Path:
        """Flush the encoder and move the file to :attr:`path`."""
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
            self._container.close()
            os.replace(self._tmp, self.path)
        finally:
            self.abort()
        return self.path

    def abort(self) -> None:
        """Drop what was written (the temporary file)."""
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - already closed, or failing while an error is raised anyway
            pass
        if self._tmp.exists():
            self._tmp.unlink()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def write_video(
    path: str | os.PathLike,
    frames: np.ndarray | torch.Tensor,
    fps: float,
    crf: int = 18,
) -> Path:
    """Write RGB frames to an H.264 mp4 (MPEG-4 part 2 if no H.264 encoder exists), all at
    once (:class:`VideoWriter` writes one at a time).

    The file appears atomically: it is written under a temporary name and renamed, so an
    interrupted write leaves no truncated video behind.

    Args:
        path: output path, normally ``*.mp4``.
        frames: ``uint8`` ``(T, H, W, 3)`` array or ``(T, 3, H, W)`` tensor, RGB. ``H``
            and ``W`` must be even (4:2:0 chroma).
        fps: frame rate, frames per second.
        crf: H.264 constant rate factor (0 lossless .. 51 worst).
    """
    if isinstance(frames, torch.Tensor):
        arr = frames.detach().cpu()
        if arr.ndim == 4 and arr.shape[1] == 3 and arr.shape[-1] != 3:
            arr = arr.permute(0, 2, 3, 1)
        arr = arr.numpy()
    else:
        arr = np.asarray(frames)
    if arr.ndim != 4 or arr.shape[-1] != 3 or arr.shape[0] == 0:
        raise ValueError(f"frames must be (T>0, H, W, 3) RGB, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, got {arr.dtype}")
    t, h, w, _ = arr.shape
    if h % 2 or w % 2:
        raise ValueError(f"frame size must be even for 4:2:0 video, got {w}x{h}")
    with VideoWriter(path, fps, (w, h), crf=crf) as writer:
        for i in range(t):
            writer.write(arr[i])
    return Path(path)
