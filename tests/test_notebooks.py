"""The notebooks as committed: no outputs, one parameters cell that the library checks.

(`make test` also executes every notebook at the smoke profile under nbval.)
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import nbformat
import pytest

from hiar_lib.experiments.suite import suite_params

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS if p.name == "table3_action_region.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_is_committed_without_outputs_and_with_one_checked_parameters_cell(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    with_outputs = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count") is not None]
    assert not with_outputs, f"{path.name}: code cells {with_outputs} have outputs; clear them before committing"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0], f"{path.name}: the first code cell, alone, is tagged parameters"
    names = {t.id for node in ast.parse(tagged[0].source).body if isinstance(node, ast.Assign) for t in node.targets}
    accepted = set(inspect.signature(suite_params).parameters)
    assert names <= accepted, f"{path.name}: parameters {sorted(names - accepted)} are not suite_params'"
    # The next cell checks them before anything else runs.
    assert "suite.suite_params(" in code[1].source


@pytest.mark.slow
def test_papermill_runs_a_notebook_with_injected_parameters_and_the_results_land_where_they_say(tmp_path: Path) -> None:
    """Table 3 at the smoke profile on the cross-view protocol, results in a folder of the
    test's own; the stages under it (benchmark, detector, cache) are shared with the nbval
    run of `make test` through ``HIAR_CACHE_DIR`` when it is set."""
    import json
    import os

    import papermill

    cache_dir = Path(os.environ.get("HIAR_CACHE_DIR") or tmp_path / "cache")
    results = tmp_path / "elsewhere"
    out = tmp_path / "table3.ipynb"
    source = next(p for p in NOTEBOOKS if p.name == "table3_action_region.ipynb")
    papermill.execute_notebook(
        str(source), str(out), cwd=str(source.parent), progress_bar=False, kernel_name="python3",
        parameters={"profile": "smoke", "protocol": "cross-view", "results_dir": str(results), "cache_dir": str(cache_dir)},
    )  # fmt: skip
    record = json.loads((results / "table3_action_region_cv_smoke.json").read_text())
    assert record["parameters"]["protocol"] == "cv" and record["provenance"]["profile"] == "smoke"
    assert record["parameters"]["extraction"]["protocol"] == "cv"
    assert [r["row"] for r in record["metrics"]["rows"]] == ["basic", "outermost"]
    assert (results / "table3_action_region_cv_smoke.csv").read_text().startswith(
        "row,head,head_options,gmacs_trained,gmacs_paper_widths,top1,top1_std,seeds,paper,difference\n"
    )
    # The paper's Table 3 has no cross-view column: ours stands alone there.
    assert [r["paper"] for r in record["metrics"]["rows"]] == [None, None] and record["parameters"]["paper_column"] is None
    cache = Path(record["parameters"]["cache"])
    assert cache == cache_dir / "features" / "smoke-cv-crops"
    assert len(list(cache.glob("*.pt"))) == 16  # the smoke profile's 8 videos per split
    executed = nbformat.read(out, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
