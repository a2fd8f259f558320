"""What every indexer shares (hiar_lib.data.scan): root checks, the folder walk, naming
patterns, probing."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hiar_lib.data.datasets import index_dataset
from hiar_lib.errors import DatasetError
from tests.dataset_trees import (
    GENERIC_PATTERN_TEXT,
    NTU_PATTERN_TEXT,
    put_video,
    sample_names,
    touch,
)

# The reasons and errors in this file are what a user reads to fix a dataset tree, so they
# are pinned word for word. Trees of empty files with probe=False: only names matter there.


@pytest.mark.parametrize("dataset", ["ntu60", "nucla", "generic"])
def test_missing_root_is_a_dataset_error_naming_it(tmp_path: Path, dataset: str) -> None:
    root = tmp_path / "nowhere"
    with pytest.raises(DatasetError, match="not found") as e:
        index_dataset(dataset, root, progress=False)
    assert str(root) in str(e.value)


@pytest.mark.parametrize("dataset", ["ntu60", "nucla", "generic"])
def test_file_as_root_is_a_dataset_error(tmp_path: Path, tiny_videos: dict[str, Path], dataset: str) -> None:
    root = put_video(tiny_videos, tmp_path, "S001C001P001R001A001_rgb.avi")
    with pytest.raises(DatasetError, match="is a file, not a folder") as e:
        index_dataset(dataset, root, progress=False)
    assert str(root) in str(e.value)


def test_root_that_is_neither_file_nor_folder_is_an_error(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(DatasetError) as e:
        index_dataset("ntu60", fifo, probe=False, progress=False)
    assert str(e.value) == (
        f"dataset root is neither a folder nor a file: {fifo} (expected a folder of NTU RGB+D 60 videos named "
        f"{NTU_PATTERN_TEXT})"
    )


@pytest.mark.parametrize("dataset", ["ntu60", "generic"])
def test_file_root_error_names_what_was_expected(tmp_path: Path, dataset: str) -> None:
    root = touch(tmp_path, "list.txt") / "list.txt"
    expected = {
        "ntu60": "a folder of NTU RGB+D 60 videos named " + NTU_PATTERN_TEXT,
        "generic": GENERIC_PATTERN_TEXT + ", or a folder holding one",
    }[dataset]
    with pytest.raises(DatasetError) as e:
        index_dataset(dataset, root, probe=False, progress=False)
    assert str(e.value) == f"dataset root is a file, not a folder: {root} (expected {expected})"


def test_root_of_another_dataset_names_pattern_and_examples(nucla_root: Path) -> None:
    with pytest.raises(DatasetError) as e:
        index_dataset("ntu60", nucla_root, progress=False)
    msg = str(e.value)
    assert str(nucla_root) in msg
    assert "SsssCcccPpppRrrrAaaa_rgb.avi" in msg
    assert "view_1/a01_s01_e00_v01.avi" in msg and "found 6 files" in msg


def test_empty_root_says_it_is_empty(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no files") as e:
        index_dataset("nucla", tmp_path, progress=False)
    assert str(tmp_path) in str(e.value) and "aXX_sYY_eZZ_vWW" in str(e.value)


def test_walk_follows_folder_links_once_and_skips_hidden_folders(tmp_path: Path) -> None:
    outside = touch(tmp_path / "outside", "S002C001P004R001A002_rgb.avi")
    root = touch(
        tmp_path / "ntu",
        "b_real/S001C001P001R001A001_rgb.avi",
        "c/S001C002P003R001A013_rgb.avi",
        ".hidden/S001C003P002R002A060_rgb.avi",  # hidden folder: skipped
    )
    (root / "a_link").symlink_to(root / "b_real", target_is_directory=True)  # walked before b_real
    (root / "c" / "loop").symlink_to(root, target_is_directory=True)  # a link loop
    (root / "d_ext").symlink_to(outside, target_is_directory=True)  # a folder outside the root
    index = index_dataset("ntu60", root, probe=False, progress=False)
    assert sample_names(index.samples) == {"S001C001P001R001A001", "S001C002P003R001A013", "S002C001P004R001A002"}
    assert index.bad == []  # the folder linked twice is one folder, not duplicates


def test_probing_shows_a_labelled_progress_bar_only_when_asked(
    ntu_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dataset("ntu60", ntu_root, progress=False)
    assert capsys.readouterr().err == ""
    index_dataset("ntu60", ntu_root)  # probing, with a progress bar, by default
    err = capsys.readouterr().err
    assert "probing NTU RGB+D 60: 100%" in err
    assert re.search(r" 4/4 \[.*(\dvideo/s|s/video)\]", err), err
