"""Summarise a mutmut run (``make mutation``) per module into results/bench/mutation.json.

mutmut 3 keeps one ``mutants/<module path>.meta`` file per mutated module with the exit
code of the test run of each of its mutants (``None``: not run yet; the run resumes where
it stopped). This script counts them per module by mutmut's own reading of the exit codes
(killed, survived, timeout, no tests, not checked, ...), lists the surviving mutants by
name (``mutmut show NAME`` prints one as a diff), and records the provenance.

Usage: ``python benchmarks/mutation_report.py --out results/bench/mutation.json [--before OLD.json]``;
``--before`` keeps an earlier report's counts beside the new ones.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from hiar_lib.experiments.provenance import provenance
from hiar_lib.experiments.records import read_record, write_record

COMMAND = "make mutation"


def module_of(meta: Path, root: Path) -> str:
    """``mutants/hiar_lib/engine/data.py.meta`` -> ``hiar_lib/engine/data.py``."""
    return str(meta.relative_to(root / "mutants"))[: -len(".meta")]


def summarise(root: Path) -> dict[str, dict]:
    """Per mutated module: counts by status and the surviving mutants' names."""
    from mutmut.stats import status_by_exit_code

    out: dict[str, dict] = {}
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        codes: dict[str, int | None] = data.get("exit_code_by_key", {})
        counts = Counter(status_by_exit_code[c].replace(" ", "_") for c in codes.values())
        survived = sorted(k for k, c in codes.items() if status_by_exit_code[c] == "survived")
        out[module_of(meta, root)] = {"mutants": len(codes), **dict(sorted(counts.items())), "surviving": survived}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (where mutants/ is)")
    parser.add_argument("--before", type=Path, default=None, help="an earlier report whose counts to keep as 'before'")
    parser.add_argument("--wall-time-s", type=float, required=True, help="the mutmut run's wall time (the caller measures it)")
    args = parser.parse_args(argv)
    if not (args.root / "mutants").is_dir():
        print("no mutants/ folder: run `make mutation` (mutmut run) first", file=sys.stderr)
        return 2
    import mutmut

    modules = summarise(args.root)
    totals = Counter()
    for m in modules.values():
        totals.update({k: v for k, v in m.items() if isinstance(v, int)})
    parameters = {
        "tool": f"mutmut {mutmut.__version__}",
        "command": COMMAND,
        "configuration": "[tool.mutmut] in pyproject.toml (modules mutated, tests run)",
    }
    metrics: dict = {"totals": dict(sorted(totals.items())), "modules": modules}
    if args.before is not None and args.before.is_file():
        old = read_record(args.before)
        metrics["before"] = {
            "totals": old.metrics.get("totals"),
            "modules": {k: {s: v for s, v in m.items() if s != "surviving"} for k, m in old.metrics.get("modules", {}).items()},
            "provenance": old.provenance,
        }
    # mutmut resumes: the wall time is this invocation's, and an earlier one may have done part.
    write_record(args.out, "mutation", parameters, metrics, provenance(wall_time_s=args.wall_time_s))
    print(f"{args.out}: " + ", ".join(f"{k} {v}" for k, v in metrics["totals"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
