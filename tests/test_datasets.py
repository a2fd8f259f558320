"""Dataset indexes (hiar_lib.data.datasets, hiar_lib.data.labels) and ``hiar index``.

Every tree is built in tmp_path from tiny real videos (4 frames of 32x24, written once
by ``write_video`` and copied to each name) named as the real datasets name them.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hiar_lib.cli as cli
from hiar_lib.data import labels
from hiar_lib.data.datasets import (
    NTU60_CS_TRAIN_SUBJECTS,
    DatasetIndex,
    Protocol,
    Sample,
    index_dataset,
)
from hiar_lib.data.video import write_video
from hiar_lib.errors import DatasetError
from tests.conftest import realdata_file



# ------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def tiny_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny real video per container: {".avi": path, ".mp4": path}."""
    d = tmp_path_factory.mktemp("tiny_videos")
    frames = np.random.default_rng(0).integers(0, 255, size=(4, 24, 32, 3), dtype=np.uint8)
    return {ext: write_video(d / f"tiny{ext}", frames, fps=10.0) for ext in (".avi", ".mp4")}


def _put(videos: dict[str, Path], root: Path, rel: str) -> Path:
    """Copy the tiny video of ``rel``'s extension to ``root / rel``."""
    dst = root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(videos[dst.suffix.lower()], dst)
    return dst


NTU_GOOD = (
    "S001C001P001R001A001_rgb.avi",  # cs train (P001), cv test (C001)
    "S001C002P003R001A013_rgb.avi",  # cs test (P003), cv train (C002)
    "nturgb+d_rgb/S002C003P002R002A060_rgb.avi",  # cs train, cv train, in a subfolder
    "nturgb+d_rgb/S017C001P040R002A030_rgb.avi",  # cs test, cv test
)


@pytest.fixture
def ntu_root(tmp_path: Path, tiny_videos: dict[str, Path]) -> Path:
    root = tmp_path / "ntu"
    for rel in NTU_GOOD:
        _put(tiny_videos, root, rel)
    (root / "README.txt").write_text("not a video, not a sample: ignored")
    return root


@pytest.fixture
def ntu_root_with_bad_files(ntu_root: Path, tiny_videos: dict[str, Path]) -> Path:
    (ntu_root / "S001C002P005R001A002_rgb.avi").write_bytes(b"")  # zero bytes
    (ntu_root / "S001C003P005R001A003_rgb.avi").write_text("this is text, not a video")
    _put(tiny_videos, ntu_root, "extras/foo.avi")  # misnamed
    _put(tiny_videos, ntu_root, "S018C001P050R001A061_rgb.avi")  # NTU RGB+D 120 action
    _put(tiny_videos, ntu_root, "S018C001P050R001A001_rgb.avi")  # NTU RGB+D 120 setup
    _put(tiny_videos, ntu_root, "copy/S001C001P001R001A001_rgb.avi")  # same sample twice
    (ntu_root / "._S001C001P001R001A001_rgb.avi").write_bytes(b"\0" * 10)  # macOS: hidden
    return ntu_root


NUCLA_GOOD = (
    "view_1/a01_s01_e00_v01.avi",
    "view_1/a12_s10_e04_v01.mp4",
    "view_2/a05_s02_e01_v02_rgb.avi",
    "view_2/a08_s03_e00_v02.mp4",
    "view_3/a11_s04_e02_v03.avi",
    "view_3/a02_s05_e00_v03_rgb.mp4",
)


@pytest.fixture
def nucla_root(tmp_path: Path, tiny_videos: dict[str, Path]) -> Path:
    root = tmp_path / "nucla"
    for rel in NUCLA_GOOD:
        _put(tiny_videos, root, rel)
    return root


def _by_name(samples: list[Sample]) -> set[str]:
    return {s.name for s in samples}


def _bad_reasons(index: DatasetIndex) -> dict[str, str]:
    return {b.path.name if b.path.name else str(b.path): b.reason for b in index.bad}


# --------------------------------------------------------------------------- labels


def test_label_constants_have_the_dataset_sizes_and_ids() -> None:
    assert len(labels.NTU60_CLASSES) == 60 == len(set(labels.NTU60_CLASSES))
    assert labels.NTU60_ACTION_IDS[0] == "A001" and labels.NTU60_ACTION_IDS[-1] == "A060"
    assert labels.ntu60_action_id(12) == "A013"
    with pytest.raises(ValueError, match="0..59"):
        labels.ntu60_action_id(60)
    assert len(labels.NUCLA_CLASSES) == 10 == len(labels.NUCLA_ACTION_IDS)
    assert "a07" not in labels.NUCLA_ACTION_IDS and "a10" not in labels.NUCLA_ACTION_IDS
    assert labels.NUCLA_LABEL_OF_ACTION == {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 8: 6, 9: 7, 11: 8, 12: 9}


@pytest.mark.parametrize(
    ("filename", "constant"),
    [("label_map_ntu60.txt", "NTU60_CLASSES"), ("label_map_nucla.txt", "NUCLA_CLASSES")],
)
def test_label_constants_equal_the_published_label_maps(filename: str, constant: str) -> None:
    path = realdata_file(filename)
    assert list(getattr(labels, constant)) == path.read_text().splitlines()


# ------------------------------------------------------------------------------ NTU


def test_ntu_cross_subject_split_follows_performer_ids(ntu_root: Path) -> None:
    index = index_dataset("ntu60", ntu_root, progress=False)
    assert index.bad == []
    assert len(index) == 4
    split = index.split("cs")
    assert _by_name(split["train"]) == {"S001C001P001R001A001", "S002C003P002R002A060"}
    assert _by_name(split["test"]) == {"S001C002P003R001A013", "S017C001P040R002A030"}
    assert all(s.subject in NTU60_CS_TRAIN_SUBJECTS for s in split["train"])
    assert all(s.subject not in NTU60_CS_TRAIN_SUBJECTS for s in split["test"])


# Shahroudy et al., CVPR 2016, Section 3.2: the 20 cross-subject training performers,
# written out here rather than read from the library.
PUBLISHED_NTU60_CS_TRAIN = {1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38}


def test_ntu_cross_subject_split_is_the_published_one_for_all_40_performers(tmp_path: Path) -> None:
    root = tmp_path / "ntu"
    root.mkdir()
    for p in range(1, 41):  # one (unprobed) file per performer
        (root / f"S001C001P{p:03d}R001A001_rgb.avi").write_bytes(b"")
    index = index_dataset("ntu60", root, protocol="cs", probe=False, progress=False)
    split = index.split()
    assert {s.subject for s in split["train"]} == PUBLISHED_NTU60_CS_TRAIN
    assert {s.subject for s in split["test"]} == set(range(1, 41)) - PUBLISHED_NTU60_CS_TRAIN
    assert len(split["train"]) == len(split["test"]) == 20


