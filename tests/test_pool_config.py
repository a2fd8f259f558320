"""The pooler's settings: every value the paper names is accepted, anything else refused, no torch needed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hiar_lib.pool_config import BOX_MODES, COMBINES, PoolerConfig


def test_every_box_mode_and_combination_is_accepted_and_levels_become_a_tuple() -> None:
    for box in BOX_MODES:
        for combine in COMBINES:
            cfg = PoolerConfig(box=box, levels=["P3", "P2"], output_size=7, combine=combine)  # type: ignore[arg-type]
            assert cfg.levels == ("P3", "P2") and cfg.box == box and cfg.combine == combine


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"levels": ("P6",)}, "levels"),
        ({"levels": ()}, "levels"),
        ({"levels": ("P2", "P2")}, "repeat"),
        ({"box": "union"}, "box must be"),
        ({"combine": "concat"}, "combine"),
        ({"output_size": 0}, "output_size"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PoolerConfig(**kwargs)


def test_pool_config_imports_no_deep_learning_library() -> None:
    run = subprocess.run(
        [sys.executable, "-c", "import sys, hiar_lib.pool_config; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert not {"torch", "torchvision", "numpy"} & set(run.stdout.split())
