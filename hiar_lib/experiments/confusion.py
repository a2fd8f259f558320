"""Figure 5: TAHNet-v1's confusion matrix, per-class accuracy, the most confused pairs, and
the paper's stated facts about its figure beside ours.

The paper shows its NTU RGB+D cross-subject confusion matrix and states facts about it
(``paper_tables/figure5_facts.csv``): the overall accuracy, classes above 97 %, and
classes below 70 % with the class they are confused with. The synthetic benchmark's
twelve classes carry NTU RGB+D names, so each fact about a class it has is checked on
ours; the others are listed as not applicable.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiar_lib.experiments.suite import SuiteParams, figure_head

__all__ = ["Figure5", "confused_pairs", "figure5", "paper_facts_beside_ours", "per_class_table"]


@dataclass
class Figure5:
    """What :func:`figure5` measured: the head's record, the tables, the figure's file."""

    record: Any
    per_class: pd.DataFrame
    pairs: pd.DataFrame
    facts: pd.DataFrame
    figure: Path
    results: Path


def per_class_table(matrix: Any, classes: list[str]) -> pd.DataFrame:
    """``class``, ``test_videos``, ``correct`` and ``accuracy`` (percent; ``NaN`` for a
    class without test videos) from a ``(K, K)`` confusion matrix (rows true)."""
    counts = np.asarray(matrix, dtype=float)
    total, right = counts.sum(axis=1), np.diag(counts)
    acc = np.divide(100 * right, total, out=np.full_like(total, np.nan), where=total > 0)
    return pd.DataFrame({"class": classes, "test_videos": total.astype(int), "correct": right.astype(int), "accuracy": acc})


def confused_pairs(matrix: Any, classes: list[str], top: int = 5) -> pd.DataFrame:
    """The ``top`` most frequent confusions: ``true``, ``predicted``, ``count`` and
    ``share`` (percent of the true class's test videos), largest count first."""
    counts = np.asarray(matrix, dtype=float)
    total = counts.sum(axis=1)
    rows = [
        {"true": classes[i], "predicted": classes[j], "count": int(counts[i, j]), "share": 100 * counts[i, j] / total[i]}
        for i in range(len(classes)) for j in range(len(classes)) if i != j and counts[i, j] > 0
    ]  # fmt: skip
    rows.sort(key=lambda r: (-r["count"], -r["share"], r["true"], r["predicted"]))
    return pd.DataFrame(rows[:top], columns=["true", "predicted", "count", "share"])


def paper_facts_beside_ours(accuracy: float, matrix: Any, classes: list[str]) -> pd.DataFrame:
    """Each fact the paper states about its Figure 5, with our value where our classes
    allow: ``fact``, ``class_name``, ``paper`` (the stated value or bound), ``ours``
    (percent), ``holds_on_ours`` (``True``/``False``, ``None`` where not applicable)."""
    from hiar_lib.experiments.paper import paper_table

    per_class = per_class_table(matrix, classes).set_index("class")
    counts = np.asarray(matrix, dtype=float)
    out = []
    for fact in paper_table("figure5_facts").to_dict("records"):
        name = fact["class_name"] if isinstance(fact["class_name"], str) else None
        line = {"fact": fact["fact"], "class_name": name, "similar_to": None, "paper": None, "ours": None, "holds_on_ours": None}
        if fact["fact"] == "overall_accuracy":
            line.update(paper=f"{fact['value_pct']:.2f} %", ours=100 * accuracy)
        elif name is not None:
            line["paper"] = f"{fact['relation']} {fact['bound_pct']:g} %"
            similar = fact["similar_to_name"] if isinstance(fact["similar_to_name"], str) else None
            line["similar_to"] = similar
            if name in per_class.index and not math.isnan(per_class.loc[name, "accuracy"]):
                ours = float(per_class.loc[name, "accuracy"])
                holds = ours > fact["bound_pct"] if fact["relation"] == ">" else ours < fact["bound_pct"]
                line.update(ours=ours, holds_on_ours=bool(holds))
                if similar in classes:  # how much of the class goes to its look-alike
                    i, j = classes.index(name), classes.index(similar)
                    line["ours_to_similar"] = 100 * counts[i, j] / counts[i].sum()
        out.append(line)
    return pd.DataFrame(out)


def figure5(params: SuiteParams, cache: str | Path, progress: bool = True) -> Figure5:
    """Train (or reuse) TAHNet-v1 over ``params.seeds`` on ``cache`` and draw Figure 5.

    The confusion matrix is summed over the seeds. Writes
    ``results_dir/figures/fig5_confusion_<profile>.png`` and the record
    ``results_dir/fig5_confusion_<profile>.json`` (per-class accuracies, the most
    confused pairs, the paper's facts beside ours).
    """
    import matplotlib.pyplot as plt

    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import no_value_as_none, write_record
    from hiar_lib.plots import confusion_heatmap, save_figure

    started = time.perf_counter()
    record = figure_head(params, cache, progress=progress)
    summary = record.metrics["summary"]
    classes = list(record.parameters["classes"])
    matrix = summary["confusion_matrix_sum"]
    per_class = per_class_table(matrix, classes)
    pairs = confused_pairs(matrix, classes)
    facts = paper_facts_beside_ours(float(summary["accuracy_mean"]), matrix, classes)
    title = f"TAHNet-v1, {params.dataset} {params.protocol}, {params.profile} profile, {len(params.seeds)} seed(s) summed"
    fig = confusion_heatmap(matrix, classes, title)
    figure = save_figure(fig, params.results_dir / "figures" / f"fig5_confusion_{params.profile}.png")
    plt.close(fig)  # the notebook shows the file; an open figure would be drawn a second time
    prov = provenance(profile=params.profile, seeds=list(params.seeds), device=params.device,
                      wall_time_s=time.perf_counter() - started)  # fmt: skip
    metrics = {
        "accuracy_mean": summary["accuracy_mean"],
        "confusion_matrix_sum": matrix,
        "per_class": no_value_as_none(per_class.to_dict("records")),
        "most_confused": pairs.to_dict("records"),
        "paper_facts": no_value_as_none(facts.to_dict("records")),
    }
    parameters = {"dataset": params.dataset, "protocol": params.protocol, "classes": classes, "head": "tahnet_v1",
                  "run": str(record.path), "figure": str(figure)}  # fmt: skip
    results = write_record(params.results_dir / f"fig5_confusion_{params.profile}.json", "fig5_confusion", parameters, metrics, prov)
    return Figure5(record, per_class, pairs, facts, figure, results)