def test_ntu_cross_view_split_trains_on_cameras_2_and_3(ntu_root: Path) -> None:
    index = index_dataset("ntu60", ntu_root, protocol="cv", progress=False)
    split = index.split()  # the protocol chosen when indexing
    assert {s.view for s in split["train"]} == {2, 3}
    assert {s.view for s in split["test"]} == {1}
    assert _by_name(split["test"]) == {"S001C001P001R001A001", "S017C001P040R002A030"}
    assert index.split("xview") == split  # alias


def test_ntu_sample_fields_come_from_the_file_name_and_the_probe(ntu_root: Path) -> None:
    index = index_dataset("ntu60", ntu_root, progress=False)
    s = next(s for s in index.samples if s.name == "S002C003P002R002A060")
    assert (s.setup, s.view, s.subject, s.replication, s.label) == (2, 3, 2, 2, 59)
    assert s.path == ntu_root / "nturgb+d_rgb" / "S002C003P002R002A060_rgb.avi"
    assert s.num_frames == 4
    assert index.classes[s.label] == "walking apart from each other"
    assert index.class_display(s.label) == "A060 walking apart from each other"
    assert [x.name for x in index.samples] == sorted(x.name for x in index.samples)


def test_ntu_summary_counts_every_class_of_every_split(ntu_root: Path) -> None:
    index = index_dataset("ntu60", ntu_root, progress=False)
    df = index.summary("cs")
    assert list(df.columns) == ["protocol", "split", "label", "class_id", "class", "count"]
    assert len(df) == 2 * 60
    train = df[df["split"] == "train"].set_index("class_id")["count"]
    test = df[df["split"] == "test"].set_index("class_id")["count"]
    assert train["A001"] == 1 and train["A060"] == 1 and train.sum() == 2
    assert test["A013"] == 1 and test["A030"] == 1 and test.sum() == 2
    missing = index.missing_classes("cs")
    assert len(missing["train"]) == 58 and "drink water" not in missing["train"]
    assert "tear up paper" in missing["train"] and "tear up paper" not in missing["test"]


def test_ntu_bad_files_are_listed_and_indexing_carries_on(ntu_root_with_bad_files: Path) -> None:
    index = index_dataset("ntu60", ntu_root_with_bad_files, progress=False)
    assert _by_name(index.samples) == {Path(r).name[: -len("_rgb.avi")] for r in NTU_GOOD}
    reasons = _bad_reasons(index)
    assert set(reasons) == {
        "S001C002P005R001A002_rgb.avi",
        "S001C003P005R001A003_rgb.avi",
        "foo.avi",
        "S018C001P050R001A061_rgb.avi",
        "S018C001P050R001A001_rgb.avi",
        "S001C001P001R001A001_rgb.avi",
    }
    assert "empty (0 bytes)" in reasons["S001C002P005R001A002_rgb.avi"]
    assert "not a readable video" in reasons["S001C003P005R001A003_rgb.avi"]
    assert "misnamed" in reasons["foo.avi"] and "SsssCcccPpppRrrrAaaa_rgb.avi" in reasons["foo.avi"]
    assert "action A061 is not in NTU RGB+D 60" in reasons["S018C001P050R001A061_rgb.avi"]
    assert "setup S018 is not in NTU RGB+D 60" in reasons["S018C001P050R001A001_rgb.avi"]
    assert "duplicate" in reasons["S001C001P001R001A001_rgb.avi"]
    by_path = {b.path for b in index.bad}
    assert ntu_root_with_bad_files / "extras" / "foo.avi" in by_path


def test_ntu_without_probe_trusts_names_and_keeps_unreadable_files(ntu_root_with_bad_files: Path) -> None:
    index = index_dataset("ntu60", ntu_root_with_bad_files, probe=False, progress=False)
    names = _by_name(index.samples)
    assert {"S001C002P005R001A002", "S001C003P005R001A003"} <= names
    assert all(s.num_frames is None for s in index.samples)
    assert "foo.avi" in _bad_reasons(index)


def test_real_ntu_clip_is_indexed_and_probed(tmp_path: Path) -> None:
    clip = realdata_file("clips", "ntu_sample.avi")
    root = tmp_path / "ntu"
    root.mkdir()
    (root / "S001C001P001R001A058_rgb.avi").symlink_to(clip)
    index = index_dataset("ntu60", root, progress=False)
    assert index.bad == []
    (s,) = index.samples
    assert s.num_frames == 72 and index.classes[s.label] == "handshaking"


# --------------------------------------------------------------------------- N-UCLA


@pytest.mark.parametrize(
    ("protocol", "train_views", "test_view"),
    [("v12_3", {1, 2}, 3), ("v31_2", {3, 1}, 2), ("v23_1", {2, 3}, 1)],
)
def test_nucla_cross_view_protocols(nucla_root: Path, protocol: str, train_views: set[int], test_view: int) -> None:
    index = index_dataset("nucla", nucla_root, progress=False)
    split = index.split(protocol)
    assert {s.view for s in split["train"]} == train_views
    assert {s.view for s in split["test"]} == {test_view}
    assert len(split["train"]) == 4 and len(split["test"]) == 2


def test_nucla_names_labels_and_protocol_aliases(nucla_root: Path) -> None:
    index = index_dataset("nucla", nucla_root, protocol="V(1,2)->3", progress=False)
    assert index.protocol == "v12_3"
    assert index.bad == []
    by_name = {s.name: s for s in index.samples}
    assert set(by_name) == {
        "a01_s01_e00_v01",
        "a12_s10_e04_v01",
        "a05_s02_e01_v02",
        "a08_s03_e00_v02",
        "a11_s04_e02_v03",
        "a02_s05_e00_v03",
    }
    s = by_name["a08_s03_e00_v02"]
    assert (s.label, s.subject, s.take, s.view, s.num_frames) == (6, 3, 0, 2, 4)
    assert index.classes[s.label] == "donning" and index.class_id(s.label) == "a08"
    assert by_name["a12_s10_e04_v01"].label == 9
    assert index.split("V_{3,1}^2") == index.split("v31_2")


def test_nucla_missing_action_ids_and_out_of_range_ids_are_bad(nucla_root: Path, tiny_videos: dict[str, Path]) -> None:
    for rel in ("a07_s01_e00_v01.avi", "a10_s01_e00_v02.avi", "a01_s11_e00_v01.avi", "a01_s01_e00_v04.avi", "clip.mp4"):
        _put(tiny_videos, nucla_root, rel)
    index = index_dataset("nucla", nucla_root, progress=False)
    assert len(index) == len(NUCLA_GOOD)
    reasons = _bad_reasons(index)
    assert "action a07 is not an N-UCLA action" in reasons["a07_s01_e00_v01.avi"]
    assert "action a10" in reasons["a10_s01_e00_v02.avi"]
    assert "subject s11" in reasons["a01_s11_e00_v01.avi"]
    assert "view v04" in reasons["a01_s01_e00_v04.avi"]
    assert "misnamed" in reasons["clip.mp4"]


