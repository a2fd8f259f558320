"""The ``hiar`` command line.

Each sub-command lives in its own module of this package with a
``register(subparsers)`` function that adds its parser and sets ``func`` to a callable
taking the parsed ``argparse.Namespace`` and returning an exit code. Errors a user can
cause (:class:`hiar_lib.errors.HiarError`) are printed as one line, exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hiar_lib.errors import HiarError

# Sub-command modules, in the order ``hiar --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = ("synth", "index", "detect", "weights", "track", "extract", "train", "flops", "demo", "reproduce")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hiar",
        description="Human instance-level video action recognition (Lee et al., Sensors 2021).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"hiar_lib.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HiarError as e:
        print(f"hiar {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"hiar {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
