"""Dataset indexes (hiar_lib.data.datasets, hiar_lib.data.labels) and ``hiar index``.

Every tree is built in tmp_path from tiny real videos (4 frames of 32x24, written once
by ``write_video`` and copied to each name) named as the real datasets name them.
"""

from __future__ import annotations

import io
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
