"""NTU RGB+D 60 (hiar_lib.data.ntu): names, protocols, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiar_lib.data import labels
from hiar_lib.data.datasets import index_dataset
from hiar_lib.data.ntu import NTU60_CS_TRAIN_SUBJECTS
from hiar_lib.errors import DatasetError
from tests.conftest import realdata_file
from tests.dataset_trees import (
    NTU_GOOD,
    NTU_PATTERN_TEXT,
    bad_reasons,
    put_video,
    sample_names,
    touch,
)

# The reasons and errors in this file are what a user reads to fix a dataset tree, so they
# are pinned word for word. Trees of empty files with probe=False: only names matter there.


def test_ntu_cross_subject_split_follows_performer_ids(ntu_root: Path) -> None:
    index = index_dataset("ntu60", ntu_root, progress=False)
    assert index.bad == []
    assert len(index) == 4
    split = index.split("cs")
    assert sample_names(split["train"]) == {"S001C001P001R001A001", "S002C003P002R002A060"}
    assert sample_names(split["test"]) == {"S001C002P003R001A013", "S017C001P040R002A030"}
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
    assert sample_names(split["test"]) == {"S001C001P001R001A001", "S017C001P040R002A030"}
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
    assert sample_names(index.samples) == {Path(r).name[: -len("_rgb.avi")] for r in NTU_GOOD}
    reasons = bad_reasons(index)
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
    names = sample_names(index.samples)
    assert {"S001C002P005R001A002", "S001C003P005R001A003"} <= names
    assert all(s.num_frames is None for s in index.samples)
    assert "foo.avi" in bad_reasons(index)


def test_real_ntu_clip_is_indexed_and_probed(tmp_path: Path) -> None:
    clip = realdata_file("clips", "ntu_sample.avi")
    root = tmp_path / "ntu"
    root.mkdir()
    (root / "S001C001P001R001A058_rgb.avi").symlink_to(clip)
    index = index_dataset("ntu60", root, progress=False)
    assert index.bad == []
    (s,) = index.samples
    assert s.num_frames == 72 and index.classes[s.label] == "handshaking"


def test_ntu120_only_root_is_not_ntu60(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    put_video(tiny_videos, tmp_path, "S020C001P060R001A100_rgb.avi")
    with pytest.raises(DatasetError, match="none is an NTU RGB\\+D 60 sample") as e:
        index_dataset("ntu60", tmp_path, progress=False)
    assert "A100" in str(e.value)


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
    root = touch(tmp_path / "ntu", *expected, *edges)
    index = index_dataset("ntu60", root, probe=False, progress=False)
    assert sample_names(index.samples) == {"S001C001P001R001A001", "S017C003P040R002A060"}
    assert bad_reasons(index) == expected
    assert [b.path for b in index.bad] == sorted((root / f for f in expected), key=str)


def test_ntu_root_with_only_bad_names_lists_the_first_three_reasons(tmp_path: Path) -> None:
    root = touch(
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
    root = touch(tmp_path / "ntu", *(f"f{i}.txt" for i in range(1, count + 1)))
    root.mkdir(exist_ok=True)
    with pytest.raises(DatasetError) as e:
        index_dataset("ntu60", root, probe=False, progress=False)
    assert str(e.value) == f"{root} does not look like NTU RGB+D 60: no file named {NTU_PATTERN_TEXT} under it ({found})"


def test_ntu_protocols_are_described_and_chosen_by_any_spelling(tmp_path: Path) -> None:
    root = touch(tmp_path / "ntu", "S001C001P001R001A001_rgb.avi")
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


def test_ntu_samples_sort_by_name_and_the_first_path_of_a_name_is_kept(tmp_path: Path) -> None:
    root = touch(
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


def test_index_ntu60_called_directly_probes_by_default_and_names_its_dataset(ntu_root_with_bad_files: Path, capsys) -> None:
    """The Python call with its own defaults opens every video (an unreadable one becomes a
    bad file, with a progress bar), records the protocol asked and names its dataset."""
    from hiar_lib.data.ntu import index_ntu60

    index = index_ntu60(ntu_root_with_bad_files, protocol="cs")
    assert index.dataset == "ntu60" and index.protocol == "cs"
    reasons = bad_reasons(index)
    assert "empty (0 bytes)" in reasons["S001C002P005R001A002_rgb.avi"]  # probed: found unreadable
    assert "S001C002P005R001A002" not in sample_names(index.samples)
    assert all(s.num_frames for s in index.samples)
    assert "probing NTU RGB+D 60" in capsys.readouterr().err  # the progress bar, by default
    trusted = index_ntu60(ntu_root_with_bad_files, probe=False)
    assert "S001C002P005R001A002" in sample_names(trusted.samples) and trusted.protocol is None
