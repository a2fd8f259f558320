"""The paper's own numbers, as transcribed (never our measurements).

The tables ship inside the package (``hiar_lib/experiments/paper_tables/``, also reachable
as ``paper_tables/`` at the repository's top level), so an installed ``hiar_lib`` finds
them as well as a checkout does. ``paper_tables/README.md`` says what each table holds
and the judgement calls made while transcribing. Notebooks and benchmarks show these
numbers beside what we measure.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from hiar_lib.errors import HiarError

__all__ = ["paper_table", "paper_table_names", "paper_tables_dir", "paper_timing_fps"]


def paper_tables_dir() -> Path:
    """The folder holding the transcribed tables (one CSV per table, and their README)."""
    return Path(str(resources.files("hiar_lib.experiments") / "paper_tables"))


def paper_table_names() -> list[str]:
    """The names :func:`paper_table` accepts, e.g. ``"table7_complexity"``, sorted."""
    return sorted(p.stem for p in paper_tables_dir().glob("*.csv"))


def paper_table(name: str) -> pd.DataFrame:
    """One transcribed table, e.g. ``paper_table("table7_complexity")``.

    Raises:
        HiarError: no table of that name (the message lists the tables there are).
    """
    path = paper_tables_dir() / f"{name}.csv"
    if not path.is_file():
        have = ", ".join(paper_table_names()) or "none"
        raise HiarError(f"no paper table {name!r} at {path} (tables present: {have})")
    return pd.read_csv(path)


def paper_timing_fps(component: str, dataset: str = "ntu") -> float:
    """Section 4.4's frames per second of ``component`` (detector, tracker, head)."""
    t = paper_table("section4_4_timing")
    row = t[(t.component == component) & (t.dataset == dataset)]
    if row.empty:
        raise HiarError(f"section 4.4 gives no fps for {component!r} on {dataset!r}")
    return float(row.fps.iloc[0])
