"""N-UCLA (hiar_lib.data.nucla): names, protocols, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
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
from tests.conftest import realdata_file

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


def _frame_take(root: Path, rel: str, frames: int = 12) -> Path:
    """A take as N-UCLA releases it: ``frame_<k>_tc_<time>_rgb.jpg`` (real photos, frame k
    the ((k - 1) mod 5)-th PoseTrack image), each with its depth map and skeleton beside."""
    from PIL import Image

    images = [realdata_file("posetrack18", f"00000{i}.jpg") for i in range(5)]
    folder = root / rel
    folder.mkdir(parents=True)
    for k in range(1, frames + 1):
        stem = f"frame_{k}_tc_{100000 + 33 * k}"
        shutil.copyfile(images[(k - 1) % 5], folder / f"{stem}_rgb.jpg")
        Image.new("I;16", (64, 48), color=k).save(folder / f"{stem}_depth.png")
        (folder / f"{stem}_skeletons.txt").write_text("1\n0.1 0.2 2.5\n")
    return folder


def test_nucla_as_released_folders_of_frames_are_indexed_under_every_protocol_and_read_in_order(tmp_path: Path) -> None:
    from hiar_lib.data.frames import read_frame
    from hiar_lib.data.video import probe_video, read_clip

    takes = [name.replace(".avi", "").replace(".mp4", "").replace("_rgb", "") for name in NUCLA_GOOD]
    for rel in takes:  # view_1/a01_s01_e00_v01 -> the released view_1/a01_s01_e00/
        _frame_take(tmp_path, rel.rsplit("_v", 1)[0])
    _frame_take(tmp_path, "a03_s06_e00", frames=2)  # no view anywhere in its path
    index = index_dataset("nucla", tmp_path, progress=False)
    assert sample_names(index.samples) == {Path(t).name for t in takes}
    assert all(s.num_frames == 12 and s.path.is_dir() for s in index.samples)  # colour frames only
    assert bad_reasons(index) == {"a03_s06_e00": "a folder of frames names its view as view_N/a03_s06_e00/ or a03_s06_e00_vWW/"}
    for protocol, train_views, test_view in (("v12_3", {1, 2}, 3), ("v31_2", {3, 1}, 2), ("v23_1", {2, 3}, 1)):
        split = index.split(protocol)
        assert {s.view for s in split["train"]} == train_views and {s.view for s in split["test"]} == {test_view}
        assert len(split["train"]) == 4 and len(split["test"]) == 2
    a12 = next(s for s in index.samples if s.name == "a12_s10_e04_v01")
    assert a12.label == labels.NUCLA_LABEL_OF_ACTION[12] and (a12.subject, a12.take, a12.view) == (10, 4, 1)
    # Read as a video: frame_2 comes before frame_10 (not the names' text order), every frame
    # is the photo it was made from, and a stride and a resize apply as to a video file.
    info = probe_video(a12.path)
    assert (info.num_frames, info.width, info.height) == (12, 1280, 720)
    clip = read_clip(a12.path, clip_len=12, start=0)
    photos = [read_frame(realdata_file("posetrack18", f"00000{(k - 1) % 5}.jpg")) for k in range(1, 13)]
    assert all(np.array_equal(clip.frames[i].permute(1, 2, 0).numpy(), photos[i]) for i in range(12))
    small = read_clip(a12.path, clip_len=4, stride=3, start=1, size=(320, 180), pad_to_multiple=32)
    assert small.frame_indices.tolist() == [1, 4, 7, 10] and tuple(small.frames.shape) == (4, 3, 192, 320)
    assert np.array_equal(small.frames[3, :, :180].permute(1, 2, 0).numpy(), read_frame(realdata_file("posetrack18", "000000.jpg"), (320, 180)))


def test_index_nucla_called_directly_probes_by_default_and_names_its_dataset(nucla_root: Path, capsys) -> None:
    """The Python call with its own defaults opens every video (an unreadable one becomes a
    bad file, with a progress bar), records the protocol asked and names its dataset."""
    from hiar_lib.data.nucla import index_nucla

    (nucla_root / "view_1" / "a03_s06_e00_v01.avi").write_text("this is text, not a video")
    index = index_nucla(nucla_root, protocol="v12_3")
    assert index.dataset == "nucla" and index.protocol == "v12_3"
    assert "a03_s06_e00_v01.avi" in bad_reasons(index) and all(s.num_frames for s in index.samples)
    assert "probing N-UCLA" in capsys.readouterr().err  # the progress bar, by default
    trusted = index_nucla(nucla_root, probe=False)
    assert len(trusted.samples) == len(index.samples) + 1 and trusted.protocol is None
