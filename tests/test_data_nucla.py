"""N-UCLA (hiar_lib.data.nucla): names, protocols, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiar_lib.data import labels
from hiar_lib.data.datasets import index_dataset
from hiar_lib.errors import DatasetError
from tests.dataset_trees import (
    NUCLA_GOOD,
    NUCLA_PATTERN_TEXT,
    bad_reasons,
    put_video,
    sample_names,
    touch,
)

# The reasons and errors in this file are what a user reads to fix a dataset tree, so they
# are pinned word for word. Trees of empty files with probe=False: only names matter there.


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
        put_video(tiny_videos, nucla_root, rel)
    index = index_dataset("nucla", nucla_root, progress=False)
    assert len(index) == len(NUCLA_GOOD)
    reasons = bad_reasons(index)
    assert "action a07 is not an N-UCLA action" in reasons["a07_s01_e00_v01.avi"]
    assert "action a10" in reasons["a10_s01_e00_v02.avi"]
    assert "subject s11" in reasons["a01_s11_e00_v01.avi"]
    assert "view v04" in reasons["a01_s01_e00_v04.avi"]
    assert "misnamed" in reasons["clip.mp4"]


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
    root = touch(tmp_path / "nucla", *expected, "a01_s01_e00_v01.avi", "a12_s10_e09_v03_rgb.mp4")
    index = index_dataset("nucla", root, probe=False, progress=False)
    assert sample_names(index.samples) == {"a01_s01_e00_v01", "a12_s10_e09_v03"}
    assert bad_reasons(index) == expected


def test_nucla_root_with_only_bad_names_lists_the_first_three_reasons(tmp_path: Path) -> None:
    root = touch(
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


def test_nucla_root_without_nucla_names_names_the_files_found(tmp_path: Path) -> None:
    root = touch(tmp_path / "nucla", "notes.txt", "videos/S001C001P001R001A001_rgb.avi")
    with pytest.raises(DatasetError) as e:
        index_dataset("nucla", root, probe=False, progress=False)
    assert str(e.value) == (
        f"{root} does not look like N-UCLA: no file named {NUCLA_PATTERN_TEXT} under it "
        "(found 2 files: notes.txt, videos/S001C001P001R001A001_rgb.avi)"
    )


def test_nucla_protocols_are_described_and_chosen_by_any_spelling(tmp_path: Path) -> None:
    root = touch(tmp_path / "nucla", "a01_s01_e00_v01.avi")
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
