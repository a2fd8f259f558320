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
OWN_PARAMETERS = {"inspect": {"video"}, "claims": {"most_seeds"}}  # a notebook's parameters beyond its checker's, passed to its own call
CHECKERS = {"claims": "claims.claim_params("}  # the call checking a notebook's parameters, where not suite.suite_params


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
    from hiar_lib.experiments.claims import claim_params

    checker = {"claims": claim_params}.get(path.stem, suite_params)
    accepted = set(inspect.signature(checker).parameters) | OWN_PARAMETERS.get(path.stem, set())
    assert names <= accepted, f"{path.name}: parameters {sorted(names - accepted)} are not {checker.__name__}'s"
    # The next cell checks them before anything else runs.
    assert CHECKERS.get(path.stem, "suite.suite_params(") in code[1].source


@pytest.mark.slow
def test_papermill_runs_a_notebook_with_injected_parameters_and_the_results_land_where_they_say(tmp_path: Path) -> None:
    """Table 3 at the smoke profile on the N-UCLA analogue V(1,2)->3, results in a folder
    of the test's own; the stages under it (benchmark, detector, cache) are shared with
    the nbval run of `make test` through ``HIAR_CACHE_DIR`` when it is set."""
    import json
    import os

    import papermill

    cache_dir = Path(os.environ.get("HIAR_CACHE_DIR") or tmp_path / "cache")
    results = tmp_path / "elsewhere"
    out = tmp_path / "table3.ipynb"
    source = next(p for p in NOTEBOOKS if p.name == "table3_action_region.ipynb")
    papermill.execute_notebook(
        str(source), str(out), cwd=str(source.parent), progress_bar=False, kernel_name="python3",
        parameters={"profile": "smoke", "protocol": "V(1,2)->3", "results_dir": str(results), "cache_dir": str(cache_dir)},
    )  # fmt: skip
    record = json.loads((results / "table3_action_region_v12_3_smoke.json").read_text())
    assert record["parameters"]["protocol"] == "v12_3" and record["provenance"]["profile"] == "smoke"
    rows = record["metrics"]["rows"]
    assert [r["row"] for r in rows] == ["basic", "outermost"] and {r["head"] for r in rows} == {"tahnet_v2"}
    assert {r["instances"] for r in rows} == {"detected"}  # no oracle rows on a fine-tuned column
    assert (results / "table3_action_region_v12_3_smoke.csv").read_text().startswith(
        "row,instances,head,head_options,gmacs_trained,gmacs_paper_widths,top1,top1_std,seeds,paper,difference\n"
    )
    # Beside the paper's N-UCLA column, each head fine-tuned from its cross-subject twin.
    assert record["parameters"]["paper_column"] == "nucla_v12_3_mean" and all(r["paper"] is not None for r in rows)
    for run in record["metrics"]["runs"]:
        assert "_cs_tahnet_v2_" in Path(run["init_from"]).parent.name and run["init_from"].endswith("seed{seed}")
        assert Path(run["run"]).parent.name.startswith(Path(run["init_from"]).parent.name.replace("_cs_", "_v12_3_"))
    # One crops cache serves every protocol: it records their splits.
    cache = Path(record["parameters"]["cache"])
    assert cache == cache_dir / "features" / "smoke-crops"
    splits = json.loads((cache / "cache.json").read_text())["splits"]
    assert set(splits) == {"cs", "cv", "v12_3", "v31_2", "v23_1"} and splits["v12_3"]["test"]
    assert len(list(cache.glob("*.pt"))) == 16  # the smoke profile's 8 videos per split of cs
    executed = nbformat.read(out, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