# -------------------------------------------------------------------------- generic


def test_generic_csv_with_names_and_split(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    root = tmp_path / "mine"
    for rel in ("videos/a.mp4", "videos/b.mp4", "videos/c.avi", "videos/d.mp4"):
        _put(tiny_videos, root, rel)
    (root / "list.csv").write_text(
        "path,label,split\n"
        "videos/a.mp4,wave,train\n"
        "videos/b.mp4,jump,train\n"
        "videos/c.avi,wave,test\n"
        "videos/d.mp4,run,test\n"
    )
    index = index_dataset("generic", root, progress=False)  # a folder holding one CSV
    assert index.root == root / "list.csv"
    assert index.classes == ["jump", "run", "wave"]
    assert index.bad == []
    split = index.split("default")
    assert [s.name for s in split["train"]] == ["videos/a", "videos/b"]
    assert [(s.name, index.classes[s.label]) for s in split["test"]] == [("videos/c", "wave"), ("videos/d", "run")]
    assert index.split() == split  # the only protocol
    assert index.missing_classes() == {"train": ["run"], "test": ["jump"]}


def test_generic_integer_labels_sort_numerically(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    for rel in ("x.mp4", "y.mp4", "z.mp4"):
        _put(tiny_videos, tmp_path, rel)
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,label\nx.mp4,10\ny.mp4,2\nz.mp4,02\n")
    index = index_dataset("generic", csv_path, progress=False)
    assert index.classes == ["2", "10"]
    assert [s.label for s in index.samples] == [1, 0, 0]


def test_generic_without_split_column_cannot_be_split(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    _put(tiny_videos, tmp_path, "x.mp4")
    (tmp_path / "labels.csv").write_text("path,label\nx.mp4,wave\n")
    index = index_dataset("generic", tmp_path, progress=False)
    assert len(index) == 1
    with pytest.raises(DatasetError, match="split"):
        index.split()


def test_generic_bad_rows_are_listed_with_line_numbers(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    _put(tiny_videos, tmp_path, "ok.mp4")
    _put(tiny_videos, tmp_path, "ok2.mp4")
    (tmp_path / "broken.mp4").write_text("not a video")
    (tmp_path / "labels.csv").write_text(
        "path,label,split\n"
        "ok.mp4,wave,train\n"
        "gone.mp4,wave,test\n"
        "ok2.mp4,jump,val\n"
        "ok.mp4,wave,test\n"
        "broken.mp4,jump,test\n"
        ",jump,test\n"
    )
    index = index_dataset("generic", tmp_path, progress=False)
    assert [s.name for s in index.samples] == ["ok"]
    assert index.classes == ["jump", "wave"]
    reasons = [b.reason for b in index.bad]
    assert any("line 3: video not found" in r for r in reasons)
    assert any("line 4: split 'val' is not train or test" in r for r in reasons)
    assert any("line 5: listed again (first on line 2)" in r for r in reasons)
    assert any("line 7: empty path" in r for r in reasons)
    assert any(b.path.name == "broken.mp4" and "not a readable video" in b.reason for b in index.bad)


def test_generic_names_are_unique_and_one_file_is_one_sample(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    _put(tiny_videos, tmp_path, "videos/a.mp4")
    _put(tiny_videos, tmp_path, "videos/a.avi")
    _put(tiny_videos, tmp_path, "other/b.mp4")
    (tmp_path / "alias").symlink_to(tmp_path / "other", target_is_directory=True)
    (tmp_path / "labels.csv").write_text(
        "path,label,split\n"
        "videos/a.mp4,wave,train\n"
        "videos/a.avi,jump,test\n"  # the same name once the extension is dropped
        "other/b.mp4,wave,train\n"
        "videos/../other/b.mp4,wave,test\n"  # the same file, spelled another way
        "alias/b.mp4,wave,test\n"  # the same file, through a symlinked folder
        f"{tmp_path / 'other' / 'b.mp4'},jump,test\n"  # the same file, absolute
    )
    index = index_dataset("generic", tmp_path, progress=False)
    assert [s.name for s in index.samples] == ["videos/a", "other/b"]
    reasons = [b.reason for b in index.bad]
    assert any("line 3: sample name 'videos/a'" in r and "taken by line 2" in r for r in reasons), reasons
    assert sum("listed again (first on line 4)" in r for r in reasons) == 3, reasons


def test_generic_csv_without_required_columns_is_an_error(tmp_path: Path) -> None:
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("file,class\nx.mp4,wave\n")
    with pytest.raises(DatasetError, match="columns path,label") as e:
        index_dataset("generic", csv_path, progress=False)
    assert str(csv_path) in str(e.value)


# ------------------------------------------------------------------------ bad roots


@pytest.mark.parametrize("dataset", ["ntu60", "nucla", "generic"])
def test_missing_root_is_a_dataset_error_naming_it(tmp_path: Path, dataset: str) -> None:
    root = tmp_path / "nowhere"
    with pytest.raises(DatasetError, match="not found") as e:
        index_dataset(dataset, root, progress=False)
    assert str(root) in str(e.value)


@pytest.mark.parametrize("dataset", ["ntu60", "nucla", "generic"])
def test_file_as_root_is_a_dataset_error(tmp_path: Path, tiny_videos: dict[str, Path], dataset: str) -> None:
    root = _put(tiny_videos, tmp_path, "S001C001P001R001A001_rgb.avi")
    with pytest.raises(DatasetError, match="is a file, not a folder") as e:
        index_dataset(dataset, root, progress=False)
    assert str(root) in str(e.value)


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


def test_ntu120_only_root_is_not_ntu60(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    _put(tiny_videos, tmp_path, "S020C001P060R001A100_rgb.avi")
    with pytest.raises(DatasetError, match="none is an NTU RGB\\+D 60 sample") as e:
        index_dataset("ntu60", tmp_path, progress=False)
    assert "A100" in str(e.value)


def test_unknown_dataset_and_protocol_list_the_valid_ones(ntu_root: Path) -> None:
    with pytest.raises(DatasetError, match="ntu60, nucla, generic, synthetic"):
        index_dataset("kinetics", ntu_root)
    with pytest.raises(DatasetError, match="'cs', 'cv'"):
        index_dataset("ntu60", ntu_root, protocol="v12_3")
    index = index_dataset("ntu60", ntu_root, probe=False)
    with pytest.raises(DatasetError, match="'cs', 'cv'"):
        index.split()  # two protocols and none chosen
    with pytest.raises(DatasetError, match="'v12_3', 'v31_2', 'v23_1'"):
        index_dataset("nucla", ntu_root, protocol="cs")


def test_synthetic_without_its_module_is_a_dataset_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hiar_lib.synth", None)  # as if not installed
    with pytest.raises(DatasetError, match="synthetic benchmark is not available"):
        index_dataset("synthetic", tmp_path, progress=False)


# ------------------------------------------------------- exact reasons and messages
#
# The reasons and errors below are what a user reads to fix a dataset tree, so they are
# pinned word for word. Trees of empty files with probe=False: only names matter here.

NTU_PATTERN_TEXT = "SsssCcccPpppRrrrAaaa_rgb.avi (e.g. S001C002P003R002A013_rgb.avi)"
NUCLA_PATTERN_TEXT = "aXX_sYY_eZZ_vWW[_rgb].avi or .mp4 (e.g. a01_s01_e00_v01.avi)"


def _touch(root: Path, *rels: str) -> Path:
    """Empty files at ``root / rel`` (names are all that an unprobed index reads)."""
    for rel in rels:
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"")
    return root


def test_ntu_ids_outside_ntu60_are_bad_with_exact_reasons(tmp_path: Path) -> None:
    expected = {
        "S001C001P001R001A061_rgb.avi": "action A061 is not in NTU RGB+D 60 (A001..A060); it is an NTU RGB+D 120 action",
        "S001C001P001R001A120_rgb.avi": "action A120 is not in NTU RGB+D 60 (A001..A060); it is an NTU RGB+D 120 action",
        "S001C001P001R001A121_rgb.avi": "action A121 is not in NTU RGB+D 60 (A001..A060)",
        "S001C001P001R001A000_rgb.avi": "action A000 is not in NTU RGB+D 60 (A001..A060)",
        "S018C001P001R001A001_rgb.avi": "setup S018 is not in NTU RGB+D 60 (S001..S017); it is an NTU RGB+D 120 setup",
        "S032C001P001R001A001_rgb.avi": "setup S032 is not in NTU RGB+D 60 (S001..S017); it is an NTU RGB+D 120 setup",
        "S033C001P001R001A001_rgb.avi": "setup S033 is not in NTU RGB+D 60 (S001..S017)",
        "S000C001P001R001A001_rgb.avi": "setup S000 is not in NTU RGB+D 60 (S001..S017)",
        "S001C001P041R001A001_rgb.avi": "performer P041 is not in NTU RGB+D 60 (P001..P040)",
        "S001C001P000R001A001_rgb.avi": "performer P000 is not in NTU RGB+D 60 (P001..P040)",
        "S001C004P001R001A001_rgb.avi": "camera C004 is not in NTU RGB+D 60 (C001..C003)",
        "S001C000P001R001A001_rgb.avi": "camera C000 is not in NTU RGB+D 60 (C001..C003)",
        "S001C001P001R003A001_rgb.avi": "replication R003 is not in NTU RGB+D 60 (R001, R002)",
        "S001C001P001R000A001_rgb.avi": "replication R000 is not in NTU RGB+D 60 (R001, R002)",
        "clip.mp4": f"misnamed: an NTU RGB+D video is named {NTU_PATTERN_TEXT}",
    }
    edges = ("S001C001P001R001A001_rgb.avi", "S017C003P040R002A060_rgb.avi")  # lowest and highest ids
    root = _touch(tmp_path / "ntu", *expected, *edges)
    index = index_dataset("ntu60", root, probe=False, progress=False)
    assert _by_name(index.samples) == {"S001C001P001R001A001", "S017C003P040R002A060"}
    assert _bad_reasons(index) == expected
    assert [b.path for b in index.bad] == sorted((root / f for f in expected), key=str)


def test_nucla_ids_outside_nucla_are_bad_with_exact_reasons(tmp_path: Path) -> None:
    actions = "a01, a02, a03, a04, a05, a06, a08, a09, a11, a12"
    expected = {
        "a07_s01_e00_v01.avi": f"action a07 is not an N-UCLA action ({actions})",
        "a13_s01_e00_v01.avi": f"action a13 is not an N-UCLA action ({actions})",
        "a01_s00_e00_v01.avi": "subject s00 is not in N-UCLA (s01..s10)",
        "a01_s11_e00_v01.avi": "subject s11 is not in N-UCLA (s01..s10)",
        "a01_s01_e00_v00.avi": "view v00 is not in N-UCLA (v01..v03)",
        "a01_s01_e00_v04.mp4": "view v04 is not in N-UCLA (v01..v03)",
        "a01_s01_e00_v01.mkv": f"misnamed: an N-UCLA video is named {NUCLA_PATTERN_TEXT}",
    }
    root = _touch(tmp_path / "nucla", *expected, "a01_s01_e00_v01.avi", "a12_s10_e09_v03_rgb.mp4")
    index = index_dataset("nucla", root, probe=False, progress=False)
    assert _by_name(index.samples) == {"a01_s01_e00_v01", "a12_s10_e09_v03"}
    assert _bad_reasons(index) == expected


def test_ntu_root_with_only_bad_names_lists_the_first_three_reasons(tmp_path: Path) -> None:
    root = _touch(
        tmp_path / "ntu",
        "S001C001P001R001A061_rgb.avi",
        "S001C004P001R001A001_rgb.avi",
        "S001C001P041R001A001_rgb.avi",
        "S018C001P001R001A001_rgb.avi",
    )
    with pytest.raises(DatasetError) as e:
        index_dataset("ntu60", root, probe=False, progress=False)
    assert str(e.value) == (
        f"{root} holds 4 files named like NTU RGB+D but none is an NTU RGB+D 60 sample ("
        "action A061 is not in NTU RGB+D 60 (A001..A060); it is an NTU RGB+D 120 action; "
        "camera C004 is not in NTU RGB+D 60 (C001..C003); "
        "performer P041 is not in NTU RGB+D 60 (P001..P040))"
    )


def test_nucla_root_with_only_bad_names_lists_the_first_three_reasons(tmp_path: Path) -> None:
    root = _touch(
        tmp_path / "nucla",
        "a07_s01_e00_v01.avi",
        "a01_s11_e00_v01.avi",
        "a01_s01_e00_v04.avi",
        "a01_s01_e00_v01.mkv",  # misnamed: listed as bad, not counted as named like N-UCLA
    )
    with pytest.raises(DatasetError) as e:
        index_dataset("nucla", root, probe=False, progress=False)
    assert str(e.value) == (
        f"{root} holds 3 files named like N-UCLA but none is an N-UCLA sample ("
        "action a07 is not an N-UCLA action (a01, a02, a03, a04, a05, a06, a08, a09, a11, a12); "
        f"misnamed: an N-UCLA video is named {NUCLA_PATTERN_TEXT}; "
        "subject s11 is not in N-UCLA (s01..s10))"
    )


@pytest.mark.parametrize(
    ("count", "found"),
    [
        (0, "the folder holds no files"),
        (1, "found 1 files: f1.txt"),
        (5, "found 5 files: f1.txt, f2.txt, f3.txt, f4.txt, f5.txt"),
        (7, "found 7 files: f1.txt, f2.txt, f3.txt, f4.txt, f5.txt and 2 more"),
    ],
)
def test_ntu_root_without_ntu_names_shows_up_to_five_files(tmp_path: Path, count: int, found: str) -> None:
    root = _touch(tmp_path / "ntu", *(f"f{i}.txt" for i in range(1, count + 1)))
    root.mkdir(exist_ok=True)
    with pytest.raises(DatasetError) as e:
        index_dataset("ntu60", root, probe=False, progress=False)
    assert str(e.value) == f"{root} does not look like NTU RGB+D 60: no file named {NTU_PATTERN_TEXT} under it ({found})"


def test_nucla_root_without_nucla_names_names_the_files_found(tmp_path: Path) -> None:
    root = _touch(tmp_path / "nucla", "notes.txt", "videos/S001C001P001R001A001_rgb.avi")
    with pytest.raises(DatasetError) as e:
        index_dataset("nucla", root, probe=False, progress=False)
    assert str(e.value) == (
        f"{root} does not look like N-UCLA: no file named {NUCLA_PATTERN_TEXT} under it "
        "(found 2 files: notes.txt, videos/S001C001P001R001A001_rgb.avi)"
    )


def test_index_without_protocols_says_so_when_asked_for_one(tmp_path: Path) -> None:
    index = DatasetIndex(dataset="mine", root=tmp_path, classes=["wave"], samples=[])
    with pytest.raises(DatasetError, match=r"^mine: name a protocol, one of \(none\)$"):
        index.get_protocol()
    with pytest.raises(DatasetError, match=r"^unknown protocol 'cs' for mine: expected one of \(none\)$"):
        index.split("cs")


# --------------------------------------------------------------------- folder walk


def test_walk_follows_folder_links_once_and_skips_hidden_folders(tmp_path: Path) -> None:
    outside = _touch(tmp_path / "outside", "S002C001P004R001A002_rgb.avi")
    root = _touch(
        tmp_path / "ntu",
        "b_real/S001C001P001R001A001_rgb.avi",
        "c/S001C002P003R001A013_rgb.avi",
        ".hidden/S001C003P002R002A060_rgb.avi",  # hidden folder: skipped
    )
    (root / "a_link").symlink_to(root / "b_real", target_is_directory=True)  # walked before b_real
    (root / "c" / "loop").symlink_to(root, target_is_directory=True)  # a link loop
    (root / "d_ext").symlink_to(outside, target_is_directory=True)  # a folder outside the root
    index = index_dataset("ntu60", root, probe=False, progress=False)
    assert _by_name(index.samples) == {"S001C001P001R001A001", "S001C002P003R001A013", "S002C001P004R001A002"}
    assert index.bad == []  # the folder linked twice is one folder, not duplicates


# ------------------------------------------------------------- counts and displays


def test_summary_counts_every_sample_of_a_class_with_one_row_index(tmp_path: Path) -> None:
    root = _touch(
        tmp_path / "nucla",
        "a01_s01_e00_v01.avi",
        "a01_s02_e00_v01.avi",
        "a01_s01_e01_v02.avi",
        "a01_s03_e00_v03.avi",
        "a02_s01_e00_v03.avi",
    )
    index = index_dataset("nucla", root, probe=False, progress=False)
    totals = index.class_counts().set_index("class_id")["count"]
    assert totals["a01"] == 4 and totals["a02"] == 1 and totals.sum() == 5
    df = index.summary("v12_3")
    assert list(df.index) == list(range(2 * 10))  # one label per row: df.loc[i] is one row
    train = df[df["split"] == "train"].set_index("class_id")["count"]
    test = df[df["split"] == "test"].set_index("class_id")["count"]
    assert (train["a01"], train["a02"], train.sum()) == (3, 0, 3)
    assert (test["a01"], test["a02"], test.sum()) == (1, 1, 2)
    assert index.class_display(0) == "a01 pick up with one hand"


def test_generic_class_display_is_the_class_name_alone(tmp_path: Path) -> None:
    _touch(tmp_path, "a.mp4", "b.mp4")
    (tmp_path / "list.csv").write_text("path,label\na.mp4,wave\nb.mp4,jump\n")
    index = index_dataset("generic", tmp_path, probe=False, progress=False)
    assert index.class_ids is None
    assert [index.class_display(i) for i in range(2)] == ["jump", "wave"]
    assert [index.class_id(i) for i in range(2)] == ["jump", "wave"]


def test_probing_shows_a_labelled_progress_bar_only_when_asked(
    ntu_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dataset("ntu60", ntu_root, progress=False)
    assert capsys.readouterr().err == ""
    index_dataset("ntu60", ntu_root)  # probing, with a progress bar, by default
    err = capsys.readouterr().err
    assert "probing NTU RGB+D 60: 100%" in err
    assert re.search(r" 4/4 \[.*(\dvideo/s|s/video)\]", err), err


# --------------------------------------------------------------- generic, in detail

GENERIC_PATTERN_TEXT = "a CSV file with columns path,label and optionally split (train/test)"


def test_generic_rows_give_samples_and_exact_bad_reasons_in_row_order(tmp_path: Path) -> None:
    base = _touch(tmp_path / "data", "a.mp4", "a.avi", "b.mp4", "c.avi", "d.mp4", "sub/e.mp4")
    outside = _touch(tmp_path / "elsewhere", "o.mp4", "z.mp4")
    csv_path = base / "labels.csv"
    csv_path.write_text(
        "label, Path ,Split,extra\n"  # any column order, case and spaces
        "wave,a.mp4,train,x\n"  # 2
        "jump,,test,x\n"  # 3: empty path (its label still makes a class)
        ",b.mp4,test,x\n"  # 4: empty label
        "wave,b.mp4,val,x\n"  # 5: not train/test
        "run,b.mp4, TEST ,x\n"  # 6
        "\n"  # 7: blank lines are skipped, line numbers still count them
        " , ,,\n"  # 8
        "wave,./a.mp4,test,x\n"  # 9: the file of line 2 again
        "wave,gone.mp4,test,x\n"  # 10
        "wave,gone.mp4,test,x\n"  # 11: a missing file listed twice is listed again
        "wave,a.avi,test,x\n"  # 12: name 'a' is taken by line 2
        "wave,c.avi\n"  # 13: short row, no split cell
        "sit,d.mp4,train\n"  # 14: short row, only 'extra' missing
        "wave,sub/e.mp4,test,x\n"  # 15
        "sit,../elsewhere/o.mp4,test,x\n"  # 16: outside the CSV's folder
        f"sit,{outside / 'z.mp4'},train,x\n"  # 17: absolute
    )
    index = index_dataset("generic", csv_path, probe=False, progress=False)
    assert index.classes == ["jump", "run", "sit", "wave"]
    got = [(s.name, index.classes[s.label], s.split, s.path) for s in index.samples]
    assert got == [
        ("a", "wave", "train", base / "a.mp4"),
        ("b", "run", "test", base / "b.mp4"),
        ("d", "sit", "train", base / "d.mp4"),
        ("sub/e", "wave", "test", base / "sub" / "e.mp4"),
        ("../elsewhere/o", "sit", "test", base / "../elsewhere/o.mp4"),
        ((outside / "z").as_posix(), "sit", "train", outside / "z.mp4"),
    ]
    assert [(b.path, b.reason) for b in index.bad] == [
        (csv_path, "labels.csv line 3: empty path"),
        (base / "b.mp4", "labels.csv line 4: empty label"),
        (base / "b.mp4", "labels.csv line 5: split 'val' is not train or test"),
        (base / "a.mp4", "labels.csv line 9: listed again (first on line 2)"),
        (base / "gone.mp4", "labels.csv line 10: video not found"),
        (base / "gone.mp4", "labels.csv line 11: listed again (first on line 10)"),
        (base / "a.avi", "labels.csv line 12: sample name 'a' (the path without its extension) is taken by line 2; "
                         "rename one of the two files"),  # fmt: skip
        (base / "c.avi", "labels.csv line 13: split '' is not train or test"),
    ]
    split = index.split()
    assert [s.name for s in split["train"]] == ["a", "d", (outside / "z").as_posix()]
    assert [s.name for s in split["test"]] == ["b", "sub/e", "../elsewhere/o"]


def test_generic_labels_are_integers_only_when_every_label_is_one(tmp_path: Path) -> None:
    _touch(tmp_path, "a.mp4", "b.mp4", "c.mp4", "d.mp4")
    (tmp_path / "ints.csv").write_text("path,label\na.mp4,+3\nb.mp4,-1\nc.mp4,03\nd.mp4, 10 \n")
    index = index_dataset("generic", tmp_path / "ints.csv", probe=False, progress=False)
    assert index.classes == ["-1", "3", "10"]
    assert [s.label for s in index.samples] == [1, 0, 1, 2]
    (tmp_path / "mixed.csv").write_text("path,label\na.mp4,10\nb.mp4,2\nc.mp4,x\n")
    index = index_dataset("generic", tmp_path / "mixed.csv", probe=False, progress=False)
    assert index.classes == ["10", "2", "x"]  # names: sorted as text
    assert [s.label for s in index.samples] == [0, 1, 2]


def test_generic_csv_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    _touch(tmp_path, "a.mp4")
    (tmp_path / "list.csv").write_bytes("path,label\r\na.mp4,wave\r\n".encode("utf-8-sig"))
    index = index_dataset("generic", tmp_path, probe=False, progress=False)
    assert [(s.name, index.classes[s.label]) for s in index.samples] == [("a", "wave")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "{csv} is empty: expected {pattern}"),
        (b"path,label\n\n , \n", "{csv} lists no videos: expected {pattern}"),
        (b"Path, Split\nx.mp4,train\n", "{csv} has columns Path,Split: expected {pattern}"),
        (b"label,split\nx,train\n", "{csv} has columns label,split: expected {pattern}"),
        (b"file,class\nx,train\n", "{csv} has columns file,class: expected {pattern}"),
    ],
)
def test_generic_unusable_csv_is_an_exact_error(tmp_path: Path, content: bytes, message: str) -> None:
    csv_path = tmp_path / "list.csv"
    csv_path.write_bytes(content)
    with pytest.raises(DatasetError) as e:
        index_dataset("generic", csv_path, probe=False, progress=False)
    assert str(e.value) == message.format(csv=csv_path, pattern=GENERIC_PATTERN_TEXT)


def test_generic_csv_that_is_not_text_is_an_error_naming_it(tmp_path: Path) -> None:
    csv_path = tmp_path / "list.csv"
    csv_path.write_bytes(b"path,label\n\xff\xfe\x00,x\n")
    with pytest.raises(DatasetError) as e:
        index_dataset("generic", csv_path, probe=False, progress=False)
    assert re.fullmatch(
        rf"cannot read {re.escape(str(csv_path))}: .*can't decode byte 0xff.* \(expected {re.escape(GENERIC_PATTERN_TEXT)}\)",
        str(e.value),
    ), str(e.value)


def test_generic_folder_uses_its_one_visible_csv(tmp_path: Path) -> None:
    _touch(tmp_path, "a.mp4", "sub/other.csv")
    (tmp_path / "LIST.CSV").write_text("path,label\na.mp4,wave\n")
    (tmp_path / "._LIST.CSV").write_bytes(b"\0\x05\x16\x07")  # macOS resource fork: hidden
    index = index_dataset("generic", tmp_path, probe=False, progress=False)
    assert index.root == tmp_path / "LIST.CSV"
    assert [s.name for s in index.samples] == ["a"]
    index = index_dataset("generic", tmp_path / "LIST.CSV", probe=False, progress=False)  # the file itself
    assert [s.name for s in index.samples] == ["a"]


def test_generic_folder_without_a_csv_names_the_files_in_it(tmp_path: Path) -> None:
    _touch(tmp_path, "b.mp4", "a.txt", ".DS_Store", "videos/c.csv")  # a subfolder's CSV does not count
    with pytest.raises(DatasetError) as e:
        index_dataset("generic", tmp_path, probe=False, progress=False)
    assert str(e.value) == (
        f"{tmp_path} does not look like a generic dataset: no {GENERIC_PATTERN_TEXT} in it (found 2 files: a.txt, b.mp4)"
    )


def test_generic_folder_with_several_csvs_asks_for_one(tmp_path: Path) -> None:
    _touch(tmp_path, "b.csv", "a.csv")
    with pytest.raises(DatasetError) as e:
        index_dataset("generic", tmp_path, probe=False, progress=False)
    assert str(e.value) == (
        f"{tmp_path} holds several CSV files (a.csv, b.csv): pass the one that lists the videos as the dataset root"
    )


def test_generic_without_split_column_names_a_sample_and_the_fix(tmp_path: Path) -> None:
    _touch(tmp_path, "x.mp4", "y.mp4")
    (tmp_path / "labels.csv").write_text("path,label\nx.mp4,wave\ny.mp4,jump\n")
    index = index_dataset("generic", tmp_path, probe=False, progress=False)
    assert [s.split for s in index.samples] == [None, None]
    with pytest.raises(DatasetError) as e:
        index.split()
    assert str(e.value) == (
        f"generic dataset at {tmp_path / 'labels.csv'} has no train/test split (2 samples without one, e.g. 'x'): "
        "add a 'split' column with values train or test to the CSV"
    )


# ---------------------------------------------------------- protocols and entry


def test_protocol_splits_by_its_attribute_and_names_samples_without_it(tmp_path: Path) -> None:
    closed = Protocol("p", "view", frozenset({1, 2}), frozenset({3}))
    open_ = Protocol("q", "view", frozenset({1}))
    assert [closed.split_of_value(v) for v in (1, 2, 3, 4)] == ["train", "train", "test", None]
    assert [open_.split_of_value(v) for v in (1, 2, 3)] == ["train", "test", "test"]
    s = Sample(path=tmp_path / "x.avi", name="x", label=0, view=3)
    assert closed.split_of(s) == "test"
    with pytest.raises(DatasetError) as e:
        Protocol("cs", "subject", frozenset({1})).split_of(s)
    assert str(e.value) == f"protocol 'cs' splits by subject, but sample 'x' ({tmp_path / 'x.avi'}) has no subject"


def test_ntu_protocols_are_described_and_chosen_by_any_spelling(tmp_path: Path) -> None:
    root = _touch(tmp_path / "ntu", "S001C001P001R001A001_rgb.avi")
    index = index_dataset("ntu60", root, protocol="Cross-Subject", probe=False, progress=False)
    assert (index.dataset, index.root, index.title, index.protocol) == ("ntu60", root, "NTU RGB+D 60", "cs")
    assert list(index.protocols) == ["cs", "cv"]
    assert index.class_ids == list(labels.NTU60_ACTION_IDS) and index.classes == list(labels.NTU60_CLASSES)
    assert index.get_protocol().description == (
        "cross-subject: performers 1 2 4 5 8 9 13 14 15 16 17 18 19 25 27 28 31 34 35 38 train, the others test"
    )
    assert index.get_protocol("NTU-CV").description == "cross-view: cameras 2 and 3 train, camera 1 tests"
    for spelling in ("xsub", "XSUB", "X-Sub", "ntu cs", "cs", " C.S. "):
        assert index.get_protocol(spelling).name == "cs"
    for spelling in ("xview", "Cross View", "ntu_cv", "xView!"):
        assert index.get_protocol(spelling).name == "cv"
    with pytest.raises(DatasetError) as e:
        index.split("v12_3")
    assert str(e.value) == "unknown protocol 'v12_3' for NTU RGB+D 60: expected one of 'cs', 'cv'"
    unchosen = index_dataset("ntu60", root, probe=False, progress=False)
    assert unchosen.protocol is None
    with pytest.raises(DatasetError) as e:
        unchosen.get_protocol()
    assert str(e.value) == "NTU RGB+D 60: name a protocol, one of 'cs', 'cv'"
    with pytest.raises(DatasetError) as e:
        index_dataset("ntu60", root, protocol="default", probe=False, progress=False)
    assert str(e.value) == "unknown protocol 'default' for NTU RGB+D 60: expected one of 'cs', 'cv'"


def test_nucla_protocols_are_described_and_chosen_by_any_spelling(tmp_path: Path) -> None:
    root = _touch(tmp_path / "nucla", "a01_s01_e00_v01.avi")
    index = index_dataset("nucla", root, probe=False, progress=False)
    assert (index.dataset, index.title, index.protocol) == ("nucla", "N-UCLA", None)
    assert index.class_ids == list(labels.NUCLA_ACTION_IDS) and index.classes == list(labels.NUCLA_CLASSES)
    assert {n: p.description for n, p in index.protocols.items()} == {
        "v12_3": "cross-view V(1,2)->3: views 1 and 2 train, view 3 tests",
        "v31_2": "cross-view V(3,1)->2: views 3 and 1 train, view 2 tests",
        "v23_1": "cross-view V(2,3)->1: views 2 and 3 train, view 1 tests",
    }
    for spelling, name in (("V_{1,2}^3", "v12_3"), ("V 1 2 3", "v12_3"), ("ucla-v31-2", "v31_2"), ("V(2,3)->1", "v23_1")):
        assert index.get_protocol(spelling).name == name
    with pytest.raises(DatasetError) as e:
        index_dataset("nucla", root, protocol="cs", probe=False, progress=False)
    assert str(e.value) == "unknown protocol 'cs' for N-UCLA: expected one of 'v12_3', 'v31_2', 'v23_1'"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ntu60", "a folder of NTU RGB+D 60 videos named " + NTU_PATTERN_TEXT),
        ("NTU", "a folder of NTU RGB+D 60 videos named " + NTU_PATTERN_TEXT),
        ("NTU RGB+D", "a folder of NTU RGB+D 60 videos named " + NTU_PATTERN_TEXT),
        ("ntu-rgb+d-60", "a folder of NTU RGB+D 60 videos named " + NTU_PATTERN_TEXT),
        ("N-UCLA", "a folder of N-UCLA videos named " + NUCLA_PATTERN_TEXT),
        ("ucla", "a folder of N-UCLA videos named " + NUCLA_PATTERN_TEXT),
        ("Generic", GENERIC_PATTERN_TEXT + ", or a folder holding one"),
        ("csv", GENERIC_PATTERN_TEXT + ", or a folder holding one"),
    ],
)
def test_dataset_names_and_aliases_pick_the_dataset(tmp_path: Path, name: str, expected: str) -> None:
    root = tmp_path / "nowhere"
    with pytest.raises(DatasetError) as e:
        index_dataset(name, root, probe=False, progress=False)
    assert str(e.value) == f"dataset root not found: {root} (expected {expected})"


@pytest.mark.parametrize("name", ["synthetic", "Synth", "SYNTHETIC"])
def test_synthetic_names_read_a_benchmark_manifest(tmp_path: Path, name: str) -> None:
    with pytest.raises(DatasetError, match=r"^not a synthetic benchmark: .*manifest\.json is missing"):
        index_dataset(name, tmp_path, probe=False, progress=False)


def test_unknown_dataset_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as e:
        index_dataset("Kinetics-400", tmp_path)
    assert str(e.value) == "unknown dataset 'Kinetics-400': expected one of ntu60, nucla, generic, synthetic"


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
    root = _touch(tmp_path, "list.txt") / "list.txt"
    expected = {
        "ntu60": "a folder of NTU RGB+D 60 videos named " + NTU_PATTERN_TEXT,
        "generic": GENERIC_PATTERN_TEXT + ", or a folder holding one",
    }[dataset]
    with pytest.raises(DatasetError) as e:
        index_dataset(dataset, root, probe=False, progress=False)
    assert str(e.value) == f"dataset root is a file, not a folder: {root} (expected {expected})"


def test_ntu_samples_sort_by_name_and_the_first_path_of_a_name_is_kept(tmp_path: Path) -> None:
    root = _touch(
        tmp_path / "ntu",
        "S001C001P001R001A001_rgb.avi",  # same sample as A/..., whose path sorts first
        "A/S001C001P001R001A001_rgb.avi",
        "A/S002C001P001R001A001_rgb.avi",
        "B/S001C001P001R001A002_rgb.avi",  # walked after A/S002..., named before it
        "Z/clip.mp4",  # misnamed, found before the duplicate
    )
    index = index_dataset("ntu60", root, probe=False, progress=False)
    assert [(s.name, s.path) for s in index.samples] == [
        ("S001C001P001R001A001", root / "A" / "S001C001P001R001A001_rgb.avi"),
        ("S001C001P001R001A002", root / "B" / "S001C001P001R001A002_rgb.avi"),
        ("S002C001P001R001A001", root / "A" / "S002C001P001R001A001_rgb.avi"),
    ]
    assert [(b.path, b.reason) for b in index.bad] == [  # sorted by path
        (
            root / "S001C001P001R001A001_rgb.avi",
            f"duplicate of sample S001C001P001R001A001 already indexed from {root / 'A' / 'S001C001P001R001A001_rgb.avi'}",
        ),
        (root / "Z" / "clip.mp4", f"misnamed: an NTU RGB+D video is named {NTU_PATTERN_TEXT}"),
    ]


# ------------------------------------------------------------------------ synthetic


def _tiny_benchmark(root: Path) -> Path:
    """A real synthetic benchmark of 4 clips (2 classes x 2 views, 2 frames of 32x32)."""
    from hiar_lib.synth import PROFILES, generate_benchmark, with_overrides

    cfg = with_overrides(
        PROFILES["quick"], profile="tiny", takes_per_class=1, num_frames=2, width=32, height=32, classes=(0, 1), views=(1, 2)
    )
    generate_benchmark(root, cfg, seed=3, workers=1, progress=False)
    return root


def test_synthetic_index_probes_its_clips_and_keeps_its_bad_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tiny_benchmark(tmp_path / "synth")
    unprobed = index_dataset("synthetic", root, probe=False, progress=False)
    assert len(unprobed) == 4 and unprobed.bad == [] and unprobed.protocol is None
    assert all(s.num_frames is None for s in unprobed.samples)
    first, second, *_ = unprobed.samples
    first.path.write_text("not a video")  # unreadable: found by probing
    second.path.unlink()  # missing: found by the manifest check
    capsys.readouterr()
    index = index_dataset("synthetic", root, protocol="xsub", progress=True)
    assert index.protocol == "cs" and index.title == "synthetic benchmark"
    assert [s.name for s in index.samples] == [s.name for s in unprobed.samples[2:]]
    assert all(s.num_frames == 2 for s in index.samples)
    assert [b.path for b in index.bad] == [second.path, first.path]
    assert "listed in the manifest but missing" in index.bad[0].reason
    assert "not a readable video" in index.bad[1].reason
    assert "probing synthetic benchmark: 100%" in capsys.readouterr().err
    with pytest.raises(DatasetError) as e:
        index_dataset("synthetic", root, protocol="v12_3", probe=False, progress=False)
    assert str(e.value) == "unknown protocol 'v12_3' for synthetic benchmark: expected one of 'cs', 'cv'"


# ------------------------------------------------------------------------------ CLI


def test_cli_reports_splits_coverage_and_bad_files(
    ntu_root_with_bad_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", "ntu60", str(ntu_root_with_bad_files)]) == 0
    out = capsys.readouterr().out
    assert "4 samples of 4/60 classes; 6 bad files" in out
    assert "protocol cs: cross-subject" in out and "protocol cv: cross-view" in out
    assert "train       2 samples, 2/60 classes" in out
    assert "no sample in train for 58 of 60 classes; only these have one: A001 drink water, A060" in out
    assert f"{ntu_root_with_bad_files / 'extras' / 'foo.avi'}: misnamed" in out
    assert "action A061 is not in NTU RGB+D 60" in out


def test_cli_one_protocol_without_probe(
    nucla_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", "nucla", str(nucla_root), "--protocol", "v23_1", "--no-probe"]) == 0
    out = capsys.readouterr().out
    assert "protocol v23_1" in out and "protocol v12_3" not in out
    assert "videos not opened" in out and "bad files" in out


def test_cli_csv_is_one_parseable_table(
    ntu_root_with_bad_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", "ntu60", str(ntu_root_with_bad_files), "--csv"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    counts = df[df["section"] == "count"].astype({"label": int, "count": int})
    assert len(counts) == 60 + 2 * 2 * 60  # totals + (cs, cv) x (train, test)
    cs_test = counts[(counts["protocol"] == "cs") & (counts["split"] == "test")].set_index("class_id")
    assert cs_test.loc["A013", "count"] == 1 and cs_test.loc["A013", "class"] == "tear up paper"
    totals = counts[counts["split"] == "all"]
    assert totals["count"].sum() == 4 and (totals["protocol"] == "").all()
    bad = df[df["section"] == "bad"]
    assert len(bad) == 6
    assert str(ntu_root_with_bad_files / "extras" / "foo.avi") in set(bad["path"])


def test_cli_generic_without_split_still_reports_totals(
    tmp_path: Path, tiny_videos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _put(tiny_videos, tmp_path, "x.mp4")
    (tmp_path / "labels.csv").write_text("path,label\nx.mp4,wave\n")
    assert cli.main(["index", "generic", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 samples of 1/1 classes" in out and "not available: the CSV has no split column" in out


def test_cli_bad_root_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "nowhere"
    assert cli.main(["index", "ntu60", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hiar index: error: dataset root not found") and str(root) in err
    assert err.count("\n") == 1


def test_cli_names_the_classes_missing_from_each_split(
    tmp_path: Path, tiny_videos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    for rel in ("a.mp4", "b.mp4", "c.mp4", "d.mp4"):
        _put(tiny_videos, tmp_path, rel)
    (tmp_path / "list.csv").write_text(
        "path,label,split\na.mp4,wave,train\nb.mp4,jump,train\nc.mp4,wave,test\nd.mp4,run,test\n"
    )
    assert cli.main(["index", "generic", str(tmp_path / "list.csv")]) == 0
    out = capsys.readouterr().out
    assert "4 samples of 3/3 classes; 0 bad files" in out
    assert "no sample in train for 1 of 3 classes: run" in out
    assert "no sample in test for 1 of 3 classes: jump" in out
