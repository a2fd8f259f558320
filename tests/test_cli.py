"""Tests of hiar_lib.cli as a whole: the command registry and what parsing costs."""

from __future__ import annotations

import argparse
import subprocess
import sys

from hiar_lib.cli import COMMAND_MODULES, build_parser

HEAVY = ("torch", "torchvision", "av", "pandas", "matplotlib", "motmetrics", "pycocotools")


def _modules_loaded_by(code: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return set(run.stdout.split())


def test_help_and_argument_errors_load_no_heavy_library():
    """``hiar --help``, ``hiar CMD --help`` and a bad argument answer before torch is imported."""
    loaded = _modules_loaded_by(
        "import contextlib, io\n"
        "from hiar_lib.cli import build_parser\n"
        "p = build_parser()\n"
        "for argv in (['--help'], ['train', '--help'], ['extract', '--help'], ['train', '--bogus']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "        try:\n"
        "            p.parse_args(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_every_command_module_registers_a_parser_with_a_function():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert len(sub.choices) >= len(COMMAND_MODULES)
    for name, command in sub.choices.items():
        if command.get_default("func") is None:  # a command with actions (hiar weights download)
            actions = next(a for a in command._actions if isinstance(a, argparse._SubParsersAction))
            assert actions.required and actions.choices, name
            assert all(callable(p.get_default("func")) for p in actions.choices.values()), name
        else:
            assert callable(command.get_default("func")), name
