"""Detector and tracker over real video, drawn to PNG (shapes and drawing only: no real
weights exist here, so accuracy on real data is not asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from torchvision.io import decode_png, read_file

from hiar_lib.cli import main
from tests.conftest import realdata_file


@pytest.mark.parametrize(
    ("parts", "frames", "stride", "max_side"),
    [
        (("posetrack18", "000001_mpiinew_test.mp4"), 5, 1, 320),
        (("clips", "basketball_two_people.mp4"), 4, 10, None),
        (("clips", "ntu_sample.avi"), 4, 8, 320),
    ],
)
def test_track_video_draws_every_frame_of_real_video(parts, frames, stride, max_side, tmp_path: Path, capsys) -> None:
    video = realdata_file(*parts)
    out = tmp_path / "tracks.png"
    args = ["track-video", str(video), "--out", str(out), "--random-init", "--score-thresh", "0.05",
            "--frames", str(frames), "--stride", str(stride), "--nrow", "4"]  # fmt: skip
    if max_side:
        args += ["--max-side", str(max_side)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert f"{frames} frames" in text and "tracks" in text
    img = decode_png(read_file(str(out)))
    assert img.shape[0] == 3 and img.shape[1] > 100 and img.shape[2] > 300


def test_track_video_on_a_missing_file_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["track-video", str(tmp_path / "none.mp4"), "--out", str(tmp_path / "x.png"), "--random-init"]) == 2
    err = capsys.readouterr().err
    assert "video not found" in err and "Traceback" not in err
