"""Figure 5's tables from a real results record: per class, most confused, the paper's facts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hiar_lib.experiments.confusion import confused_pairs, paper_facts_beside_ours, per_class_table
from hiar_lib.plots import confusion_heatmap, save_figure

RECORD = Path(__file__).resolve().parents[1] / "results" / "quick_tahnet_v1_cs.json"


@pytest.fixture(scope="module")
def record() -> dict:
    return json.loads(RECORD.read_text())


def test_per_class_accuracy_from_the_summed_matrix_is_the_mean_over_seeds(record) -> None:
    summary, classes = record["metrics"]["summary"], record["parameters"]["classes"]
    table = per_class_table(summary["confusion_matrix_sum"], classes)
    assert list(table["class"]) == classes and table["test_videos"].sum() == 3 * summary["num_videos"]
    assert np.allclose(table["accuracy"], [100 * a for a in summary["per_class_accuracy_mean"]])
    pairs = confused_pairs(summary["confusion_matrix_sum"], classes, top=4)
    assert len(pairs) == 4 and list(pairs["count"]) == sorted(pairs["count"], reverse=True)
    m = np.asarray(summary["confusion_matrix_sum"])
    off = m - np.diag(np.diag(m))
    assert pairs["count"].iloc[0] == off.max() and (pairs["true"] != pairs["predicted"]).all()


def test_the_papers_facts_are_checked_on_the_classes_the_benchmark_has() -> None:
    classes = ["jump up", "clapping", "rub two hands together"]
    matrix = [[10, 0, 0], [0, 6, 4], [0, 1, 9]]  # jump up 100 %, clapping 60 % (40 % to rubbing)
    facts = paper_facts_beside_ours(25 / 30, matrix, classes).set_index("class_name", drop=False)
    overall = facts[facts["fact"] == "overall_accuracy"].iloc[0]
    assert overall["paper"] == "86.17 %" and overall["ours"] == pytest.approx(100 * 25 / 30)
    assert facts.loc["jump up", "holds_on_ours"] is True and facts.loc["jump up", "ours"] == 100.0
    assert facts.loc["clapping", "holds_on_ours"] is True and facts.loc["clapping", "ours_to_similar"] == pytest.approx(40.0)
    assert facts.loc["writing", "holds_on_ours"] is None and pd.isna(facts.loc["writing", "ours"])  # not a class of ours
    assert facts.loc["hugging other person", "paper"] == "> 97 %"


def test_the_heatmap_is_the_same_file_for_the_same_matrix(tmp_path, record) -> None:
    import matplotlib

    matplotlib.use("Agg")
    summary, classes = record["metrics"]["summary"], record["parameters"]["classes"]
    a = save_figure(confusion_heatmap(summary["confusion_matrix_sum"], classes, "t"), tmp_path / "a.png")
    b = save_figure(confusion_heatmap(summary["confusion_matrix_sum"], classes, "t"), tmp_path / "b.png")
    assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 10_000
    with pytest.raises(ValueError, match=r"matrix must be \(3, 3\) for 3 classes"):
        confusion_heatmap([[1, 0], [0, 1]], ["a", "b", "c"])
