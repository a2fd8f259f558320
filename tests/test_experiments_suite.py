"""A notebook's parameters: checked in its first cell, each bad one refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiar_lib.errors import HiarError
from hiar_lib.experiments.suite import suite_params


def test_good_parameters_come_back_checked_with_the_folders_resolved(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("HIAR_PROFILE", raising=False)
    p = suite_params(protocol="xsub", seeds=2, cache_dir=tmp_path / "c", results_dir=tmp_path / "r")
    assert (p.profile, p.dataset, p.protocol, p.seeds, p.data_root) == ("quick", "synthetic", "cs", (2,), None)
    assert (p.cache_dir, p.results_dir, p.meaningful) == (tmp_path / "c", tmp_path / "r", True)
    monkeypatch.setenv("HIAR_PROFILE", "smoke")
    monkeypatch.setenv("HIAR_CACHE_DIR", str(tmp_path / "env-cache"))
    p = suite_params(protocol="cv", seeds=[0, 1])
    assert (p.profile, p.protocol, p.seeds, p.cache_dir, p.meaningful) == ("smoke", "cv", (0, 1), tmp_path / "env-cache", False)
    assert suite_params(profile="quick").profile == "quick"  # a profile given wins over the environment


def test_a_real_dataset_is_indexed_and_its_protocol_named_as_it_spells_it(ntu_root: Path, tmp_path: Path) -> None:
    from hiar_lib.detection.weights import PAPER_WEIGHTS, _file_name

    coco = tmp_path / "coco"
    coco.mkdir()
    # Without torchvision's COCO files a real dataset is refused, naming the missing file.
    with pytest.raises(HiarError, match="keypointrcnn_resnet50_fpn_coco"):
        suite_params(dataset="ntu", data_root=ntu_root, protocol="cross-view", weights=coco)
    for w in PAPER_WEIGHTS.values():
        (coco / _file_name(w)).write_bytes(b"")  # found by name; read only when a detector is built
    p = suite_params(dataset="ntu", data_root=ntu_root, protocol="cross-view", weights=coco)
    assert (p.dataset, p.protocol, p.data_root, p.weights) == ("ntu60", "cv", ntu_root, coco)
    with pytest.raises(HiarError, match="unknown protocol 'v12_3'"):
        suite_params(dataset="ntu", data_root=ntu_root, protocol="v12_3", weights=coco)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"profile": "fast"}, r"^profile 'fast' is not one of smoke, quick, synthetic-full, paper$"),
        ({"dataset": "kinetics"}, r"^dataset 'kinetics' is not one of synthetic, ntu60, nucla, generic$"),
        ({"protocol": "v13_2"}, r"^unknown protocol 'v13_2' for synthetic benchmark: expected one of 'cs', 'cv', 'v12_3', 'v31_2', 'v23_1'$"),
        ({"seeds": []}, r"^seeds is empty"),
        ({"device": "tpu"}, r"^device 'tpu' is not 'cpu' or 'cuda\[:N\]'$"),
        ({"dataset": "ntu60"}, r"^data_root is not set: dataset 'ntu60' needs the folder holding its videos$"),
        ({"dataset": "ntu60", "data_root": "/no/such/folder"}, r"^data_root '/no/such/folder' does not exist$"),
        ({"weights": "/no/such.pt"}, r"^weights '/no/such.pt': no such detector checkpoint$"),
        ({"profile": "paper"}, r"^profile 'paper' runs on real data: set dataset and data_root$"),
    ],
)
def test_bad_parameters_are_refused_in_one_line(kwargs, message) -> None:
    with pytest.raises(HiarError, match=message):
        suite_params(**kwargs)


def test_a_data_root_without_the_datasets_videos_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no videos here")
    with pytest.raises(HiarError, match=str(tmp_path)):
        suite_params(dataset="ntu60", data_root=tmp_path)


def test_the_profiles_table_says_what_each_profile_does() -> None:
    from hiar_lib.experiments.suite import profiles_table
    from hiar_lib.profiles import PROFILE_NAMES

    table = profiles_table().set_index("profile")
    assert tuple(table.index) == PROFILE_NAMES
    assert not table.loc["smoke", "numbers_mean_something"] and table.loc["quick", "numbers_mean_something"]
    assert table.loc["quick", "benchmark"] == "216 synthetic clips, 32 frames of 192x144"
    assert "divided by 32" in table.loc["quick", "heads"] and "the paper's widths" in table.loc["paper", "heads"]
    assert table.loc["paper", "detector"] == "torchvision COCO weights" and "first 8 videos" in table.loc["smoke", "extraction"]
