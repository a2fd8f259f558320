"""The ``inspect`` notebook in a real JupyterLab, driven in headless Chromium.

:func:`lab_server` starts JupyterLab on loopback in a folder of its own (its own config,
runtime, settings and workspace folders, a random token, settings written so that no
news popup or lazy cell rendering gets in the way) and stops it afterwards;
:func:`drive_inspector` opens a notebook there in Debian's ``chromium`` through
Playwright's Python package (its bundled driver works offline; ``playwright install``
does not, here), runs every cell, moves the inspector's frame slider with the keyboard,
picks another person, and saves a screenshot. The browser test of the suite and
``make reproduce``'s ``results/figures/inspector.png`` both go through these two.

Facts this relies on (checked on machines like ours): as root JupyterLab needs
``--allow-root`` and Chromium no sandbox (Playwright disables it itself for a given
``executable_path``); a Run All sent before the kernel is connected is dropped, so the
status bar's ``| Idle`` is awaited first; ipywidgets 8's slider handle is
``.noUi-handle``, its dropdown ``.widget-dropdown select``, and an image widget's ``src``
is a ``blob:`` URL that changes with the image.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hiar_lib.errors import HiarError
from hiar_lib.ports import free_port

__all__ = ["LabServer", "browser_missing", "drive_inspector", "lab_server"]

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium() -> str | None:
    """Debian's Chromium, where installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or next((p for p in CHROMIUM_PATHS if Path(p).is_file()), None)


def browser_missing() -> str | None:
    """Why the browser run cannot happen here (``None`` when it can)."""
    if chromium() is None:
        return "Debian's chromium is not installed (make test installs it with apt-get where it runs as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright; make install does)"
    return None


@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: its base ``url``, ``token`` and ``root`` folder."""

    url: str
    token: str
    root: Path


@contextlib.contextmanager
def lab_server(root: str | os.PathLike, env: dict[str, str] | None = None, timeout_s: float = 180.0) -> Iterator[LabServer]:
    """JupyterLab serving ``root`` on loopback until the ``with`` block ends.

    Args:
        root: the folder it serves (and where its own config folders go, under ``.lab/``).
        env: variables added to its environment (the kernels inherit them: e.g.
            ``HIAR_PROFILE``).
        timeout_s: how long to wait for it to answer.

    Raises:
        HiarError: it did not answer within ``timeout_s`` (the end of its log is given).
    """
    root = Path(root)
    home = root / ".lab"
    settings = home / "settings"
    for name, value in (
        ("@jupyterlab/apputils-extension/notification.jupyterlab-settings", {"fetchNews": "false", "checkForUpdates": False}),
        ("@jupyterlab/notebook-extension/tracker.jupyterlab-settings", {"windowingMode": "none"}),
    ):
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    full_env = {**os.environ, **(env or {}), "JUPYTER_CONFIG_DIR": str(home / "config"),
                "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_DATA_DIR": str(home / "data")}  # fmt: skip
    # The kernels are this Python's (ipykernel's own kernelspec, found on sys.prefix).
    full_env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(Path(sys.prefix) / "share" / "jupyter"), full_env.get("JUPYTER_PATH", "")) if p)
    log = open(home / "lab.log", "w")
    cmd = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={home / 'workspaces'}"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (home / "lab.log").read_text()[-1500:]
                raise HiarError(f"JupyterLab did not start within {timeout_s:.0f} s (exit {proc.poll()}): {tail}")
            time.sleep(0.5)
        yield LabServer(url, token, root)
    finally:
        try:
            req = urllib.request.Request(f"{url}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"})
            urllib.request.urlopen(req, timeout=10).close()
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


_ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
"""JupyterLab's rendering of a cell's stderr stream and of its error (traceback) output."""

_FAILED_JS = (f"[...document.querySelectorAll(\"{_ERROR_OUTPUT}\")]"
              ".some(e => e.innerText.includes('Traceback') || e.innerText.includes('Error'))")  # fmt: skip


def _last_line(text: str) -> str:
    """The last non-empty line of a traceback's text: the exception and its message."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else text


