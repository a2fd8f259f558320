"""The paper's ablation tables measured on a feature cache, our rows beside the paper's.

Each row of a table is a head trained from one feature cache with the clip settings the
row changes (:func:`hiar_lib.experiments.heads.train_heads`: heads are cached per row
and seed, so a rerun trains nothing), scored on the cache's test split, and put beside
the number the paper printed for that row (``paper_tables/``; never copied into our
columns). On the synthetic benchmark our cross-subject column stands beside the paper's
NTU RGB+D cross-subject one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hiar_lib.errors import HiarError
from hiar_lib.experiments.suite import SuiteParams

__all__ = ["TABLES", "TableRow", "TableSpec", "table_rows"]


@dataclass(frozen=True)
class TableRow:
    """One row: its name, the clip settings it changes, the head, and the paper's row."""

    name: str
    clip: dict[str, Any] = field(default_factory=dict)
    head: str = "tahnet_v1"
    paper_row: int = 0


@dataclass(frozen=True)
class TableSpec:
    """A table: its artefact name, the paper's CSV, the paper column our column stands beside."""

    artefact: str
    paper_table: str
    paper_column: str
    rows: tuple[TableRow, ...]


TABLES: dict[int, TableSpec] = {
    3: TableSpec(
        artefact="table3_action_region",
        paper_table="table3_action_region",
        paper_column="ntu_cs",
        rows=(
            TableRow("basic", {"box": "basic"}, "tahnet_v1", paper_row=1),
            TableRow("outermost", {"box": "outermost"}, "tahnet_v1", paper_row=2),
        ),
    ),
}
"""The tables measured (the paper's NTU RGB+D column uses TAHNet-v1 in Table 3)."""


def table_rows(table: int, params: SuiteParams, cache: str | Path, progress: bool = True) -> pd.DataFrame:
    """Train and score every row of ``table`` on ``cache``; write the table's record.

    Args:
        table: the paper's table number (a key of :data:`TABLES`).
        params: the notebook's parameters (profile, protocol, seeds, device, folders).
        cache: the feature cache (:func:`hiar_lib.experiments.suite.feature_cache`).

    Returns:
        One line per row: ``row``, ``head``, ``top1`` and ``top1_std`` (percent, mean
        and standard deviation over the seeds), ``seeds``, ``paper`` (the paper's
        number for the row, percent) and ``difference`` (ours minus the paper's). The
        record goes to ``results_dir/<artefact>_<profile>.json`` and the table to the
        ``.csv`` beside it.

    Raises:
        HiarError: a table that is not measured (yet).
    """
    from hiar_lib.experiments.heads import clip_settings, default_run_dir, train_heads
    from hiar_lib.experiments.paper import paper_table
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record
    from hiar_lib.engine.data import read_cache_info

    if table not in TABLES:
        raise HiarError(f"table {table} is not measured here; tables: {', '.join(map(str, TABLES))}")
    spec = TABLES[table]
    started = time.perf_counter()
    paper = paper_table(spec.paper_table).set_index("row")
    info = read_cache_info(cache)
    lines, runs = [], []
    for row in spec.rows:
        clip = clip_settings(info.config, params.profile, row.clip)
        name = default_run_dir(cache, params.protocol, row.head, params.profile, clip).name
        record = train_heads(
            cache, params.protocol, head=row.head, profile=params.profile, seeds=params.seeds, clip=row.clip,
            out=params.cache_dir / "runs" / name, device=params.device, progress=progress, log=None,
        )  # fmt: skip
        assert record is not None  # one process
        summary = record.metrics["summary"]
        top1 = 100 * float(summary["accuracy_mean"])
        printed = float(paper.loc[row.paper_row, spec.paper_column])
        lines.append({
            "row": row.name, "head": row.head, "top1": top1, "top1_std": 100 * float(summary["accuracy_std"]),
            "seeds": len(params.seeds), "paper": printed, "difference": top1 - printed,
        })  # fmt: skip
        runs.append({"row": row.name, "clip": row.clip, "run": str(record.path), "summary": summary})
    frame = pd.DataFrame(lines)
    out = params.results_dir / f"{spec.artefact}_{params.profile}.json"
    prov = provenance(profile=params.profile, seeds=list(params.seeds), device=params.device,
                      wall_time_s=time.perf_counter() - started)  # fmt: skip
    parameters = {"table": table, "dataset": params.dataset, "protocol": params.protocol, "cache": str(cache),
                  "extraction": info.config, "paper_column": spec.paper_column}  # fmt: skip
    write_record(out, spec.artefact, parameters, {"rows": lines, "runs": runs}, prov)
    frame.to_csv(out.with_suffix(".csv"), index=False)
    return frame
