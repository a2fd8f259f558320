"""Datasets by name (hiar_lib.data.datasets): names, aliases and the indexer each picks."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiar_lib.data.datasets import index_dataset
from hiar_lib.errors import DatasetError
from tests.dataset_trees import (
    GENERIC_PATTERN_TEXT,
    NTU_PATTERN_TEXT,
    NUCLA_PATTERN_TEXT,
)

# The reasons and errors in this file are what a user reads to fix a dataset tree, so they
# are pinned word for word. Trees of empty files with probe=False: only names matter there.


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


@pytest.mark.parametrize(
    ("dataset", "fixture", "broken"),
    [("ntu60", "ntu_root", "S001C003P005R001A003_rgb.avi"), ("nucla", "nucla_root", "view_2/a03_s06_e00_v02.avi")],
)
def test_each_indexer_called_directly_probes_with_a_progress_bar_by_default(
    dataset: str, fixture: str, broken: str, request: pytest.FixtureRequest, capsys
) -> None:
    """The Python calls a notebook makes, with their own defaults (``index_dataset`` passes
    its arguments on, so only a direct call sees them): every video is opened, an
    unreadable one becomes a bad file, and the probe shows its progress."""
    from hiar_lib.data.ntu import index_ntu60
    from hiar_lib.data.nucla import index_nucla

    root: Path = request.getfixturevalue(fixture)
    (root / broken).parent.mkdir(parents=True, exist_ok=True)
    (root / broken).write_text("this is text, not a video")
    indexer = {"ntu60": index_ntu60, "nucla": index_nucla}[dataset]
    index = indexer(root)
    assert Path(broken).name in {b.path.name for b in index.bad}
    assert Path(broken).name not in {s.path.name for s in index.samples}
    assert all(s.num_frames for s in index.samples)  # each probed
    for default in (indexer, lambda r: index_dataset(dataset, r)):
        capsys.readouterr()
        default(root)
        assert "probing" in capsys.readouterr().err