def drive_inspector(
    lab: LabServer,
    notebook: str,
    screenshot: str | os.PathLike,
    run_timeout_s: float = 1200.0,
    step_timeout_s: float = 60.0,
) -> dict[str, Any]:
    """Open ``notebook`` (a path under the lab's root) in headless Chromium, run every
    cell, move the frame slider three frames on with the keyboard, pick the next choice
    of the person picker (the next person, or no one), and save a screenshot of the
    inspector's output.

    Returns:
        ``{"frame_before", "frame_after", "chart_before", "chart_after", "readout",
        "options", "errors"}``: the frame and chart images' ``src`` before and after, the
        slider's readout after, how many choices the person picker offered, and the text
        of any error output of the notebook.

    Raises:
        HiarError: no browser here (:func:`browser_missing`), a cell of the notebook
            failed before the inspector was drawn (the message gives its error), or a step
            timed out (the message says which).
    """
    reason = browser_missing()
    if reason is not None:
        raise HiarError(reason)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    step = "launch chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(step_timeout_s * 1000)
            step = "open the notebook"
            page.goto(f"{lab.url}/lab/tree/{notebook}?token={lab.token}")
            step = "wait for the kernel"
            page.get_by_text("| Idle").first.wait_for(timeout=step_timeout_s * 3000)
            step = "run all cells"
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            step = "wait for the inspector"
            frame_img = page.locator(".widget-image").nth(0)
            chart_img = page.locator(".widget-image").nth(1)
            # The inspector drawn, or a cell's traceback: a failing notebook stops the wait at once.
            page.wait_for_function(f"() => {_FAILED_JS} || (document.querySelectorAll('.widget-image').length >= 3 && "
                                   "[...document.querySelectorAll('.widget-image')].every(i => i.src && i.src.startsWith('blob:')))",
                                   timeout=run_timeout_s * 1000)  # fmt: skip
            failed = page.locator(_ERROR_OUTPUT).all_inner_texts()
            failed = [e for e in failed if "Traceback" in e or "Error" in e]
            if failed:
                raise HiarError(f"a cell of {notebook} failed before the inspector was drawn: {_last_line(failed[0])}")
            frame_before, chart_before = frame_img.get_attribute("src"), chart_img.get_attribute("src")
            step = "move the slider"
            handle = page.locator(".widget-slider .noUi-handle").first
            handle.focus()
            for _ in range(3):
                handle.press("ArrowRight")
            page.wait_for_function("(before) => document.querySelectorAll('.widget-image')[0].src !== before", arg=frame_before)
            readout = page.locator(".widget-readout").first.inner_text()
            step = "pick another person"
            select = page.locator(".widget-dropdown select").first
            values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
            select.select_option(values[1])  # the next person, or no one where one person is tracked
            page.wait_for_function("(before) => document.querySelectorAll('.widget-image')[1].src !== before", arg=chart_before)
            step = "screenshot"
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            output = frame_img.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' jp-OutputArea-output ')][1]")
            output.scroll_into_view_if_needed()
            output.screenshot(path=str(screenshot))
            errors = page.locator(_ERROR_OUTPUT).all_inner_texts()
            return {"frame_before": frame_before, "frame_after": frame_img.get_attribute("src"), "chart_before": chart_before,
                    "chart_after": chart_img.get_attribute("src"), "readout": readout, "options": len(values),
                    "errors": [e for e in errors if "Traceback" in e or "Error" in e]}  # fmt: skip
        except PlaywrightTimeout as e:
            raise HiarError(f"the browser run stopped at '{step}': {str(e).splitlines()[0]}") from None
        finally:
            browser.close()


def inspector_figure(out: str | os.PathLike, profile: str, cache_dir: str | os.PathLike, results_dir: str | os.PathLike,
                     notebooks_dir: str | os.PathLike = "notebooks") -> Path | None:  # fmt: skip
    """``results/figures/inspector.png``: the ``inspect`` notebook run in JupyterLab and
    driven in the browser as the browser test does (at ``profile``, on ``cache_dir``'s
    stages), the inspector's output saved. ``None`` (and a line saying why) where the
    browser is not installed."""
    import tempfile

    reason = browser_missing()
    if reason is not None:
        print(f"inspector figure not made: {reason}")
        return None
    with tempfile.TemporaryDirectory(prefix="hiar-lab-") as tmp:
        root = Path(tmp)
        shutil.copy(Path(notebooks_dir) / "inspect.ipynb", root / "inspect.ipynb")
        env = {"HIAR_PROFILE": profile, "HIAR_CACHE_DIR": str(Path(cache_dir).resolve()),
               "HIAR_RESULTS_DIR": str(Path(results_dir).resolve())}  # fmt: skip
        with lab_server(root, env) as lab:
            seen = drive_inspector(lab, "inspect.ipynb", out)
    if seen["errors"]:
        raise HiarError(f"the inspect notebook failed in the browser: {seen['errors'][0][:500]}")
    print(f"inspector figure written to {out} (slider at {seen['readout']}, {seen['options']} choices of person)")
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="make results/figures/inspector.png in JupyterLab and headless Chromium")
    p.add_argument("--out", type=Path, default=Path("results/figures/inspector.png"))
    p.add_argument("--profile", default="quick")
    p.add_argument("--cache-dir", type=Path, default=Path("cache"))
    p.add_argument("--results-dir", type=Path, default=Path("results"))
    p.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    args = p.parse_args(argv)
    try:
        inspector_figure(args.out, args.profile, args.cache_dir, args.results_dir, args.notebooks)
    except HiarError as e:
        print(f"inspector figure: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
