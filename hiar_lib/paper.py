"""The paper's own numbers, as transcribed in ``paper_tables/`` (never our measurements).

Notebooks and benchmarks show these beside what we measure; see
``paper_tables/README.md`` for what each table holds and the judgement calls made while
transcribing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hiar_lib.errors import HiarError

PAPER_TABLES = Path(__file__).resolve().parents[1] / "paper_tables"


def paper_table(name: str) -> pd.DataFrame:
    """One transcribed table, e.g. ``paper_table("table7_complexity")``."""
    path = PAPER_TABLES / f"{name}.csv"
    if not path.is_file():
        have = ", ".join(sorted(p.stem for p in PAPER_TABLES.glob("*.csv"))) or "none"
        raise HiarError(f"no paper table {name!r} at {path} (tables present: {have})")
    return pd.read_csv(path)


def paper_timing_fps(component: str, dataset: str = "ntu") -> float:
    """Section 4.4's frames per second of ``component`` (detector, tracker, head)."""
    t = paper_table("section4_4_timing")
    row = t[(t.component == component) & (t.dataset == dataset)]
    if row.empty:
        raise HiarError(f"section 4.4 gives no fps for {component!r} on {dataset!r}")
    return float(row.fps.iloc[0])
