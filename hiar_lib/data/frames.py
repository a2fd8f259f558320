"""A folder of frame images read as a video (N-UCLA as it is released).

The released Northwestern-UCLA dataset is not video files: each take is a folder of
frames, ``view_1/a01_s01_e00/frame_12_tc_3456789_rgb.jpg``, with each frame's depth map
(``..._depth.png``) and skeleton (``..._skeletons.txt``) beside it. The readers of
:mod:`hiar_lib.data.video` take such a folder wherever they take a video file: its frames
are its colour images, in the order of the first number in their names (``frame_2``
before ``frame_10``, then the name), and where some are named ``*_rgb.*`` only those
(the depth maps and other images beside them are not frames of the colour video).

A folder of frames has no frame rate: :data:`FRAME_FOLDER_FPS` is assumed (N-UCLA was
recorded with Kinect v1 cameras at about 30 frames per second); it matters only where a
video is written from one (``hiar demo``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from hiar_lib.errors import VideoError

__all__ = ["FRAME_EXTENSIONS", "FRAME_FOLDER_FPS", "frame_files", "frame_size", "read_frame"]

FRAME_EXTENSIONS: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".bmp"})
"""Extensions of the images taken to be frames."""

FRAME_FOLDER_FPS = 30.0
"""Frames per second assumed for a folder of frames (it records none)."""

_NUMBER = re.compile(r"\d+")


def _order(path: Path) -> tuple[int, str]:
    m = _NUMBER.search(path.stem)
    return (int(m.group()) if m else -1, path.name)


def frame_files(folder: Path) -> list[Path]:
    """The colour frames of a frame folder, in order (the module docstring's rule).

    Raises:
        VideoError: the folder holds no image.
    """
    images = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FRAME_EXTENSIONS]
    colour = [p for p in images if p.stem.lower().endswith("_rgb")]
    frames = sorted(colour or images, key=_order)
    if not frames:
        raise VideoError(f"not a video: {folder} is a folder without frame images ({', '.join(sorted(FRAME_EXTENSIONS))})")
    return frames


def frame_size(path: Path) -> tuple[int, int]:
    """``(width, height)`` of one frame image, read from its header.

    Raises:
        VideoError: the image cannot be read.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.size
    except (OSError, UnidentifiedImageError) as e:
        raise VideoError(f"cannot read frame {path}: {e}") from None


def read_frame(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """One frame image as ``uint8 (H, W, 3)`` RGB, resized (bilinear) to ``size = (width,
    height)`` when given.

    Raises:
        VideoError: the image cannot be read.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            rgb = im.convert("RGB")
            if size is not None and rgb.size != tuple(size):
                rgb = rgb.resize((int(size[0]), int(size[1])), Image.Resampling.BILINEAR)
            return np.asarray(rgb, dtype=np.uint8).copy()
    except (OSError, UnidentifiedImageError, ValueError) as e:
        raise VideoError(f"cannot read frame {path}: {e}") from None
