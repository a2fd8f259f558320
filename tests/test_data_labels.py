"""Class labels of the real datasets (hiar_lib.data.labels)."""

from __future__ import annotations

import pytest

from hiar_lib.data import labels
from tests.conftest import realdata_file


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
