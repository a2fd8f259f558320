"""Dataset index values (hiar_lib.data.index): protocols, splits, counts and displays."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiar_lib.data.datasets import index_dataset
from hiar_lib.data.index import DatasetIndex, Protocol, Sample
from hiar_lib.errors import DatasetError
from tests.dataset_trees import (
    touch,
)

# The reasons and errors in this file are what a user reads to fix a dataset tree, so they
# are pinned word for word. Trees of empty files with probe=False: only names matter there.


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


def test_index_without_protocols_says_so_when_asked_for_one(tmp_path: Path) -> None:
    index = DatasetIndex(dataset="mine", root=tmp_path, classes=["wave"], samples=[])
    with pytest.raises(DatasetError, match=r"^mine: name a protocol, one of \(none\)$"):
        index.get_protocol()
    with pytest.raises(DatasetError, match=r"^unknown protocol 'cs' for mine: expected one of \(none\)$"):
        index.split("cs")


def test_summary_counts_every_sample_of_a_class_with_one_row_index(tmp_path: Path) -> None:
    root = touch(
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
