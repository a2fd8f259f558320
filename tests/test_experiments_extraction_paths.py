"""A cache made from a dataset folder named relative to one working directory is the same
cache when a notebook (another working directory) names the folder absolutely."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


@pytest.mark.slow
def test_a_cache_extracted_from_a_relative_folder_is_reused_from_its_absolute_path(synthetic_tiny: Path, tmp_path: Path) -> None:
    from hiar_lib.experiments.extraction import extract_dataset

    cache = tmp_path / "cache"
    here = os.getcwd()
    try:
        os.chdir(synthetic_tiny.parent)
        extract_dataset("synthetic", Path(synthetic_tiny.name), "cs", profile="smoke", random_init=True, limit=1,
                        cache=cache, progress=False)  # fmt: skip
    finally:
        os.chdir(here)
    meta = json.loads((cache / "cache.json").read_text())
    assert meta["config"]["data_root"] == str(synthetic_tiny.resolve())
    assert meta["extraction_time"]["videos"] == 2 and meta["extraction_time"]["seconds"] > 0  # for estimates
    os.chdir(tmp_path)  # elsewhere, as papermill runs a notebook from notebooks/
    try:
        folder, stats = extract_dataset("synthetic", synthetic_tiny.resolve(), "cs", profile="smoke", random_init=True,
                                        limit=1, cache=cache, progress=False)  # fmt: skip
    finally:
        os.chdir(here)
    assert folder == cache and stats["done"] == 0 and stats["skipped"] == 2  # nothing extracted again
    assert json.loads((cache / "cache.json").read_text())["extraction_time"] == meta["extraction_time"]
