"""A generic dataset listed in a CSV file (hiar_lib.data.generic)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hiar_lib.data.datasets import index_dataset
from hiar_lib.errors import DatasetError
from tests.dataset_trees import (
    GENERIC_PATTERN_TEXT,
    put_video,
    touch,
)

# The reasons and errors in this file are what a user reads to fix a dataset tree, so they
# are pinned word for word. Trees of empty files with probe=False: only names matter there.


def test_generic_csv_with_names_and_split(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    root = tmp_path / "mine"
    for rel in ("videos/a.mp4", "videos/b.mp4", "videos/c.avi", "videos/d.mp4"):
        put_video(tiny_videos, root, rel)
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
        put_video(tiny_videos, tmp_path, rel)
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,label\nx.mp4,10\ny.mp4,2\nz.mp4,02\n")
    index = index_dataset("generic", csv_path, progress=False)
    assert index.classes == ["2", "10"]
    assert [s.label for s in index.samples] == [1, 0, 0]


def test_generic_without_split_column_cannot_be_split(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    put_video(tiny_videos, tmp_path, "x.mp4")
    (tmp_path / "labels.csv").write_text("path,label\nx.mp4,wave\n")
    index = index_dataset("generic", tmp_path, progress=False)
    assert len(index) == 1
    with pytest.raises(DatasetError, match="split"):
        index.split()


def test_generic_bad_rows_are_listed_with_line_numbers(tmp_path: Path, tiny_videos: dict[str, Path]) -> None:
    put_video(tiny_videos, tmp_path, "ok.mp4")
    put_video(tiny_videos, tmp_path, "ok2.mp4")
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
    put_video(tiny_videos, tmp_path, "videos/a.mp4")
    put_video(tiny_videos, tmp_path, "videos/a.avi")
    put_video(tiny_videos, tmp_path, "other/b.mp4")
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


def test_generic_class_display_is_the_class_name_alone(tmp_path: Path) -> None:
    touch(tmp_path, "a.mp4", "b.mp4")
    (tmp_path / "list.csv").write_text("path,label\na.mp4,wave\nb.mp4,jump\n")
    index = index_dataset("generic", tmp_path, probe=False, progress=False)
    assert index.class_ids is None
    assert [index.class_display(i) for i in range(2)] == ["jump", "wave"]
    assert [index.class_id(i) for i in range(2)] == ["jump", "wave"]


def test_generic_rows_give_samples_and_exact_bad_reasons_in_row_order(tmp_path: Path) -> None:
    base = touch(tmp_path / "data", "a.mp4", "a.avi", "b.mp4", "c.avi", "d.mp4", "sub/e.mp4")
    outside = touch(tmp_path / "elsewhere", "o.mp4", "z.mp4")
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
    touch(tmp_path, "a.mp4", "b.mp4", "c.mp4", "d.mp4")
    (tmp_path / "ints.csv").write_text("path,label\na.mp4,+3\nb.mp4,-1\nc.mp4,03\nd.mp4, 10 \n")
    index = index_dataset("generic", tmp_path / "ints.csv", probe=False, progress=False)
    assert index.classes == ["-1", "3", "10"]
    assert [s.label for s in index.samples] == [1, 0, 1, 2]
    (tmp_path / "mixed.csv").write_text("path,label\na.mp4,10\nb.mp4,2\nc.mp4,x\n")
    index = index_dataset("generic", tmp_path / "mixed.csv", probe=False, progress=False)
    assert index.classes == ["10", "2", "x"]  # names: sorted as text
    assert [s.label for s in index.samples] == [0, 1, 2]


def test_generic_csv_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    touch(tmp_path, "a.mp4")
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
    touch(tmp_path, "a.mp4", "sub/other.csv")
    (tmp_path / "LIST.CSV").write_text("path,label\na.mp4,wave\n")
    (tmp_path / "._LIST.CSV").write_bytes(b"\0\x05\x16\x07")  # macOS resource fork: hidden
    index = index_dataset("generic", tmp_path, probe=False, progress=False)
    assert index.root == tmp_path / "LIST.CSV"
    assert [s.name for s in index.samples] == ["a"]
    index = index_dataset("generic", tmp_path / "LIST.CSV", probe=False, progress=False)  # the file itself
    assert [s.name for s in index.samples] == ["a"]


def test_generic_folder_without_a_csv_names_the_files_in_it(tmp_path: Path) -> None:
    touch(tmp_path, "b.mp4", "a.txt", ".DS_Store", "videos/c.csv")  # a subfolder's CSV does not count
    with pytest.raises(DatasetError) as e:
        index_dataset("generic", tmp_path, probe=False, progress=False)
    assert str(e.value) == (
        f"{tmp_path} does not look like a generic dataset: no {GENERIC_PATTERN_TEXT} in it (found 2 files: a.txt, b.mp4)"
    )


def test_generic_folder_with_several_csvs_asks_for_one(tmp_path: Path) -> None:
    touch(tmp_path, "b.csv", "a.csv")
    with pytest.raises(DatasetError) as e:
        index_dataset("generic", tmp_path, probe=False, progress=False)
    assert str(e.value) == (
        f"{tmp_path} holds several CSV files (a.csv, b.csv): pass the one that lists the videos as the dataset root"
    )


def test_generic_without_split_column_names_a_sample_and_the_fix(tmp_path: Path) -> None:
    touch(tmp_path, "x.mp4", "y.mp4")
    (tmp_path / "labels.csv").write_text("path,label\nx.mp4,wave\ny.mp4,jump\n")
    index = index_dataset("generic", tmp_path, probe=False, progress=False)
    assert [s.split for s in index.samples] == [None, None]
    with pytest.raises(DatasetError) as e:
        index.split()
    assert str(e.value) == (
        f"generic dataset at {tmp_path / 'labels.csv'} has no train/test split (2 samples without one, e.g. 'x'): "
        "add a 'split' column with values train or test to the CSV"
    )


def test_index_generic_called_directly_probes_by_default_and_checks_its_protocol_first(
    tmp_path: Path, tiny_videos: dict[str, Path], capsys
) -> None:
    """The Python call (what a notebook uses), with its own defaults: every listed video is
    opened (an unreadable one becomes a bad row), the protocol asked is checked before
    the CSV is read and recorded on the index, and the index names its dataset."""
    from hiar_lib.data.generic import index_generic

    put_video(tiny_videos, tmp_path, "ok.mp4")
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    (tmp_path / "labels.csv").write_text("path,label,split\nok.mp4,wave,train\nbroken.mp4,jump,test\n")
    index = index_generic(tmp_path, protocol="default")
    assert index.dataset == "generic" and index.protocol == "default"
    assert [s.name for s in index.samples] == ["ok"] and [b.path.name for b in index.bad] == ["broken.mp4"]
    assert "probing generic dataset" in capsys.readouterr().err  # the progress bar, by default
    assert index_generic(tmp_path, probe=False).protocol is None  # chosen later: the only one
    assert len(index_generic(tmp_path, probe=False).samples) == 2  # trusted without opening
    (tmp_path / "labels.csv").unlink()  # checked before the CSV is looked for
    with pytest.raises(DatasetError, match=r"^unknown protocol 'nope' for generic dataset: expected one of 'default'$"):
        index_generic(tmp_path, protocol="nope")
