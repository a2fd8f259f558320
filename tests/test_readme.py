"""Every code example of the README runs: Python blocks executed, every `hiar` line parsed
by the real command line and the quick ones run, every command listed."""

from __future__ import annotations

import importlib
import re
import shlex
import shutil
from pathlib import Path

import pytest

from hiar_lib.cli import build_parser, main
from tests.conftest import realdata_file

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

# `hiar` lines that take minutes or need what a test machine has not got (a trained
# detector, a dataset under /data): parsed, not run.
NOT_RUN = {"train-detector", "track-video", "detect", "extract", "train", "synth", "demo"}


def code_blocks(language: str) -> list[str]:
    """The fenced blocks of the README in ``language``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(), flags=re.S | re.M)


def hiar_lines() -> list[list[str]]:
    """Every `hiar ...` command of the README's bash blocks, as argv (comments and line continuations resolved)."""
    out = []
    for block in code_blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            argv = shlex.split(line, comments=True)
            if argv and argv[0] in ("hiar", ".venv/bin/hiar"):
                out.append(argv[1:])
    return out


def registered_commands() -> list[str]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return list(sub.choices)


@pytest.fixture()
def staged(synthetic_tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding the files the README's examples name."""
    (tmp_path / "cache" / "synthetic").mkdir(parents=True)
    (tmp_path / "cache" / "synthetic" / "quick").symlink_to(synthetic_tiny, target_is_directory=True)
    (tmp_path / "S001C001P001R001A001_rgb.avi").symlink_to(realdata_file("clips", "ntu_sample.avi"))
    videos = tmp_path / "my_videos"
    videos.mkdir()
    shutil.copy(realdata_file("clips", "basketball_two_people.mp4"), videos / "basketball.mp4")
    shutil.copy(realdata_file("clips", "ntu_sample.avi"), videos / "handshake.avi")
    (videos / "labels.csv").write_text("path,label,split\nbasketball.mp4,play,train\nhandshake.avi,greet,test\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_readme_has_code_examples_of_both_kinds() -> None:
    assert len(code_blocks("python")) >= 3 and len(hiar_lines()) >= 10


def test_readme_python_examples_run_in_order(staged: Path) -> None:
    namespace: dict = {}
    for i, block in enumerate(code_blocks("python")):
        try:
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as e:  # name the block that failed
            raise AssertionError(f"README python block {i + 1} failed: {e!r}\n{block}") from e
    # What the blocks claim: shapes of the annotation, the clip, the tracks.
    ann, clip, tracks = namespace["ann"], namespace["clip"], namespace["tracks"]
    t, p = ann.boxes.shape[:2]
    assert ann.keypoints.shape == (t, p, 17, 3) and ann.masks.shape[:2] == (t, p)
    assert tuple(clip.frames.shape) == (8, 3, 736, 1280) and len(clip.frame_indices) == 8
    assert tracks.assignment.shape[0] == t and tracks.num_tracks == p  # ground truth: one track per person


def test_every_readme_hiar_line_parses_with_the_real_command_line() -> None:
    parser = build_parser()
    for argv in hiar_lines():
        try:
            parser.parse_args(argv)
        except SystemExit as e:  # --help exits 0 after printing; anything else is a parse error
            if e.code == 0:
                continue
            raise AssertionError(f"README line `hiar {' '.join(argv)}` does not parse (exit {e.code})") from None


def test_every_hiar_lib_name_in_the_readme_exists() -> None:
    names = set(re.findall(r"\bhiar_lib(?:\.[A-Za-z_]\w*)+", README.read_text()))
    assert "hiar_lib.detection.build.build_detector" in names
    for name in sorted(names):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):  # the longest importable module, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ModuleNotFoundError:
                continue
            for attr in parts[i:]:
                assert hasattr(obj, attr), f"README names {name}, but {obj.__name__} has no {attr}"
                obj = getattr(obj, attr)
            break


def test_the_readme_lists_every_command_and_only_real_ones() -> None:
    commands = registered_commands()
    table = set(re.findall(r"^\| `hiar ([a-z-]+)` \|", README.read_text(), flags=re.M))
    assert table == set(commands)
    used = {argv[0] for argv in hiar_lines() if argv and not argv[0].startswith("-")}
    assert used <= set(commands)


@pytest.mark.slow
def test_the_quick_readme_hiar_lines_run(staged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ran = []
    for argv in hiar_lines():
        if not argv or argv[0] in NOT_RUN or argv[0].startswith("-"):
            continue
        if any(a.startswith("/data/") for a in argv):  # a dataset this machine has not got
            continue
        if argv[0] == "reproduce" and "--estimate" not in argv:  # hours of training at quick
            continue
        code = main(argv)
        assert code == 0, f"`hiar {' '.join(argv)}` exited {code}: {capsys.readouterr().err[-2000:]}"
        ran.append(argv[0])
    assert {"index", "synth-sheet", "flops", "reproduce"} <= set(ran)
    assert (staged / "results" / "figures" / "synthetic_samples_quick.png").is_file()
