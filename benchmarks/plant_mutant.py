"""Write one mutmut mutant into a copy of the tree, to check by hand that a test kills it.

A mutant that survived a sitting of ``make mutation`` may be killed by a test written
since; mutmut's record only changes when a sitting reruns it (after a full stats pass).
This plants it alone: the mutant's function, from mutmut's ``mutants/`` copy of the module
(where each mutant is a function named ``x_<name>__mutmut_<n>``, or
``xǁ<Class>ǁ<name>__mutmut_<n>`` for a method), replaces the original function of that
name in ``ROOT`` (found in the syntax tree, so the mutant lands on its own function even
where two functions share lines). Then run the named test against ``ROOT``.

``mutmut show NAME | patch -p0`` is the obvious alternative and is not safe: its hunks
carry the function's lines only, and patch may apply one with fuzz to a twin elsewhere.

Usage: ``python benchmarks/plant_mutant.py NAME ROOT [--mutants DIR]`` (``DIR``: the
``mutants/`` folder of the checkout that ran the sitting; default ``./mutants``), e.g.
``python benchmarks/plant_mutant.py 'hiar_lib.engine.data.x_split_names__mutmut_13' ../clone``.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path


def _find(tree: ast.Module, cls: str | None, name: str) -> ast.FunctionDef:
    body = tree.body
    if cls is not None:
        found = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
        if not found:
            raise LookupError(f"no class {cls!r}")
        body = found[0].body
    funcs = [n for n in body if isinstance(n, ast.FunctionDef) and n.name == name]
    if not funcs:
        raise LookupError(f"no function {name!r}" + (f" in class {cls!r}" if cls else ""))
    return funcs[0]


def split_name(mutant: str) -> tuple[Path, str | None, str, str]:
    """``(module file relative to the root, class or None, mutant function, original function)``
    of a mutmut mutant name such as ``pkg.mod.xǁCǁf__mutmut_3`` or ``pkg.mod.x_f__mutmut_3``."""
    module, _, func = mutant.rpartition(".")
    if "__mutmut_" not in func or not module:
        raise ValueError(f"not a mutmut mutant name: {mutant!r}")
    if func.startswith("xǁ"):
        cls, method = func[2:].split("ǁ", 1)
        return Path(*module.split(".")).with_suffix(".py"), cls, func, method.rsplit("__mutmut_", 1)[0]
    if not func.startswith("x_"):
        raise ValueError(f"not a mutmut mutant name: {mutant!r}")
    return Path(*module.split(".")).with_suffix(".py"), None, func, func[2:].rsplit("__mutmut_", 1)[0]


def plant(mutant: str, root: Path, mutants: Path) -> Path:
    """Write ``mutant`` over its original function in ``root``; returns the file changed."""
    rel, cls, func, original = split_name(mutant)
    source = (mutants / rel).read_text()
    node = _find(ast.parse(source), cls, func)
    lines = source.splitlines(keepends=True)
    body = "".join(lines[node.lineno - 1 : node.end_lineno]).replace(f"def {func}(", f"def {original}(", 1)
    target = root / rel
    text = target.read_text()
    old = _find(ast.parse(text), cls, original)  # its decorators (above `def`) stay
    lines = text.splitlines(keepends=True)
    target.write_text("".join(lines[: old.lineno - 1]) + body + "".join(lines[old.end_lineno :]))
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mutant", help="mutmut's name of the mutant")
    ap.add_argument("root", type=Path, help="the copy of the tree to write it into")
    ap.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's mutants/ folder (default ./mutants)")
    args = ap.parse_args()
    print(plant(args.mutant, args.root, args.mutants))


if __name__ == "__main__":
    main()
