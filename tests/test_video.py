"""The PyAV video reader and writer, on real clips and on files the tests write."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import torch

from hiar_lib.data.video import clip_frame_indices, probe_video, read_clip, sample_clip_start, write_video
from hiar_lib.errors import VideoError
from hiar_lib.data.video import iter_frames
from tests.conftest import realdata_file, rotated_copy


def test_probe_reads_ntu_avi_without_decoding() -> None:
    info = probe_video(realdata_file("clips", "ntu_sample.avi"))
    assert (info.num_frames, info.width, info.height, info.codec) == (72, 1920, 1080, "h264")
    assert info.fps == pytest.approx(30.0)


def test_ntu_clip_with_stride_resized_to_paper_resolution_and_padded_to_32() -> None:
    clip = read_clip(
        realdata_file("clips", "ntu_sample.avi"), clip_len=8, stride=3, start=0, size=(1280, 720), pad_to_multiple=32
    )
    assert clip.frames.shape == (8, 3, 736, 1280) and clip.frames.dtype == torch.uint8
    assert clip.frame_indices.tolist() == [0, 3, 6, 9, 12, 15, 18, 21]
    assert clip.valid.all()
    assert clip.scale == pytest.approx((2 / 3, 2 / 3))
    assert clip.frames[:, :, 720:].sum() == 0  # padding rows are zero
    assert clip.frames[:, :, :720].float().mean() > 10  # real content above them


def test_strided_read_equals_the_same_frames_of_a_full_read() -> None:
    path = realdata_file("clips", "basketball_two_people.mp4")
    full = read_clip(path, clip_len=300, stride=1, start=0)
    assert full.frames.shape == (300, 3, 240, 426) and full.valid.all()
    part = read_clip(path, clip_len=10, stride=7, start=5)
    assert part.frame_indices.tolist() == list(range(5, 75, 7))
    assert torch.equal(part.frames, full.frames[5:75:7])


def test_short_video_is_padded_with_zero_frames() -> None:
    clip = read_clip(realdata_file("clips", "ntu_sample.avi"), clip_len=40, stride=2, start=0, max_side=320)
    assert clip.frames.shape == (40, 3, 180, 320)
    assert clip.frame_indices[:36].tolist() == list(range(0, 72, 2))
    assert (clip.frame_indices[36:] == -1).all() and not clip.valid[36:].any()
    assert clip.frames[36:].sum() == 0 and clip.frames[:36].sum() > 0


def test_clip_indices_and_start_modes() -> None:
    assert clip_frame_indices(10, 4, 3, 2).tolist() == [2, 5, 8, -1]
    assert sample_clip_start(100, 8, 4, "center") == (100 - 29) // 2
    assert sample_clip_start(100, 8, 4, "first") == 0
    assert sample_clip_start(10, 8, 4, "random") == 0  # too short: start at 0 and pad
    starts = {sample_clip_start(100, 8, 4, "random", np.random.default_rng(s)) for s in range(50)}
    assert len(starts) > 10 and min(starts) >= 0 and max(starts) <= 100 - 29
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    assert sample_clip_start(100, 8, 4, "random", rng_a) == sample_clip_start(100, 8, 4, "random", rng_b)
    with pytest.raises(ValueError, match="start mode"):
        sample_clip_start(100, 8, 1, "middle")  # type: ignore[arg-type]


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    t, h, w = 12, 48, 64
    yy, xx = np.mgrid[0:h, 0:w]
    frames = np.stack([np.stack([(xx * 4 + 10 * i) % 256, yy * 5, np.full_like(xx, 128)], -1) for i in range(t)]).astype(np.uint8)
    out = write_video(tmp_path / "pattern.mp4", frames, fps=15)
    info = probe_video(out)
    assert (info.num_frames, info.width, info.height) == (t, w, h) and info.fps == pytest.approx(15)
    clip = read_clip(out, clip_len=t, start=0)
    err = (clip.frames.permute(0, 2, 3, 1).float() - torch.from_numpy(frames).float()).abs().mean()
    assert err < 4.0  # lossy H.264 at crf 18, but close
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


def test_write_rejects_odd_sizes_and_wrong_types(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="even"):
        write_video(tmp_path / "odd.mp4", np.zeros((2, 15, 16, 3), np.uint8), fps=10)
    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "f.mp4", np.zeros((2, 16, 16, 3), np.float32), fps=10)
    with pytest.raises(ValueError, match="shape"):
        write_video(tmp_path / "s.mp4", np.zeros((16, 16, 3), np.uint8), fps=10)


def test_missing_empty_and_non_video_files_raise_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="not found.*nope.mp4"):
        probe_video(tmp_path / "nope.mp4")
    empty = tmp_path / "empty.avi"
    empty.touch()
    with pytest.raises(VideoError, match="empty.*empty.avi"):
        read_clip(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 20)
    with pytest.raises(VideoError, match="cannot read video.*notes.mp4"):
        read_clip(text)
    with pytest.raises(VideoError, match=f"not a video: {tmp_path} is a folder without frame images"):
        probe_video(tmp_path)


def test_video_with_zero_frames_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "zero.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        container.start_encoding()  # header and stream written, no frame
    with pytest.raises(VideoError, match="zero.mp4: expected a video with at least one frame"):
        read_clip(path)


@pytest.mark.parametrize("degrees", [90, -90, 180])
def test_a_video_with_a_display_rotation_is_read_upright(degrees: int, tmp_path: Path) -> None:
    # The same frames stored twice, once with the rotation a phone held upright writes:
    # both encode the same pictures, so the rotated one reads as the plain one turned.
    src = realdata_file("clips", "basketball_two_people.mp4")
    plain = rotated_copy(src, tmp_path / "plain.mp4", 0, frames=6)
    turned = rotated_copy(src, tmp_path / "turned.mp4", degrees, frames=6)
    a, b = probe_video(plain), probe_video(turned)
    assert (a.rotation, b.rotation) == (0, degrees % 360)
    assert (b.width, b.height) == ((a.height, a.width) if degrees % 180 else (a.width, a.height))
    k = (degrees // 90) % 4  # counter-clockwise quarter turns
    stored = read_clip(plain, clip_len=6, start=0).frames.permute(0, 2, 3, 1).numpy()
    upright = np.rot90(stored, k=k, axes=(1, 2))
    got = read_clip(turned, clip_len=6, start=0).frames.permute(0, 2, 3, 1).numpy()

    def diff(x: np.ndarray, y: np.ndarray) -> float:  # two encodes of the same pictures differ by a level or so
        return float(np.abs(x.astype(np.float32) - y.astype(np.float32)).mean())

    assert got.shape == upright.shape and diff(got, upright) < 2.0
    if degrees == 180:  # the same shape either way: the stored orientation is far off
        assert diff(got, stored) > 10 * diff(got, upright)
    # Streaming gives the same pictures, and resizing happens in the upright frame.
    assert np.array_equal(next(iter_frames(turned))[1], got[0])
    small = next(iter_frames(turned, size=(b.width // 2, b.height // 2)))[1]
    assert small.shape == (b.height // 2, b.width // 2, 3)
    h, w = read_clip(turned, clip_len=2, start=0, max_side=100).frames.shape[2:]
    assert max(h, w) == 100 and (h > w) == (b.height > b.width)


@pytest.mark.parametrize(("suffix", "codec"), [(".mkv", "libx264"), (".webm", "libvpx-vp9"), (".webm", "libvpx"), (".avi", "mpeg4")])
def test_the_containers_users_have_are_read_alike(suffix: str, codec: str, tmp_path: Path) -> None:
    # The first frames of a real clip stored in each container; every reader gives the
    # same pictures (up to each codec's loss) and the same frame count.
    src = realdata_file("clips", "basketball_two_people.mp4")
    frames = np.stack([image for i, image in iter_frames(src, size=(160, 90)) if i < 10])[:, :90, :160]
    path = tmp_path / f"clip{suffix}"
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"
        for image in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")))
        out.mux(stream.encode())
    info = probe_video(path)
    assert (info.num_frames, info.width, info.height) == (10, 160, 90)
    clip = read_clip(path, clip_len=10, start=0).frames.permute(0, 2, 3, 1).numpy()
    assert np.abs(clip.astype(np.float32) - frames.astype(np.float32)).mean() < 12  # lossy, but the same pictures
    assert all(np.array_equal(image, clip[i]) for i, image in iter_frames(path))
