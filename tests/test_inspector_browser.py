"""The ``inspect`` notebook in a real JupyterLab and a real browser (Debian's headless
Chromium through Playwright): run it, move the slider, pick another person, and check
that the frame and the chart changed on the page. Skips, saying why, where the browser
is not installed (``make test`` installs it through apt where it runs as root)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hiar_lib.errors import HiarError
from hiar_lib.experiments.inspector_browser import browser_missing, drive_inspector, lab_server

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "inspect.ipynb"


@pytest.mark.slow
def test_the_inspector_answers_the_slider_and_the_person_picker_in_a_real_browser(tmp_path: Path) -> None:
    reason = browser_missing()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    # The smoke profile, sharing make test's smoke stages when HIAR_CACHE_DIR names them; records in the test's folder.
    env = {"HIAR_PROFILE": "smoke", "HIAR_CACHE_DIR": os.environ.get("HIAR_CACHE_DIR") or str(tmp_path / "cache"),
           "HIAR_RESULTS_DIR": str(tmp_path / "results")}  # fmt: skip
    shot = tmp_path / "inspector.png"
    with lab_server(root, env) as lab:
        seen = drive_inspector(lab, NOTEBOOK.name, shot)
    assert seen["errors"] == []
    assert seen["frame_before"].startswith("blob:") and seen["frame_after"] != seen["frame_before"]
    assert seen["readout"].strip() == "3"  # three key presses, three frames on
    assert seen["options"] >= 2 and seen["chart_after"] != seen["chart_before"]  # a person and no one, at least
    assert shot.stat().st_size > 10_000
    assert (tmp_path / "results" / "demo").is_dir()  # the kernel ran with the test's folders


@pytest.mark.slow
def test_a_notebook_failing_before_the_inspector_stops_the_browser_run_at_once_with_its_error(tmp_path: Path) -> None:
    """A cell's exception ends the wait for the inspector with the exception's line, instead
    of waiting out the run's whole timeout (20 minutes by default) for widgets never drawn."""
    import nbformat

    reason = browser_missing()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path / "lab"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('no track in any training video')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}  # no kernel dialog
    nbformat.write(nb, root / "broken.ipynb")
    with lab_server(root) as lab:
        # A run that waited for widgets instead would end in "stopped at 'wait for the inspector'".
        with pytest.raises(HiarError, match=r"broken\.ipynb failed .*ValueError: no track in any training video"):
            drive_inspector(lab, "broken.ipynb", tmp_path / "shot.png")
    assert not (tmp_path / "shot.png").exists()
