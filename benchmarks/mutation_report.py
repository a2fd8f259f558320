"""Summarise a mutmut run (``make mutation``) per module into results/bench/mutation.json.

mutmut 3 keeps one ``mutants/<module path>.meta`` file per mutated module with the exit
code of the test run of each of its mutants (``None``: not run yet; the run resumes where
it stopped). This script counts them per module by mutmut's own reading of the exit codes
(killed, survived, timeout, no tests, not checked, ...), lists the surviving mutants by
name (``mutmut show NAME`` prints one as a diff), and records the provenance.

Usage: ``python benchmarks/mutation_report.py --out results/bench/mutation.json [--before OLD.json]
[--carry OLD.json] [--sitting PATTERN ...]``; ``--before`` keeps an earlier report's counts beside the new ones.

A sitting can run one module's mutants (``make mutation MUTANTS='hiar_lib.crops.*'``), and
mutmut's ``mutants/`` folder lives in one checkout: a fresh checkout knows nothing of the
sittings before it. ``--carry OLD.json`` (``make mutation`` passes the committed report)
keeps, for every module this run checked no mutant of (or, with ``--sitting``, whose
mutants match none of the sitting's name patterns: mutmut keeps the old results of a
changed module's unchanged functions), the earlier report's entry, with
the commit it was measured at (``measured_at``) and whether the module's source changed
since (``source_changed_since``, by ``git diff``). Each module's entry says where its
numbers come from; the totals add them up.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
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


def source_changed(root: Path, module: str, since: str) -> bool | None:
    """Whether ``module`` (a path in the repository) differs between commit ``since`` and
    the working tree; ``None`` when git cannot tell (no repository, unknown commit)."""
    run = subprocess.run(["git", "diff", "--quiet", since, "--", module], cwd=root, capture_output=True)
    return {0: False, 1: True}.get(run.returncode)


def carry_modules(
    modules: dict[str, dict],
    old: dict[str, dict],
    old_commit: str,
    commit: str,
    changed: dict[str, bool | None],
    reached: set[str] | None = None,
) -> dict[str, dict]:
    """Merge this run's per-module entries with an earlier report's.

    Args:
        modules: this run's entries (:func:`summarise`).
        old: the earlier report's ``metrics["modules"]``.
        old_commit: the earlier report's commit; ``commit``: this run's.
        changed: per module, whether its source changed since the commit its earlier entry
            was measured at (its ``measured_at``, else ``old_commit``).
        reached: the modules this sitting ran mutants of (:func:`sitting_modules`), or
            ``None`` for a sitting on every module. mutmut keeps the results of a changed
            module's unchanged functions from an older sitting, so a module it did not
            reach may still show checked mutants: those are not this sitting's.

    Returns:
        Every module of ``modules``: this run's entry where this sitting reached it and
        checked any mutant (``measured_at`` = ``commit``), else the earlier entry where it
        has one (``measured_at`` = its own ``measured_at`` or ``old_commit``, and
        ``source_changed_since``), else this run's (``measured_at`` None when it checked none).
    """
    out: dict[str, dict] = {}
    for name, entry in modules.items():
        checked = entry["mutants"] - entry.get("not_checked", 0)
        prior = old.get(name)
        if reached is not None and name not in reached and prior is not None:
            checked = 0
        if checked or prior is None or prior.get("mutants", 0) == prior.get("not_checked", 0):
            out[name] = {**entry, "measured_at": commit if checked else None}
        else:
            out[name] = {**prior, "measured_at": prior.get("measured_at") or old_commit, "source_changed_since": changed.get(name)}
    return out


def sitting_modules(root: Path, patterns: list[str]) -> set[str]:
    """The modules with a mutant whose name matches one of ``patterns`` (mutmut's own
    name patterns, e.g. ``hiar_lib.crops.*``, as ``make mutation MUTANTS=...`` passes them)."""
    reached = set()
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        keys = json.loads(meta.read_text()).get("exit_code_by_key", {})
        if any(fnmatch.fnmatchcase(k, p) for k in keys for p in patterns):
            reached.add(module_of(meta, root))
    return reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (where mutants/ is)")
    parser.add_argument("--before", type=Path, default=None, help="an earlier report whose counts to keep as 'before'")
    parser.add_argument("--carry", type=Path, default=None,
                        help="an earlier report whose entries to keep for the modules this run checked no mutant of")
    parser.add_argument("--sitting", action="append", default=None, metavar="PATTERN",
                        help="a mutant name pattern the sitting ran (repeatable; none: every mutant)")
    parser.add_argument("--wall-time-s", type=float, required=True, help="the mutmut run's wall time (the caller measures it)")
    args = parser.parse_args(argv)
    if not (args.root / "mutants").is_dir():
        print("no mutants/ folder: run `make mutation` (mutmut run) first", file=sys.stderr)
        return 2
    import mutmut

    modules = summarise(args.root)
    prov = provenance(wall_time_s=args.wall_time_s)
    carried = None
    if args.carry is not None and args.carry.is_file():
        old = read_record(args.carry)
        old_commit = str(old.provenance["git_commit"])
        olds = old.metrics.get("modules", {})
        changed = {m: source_changed(args.root, m, str(olds[m].get("measured_at") or old_commit)) for m in modules if m in olds}
        reached = sitting_modules(args.root, args.sitting) if args.sitting else None
        modules = carry_modules(modules, olds, old_commit, str(prov["git_commit"]), changed, reached)
        carried = sorted(m for m, e in modules.items() if e["measured_at"] not in (None, prov["git_commit"]))
    totals = Counter()
    for m in modules.values():
        totals.update({k: v for k, v in m.items() if isinstance(v, int) and not isinstance(v, bool)})
    parameters = {
        "tool": f"mutmut {mutmut.__version__}",
        "command": COMMAND,
        "configuration": "[tool.mutmut] in pyproject.toml (modules mutated, tests run)",
    }
    metrics: dict = {"totals": dict(sorted(totals.items())), "modules": modules}
    if carried is not None:
        metrics["carried_from"] = {"report": str(args.carry), "modules": carried}
    if args.before is not None and args.before.is_file():
        old = read_record(args.before)
        metrics["before"] = {
            "totals": old.metrics.get("totals"),
            "modules": {k: {s: v for s, v in m.items() if s != "surviving"} for k, m in old.metrics.get("modules", {}).items()},
            "provenance": old.provenance,
        }
    # mutmut resumes: the wall time is this invocation's, and an earlier one may have done part.
    write_record(args.out, "mutation", parameters, metrics, prov)
    print(f"{args.out}: " + ", ".join(f"{k} {v}" for k, v in metrics["totals"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
