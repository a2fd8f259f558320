"""The shape of the package: no import cycle between modules of ``hiar_lib``, the data
layer never reaches the synthetic generator, and no source file grows past a size a
person can read.

The import graph is built from the source with :mod:`ast`, so it sees every
``import`` and ``from ... import`` (absolute or relative, at module level or inside a
function), whether or not a run would reach it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "hiar_lib"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
MAX_LINES = 800

# Files allowed past MAX_LINES: none.
OVER_MAX_LINES: set[Path] = set()


def module_files(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package under ``root``: dotted name -> file (``__init__.py`` for a package)."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join((package, *parts))] = path
    return out


def _ancestors(name: str) -> list[str]:
    """``"a.b.c"`` -> ``["a", "a.b"]``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that importing module ``name`` (file ``path``) runs or reads from.

    ``import a.b.c`` reaches ``a.b.c``; ``from a.b import x`` reaches the module
    ``a.b.x`` when there is one, else ``a.b`` (whose ``__init__`` defines ``x``). Each
    also reaches the packages above its target that are not above ``name`` (those are
    initialised before ``name`` runs, and a submodule of them is imported on demand).
    """
    is_package = path.name == "__init__.py"
    here = name if is_package else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = here.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
    own_ancestors = set(_ancestors(name))
    reached: set[str] = set()
    for target in targets & modules.keys():
        reached.add(target)
        reached.update(a for a in _ancestors(target) if a in modules and a not in own_ancestors)
    reached.discard(name)
    return reached


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (see :func:`imported_modules`)."""
    modules = module_files(root, package)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module, each as one cycle through it.

    A cycle is listed as its modules in import order, the first repeated at the end.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_cycle_in(graph, set(group)) for group in sorted(groups)]


def _cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected ``group``."""
    start = min(group)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & group):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in previous:
                    previous[w] = v
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"not a cycle: {sorted(group)}")


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        f = root / "pkg" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    return root / "pkg"


# ----------------------------------------------------------------------- the package


def test_hiar_lib_has_no_import_cycle() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles in hiar_lib:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_data_layer_never_imports_the_synthetic_generator() -> None:
    graph = import_graph()
    offenders = {
        name: sorted(t for t in targets if t == "hiar_lib.synth" or t.startswith("hiar_lib.synth."))
        for name, targets in graph.items()
        if name == "hiar_lib.data" or name.startswith("hiar_lib.data.")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_graph_sees_the_modules_and_their_imports() -> None:
    graph = import_graph()
    assert {"hiar_lib", "hiar_lib.data", "hiar_lib.data.video", "hiar_lib.synth.benchmark"} <= set(graph)
    # a module-level absolute import, and the package above it that it initialises
    assert {"hiar_lib.data.video", "hiar_lib.data"} <= graph["hiar_lib.synth.benchmark"]
    # a function-local import
    assert "hiar_lib.experiments.extraction" in graph["hiar_lib.cli.extract"]


def test_no_source_file_is_longer_than_800_lines() -> None:
    long = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel in OVER_MAX_LINES:
            continue
        n = len(path.read_text().splitlines())
        if n > MAX_LINES:
            long[str(rel)] = n
    assert long == {}, f"files of hiar_lib over {MAX_LINES} lines: {long}"


# ------------------------------------------------------- the checker, on small packages


def test_a_two_module_cycle_is_found_and_named(tmp_path: Path) -> None:
    root = _write_package(tmp_path, {
        "__init__.py": "",
        "a.py": "import pkg.b\n",
        "b.py": "def f():\n    from pkg import a  # lazy: still a cycle\n",
        "c.py": "import pkg.a\n",
    })  # fmt: skip
    assert find_cycles(import_graph(root, "pkg")) == [["pkg.a", "pkg.b", "pkg.a"]]


def test_a_cycle_through_a_package_init_and_relative_imports_is_found(tmp_path: Path) -> None:
    # data.index -> synth (its __init__) -> synth.bench -> data.index
    root = _write_package(tmp_path, {
        "__init__.py": "",
        "data/__init__.py": "from .index import Index\n",
        "data/index.py": "class Index: ...\n\ndef load():\n    from ..synth import read\n",
        "synth/__init__.py": "from pkg.synth.bench import read\n",
        "synth/bench.py": "from ..data.index import Index\n\ndef read(): ...\n",
    })  # fmt: skip
    graph = import_graph(root, "pkg")
    assert graph["pkg.data.index"] == {"pkg.synth"}
    assert graph["pkg.synth.bench"] == {"pkg.data", "pkg.data.index"}
    assert find_cycles(graph) == [["pkg.data", "pkg.data.index", "pkg.synth", "pkg.synth.bench", "pkg.data"]]


def test_imports_within_a_package_and_outside_it_are_no_cycle(tmp_path: Path) -> None:
    root = _write_package(tmp_path, {
        "__init__.py": "import os\nfrom pkg.data import video\n",
        "data/__init__.py": "from pkg.data.video import read\nfrom . import labels\n",
        "data/video.py": "import numpy\nfrom pkg.data import labels\n\ndef read(): ...\n",
        "data/labels.py": "import pkg.errors\n",
        "errors.py": "",
    })  # fmt: skip
    graph = import_graph(root, "pkg")
    assert graph["pkg"] == {"pkg.data", "pkg.data.video"}
    assert graph["pkg.data"] == {"pkg.data.video", "pkg.data.labels"}
    assert graph["pkg.data.video"] == {"pkg.data.labels"}
    assert graph["pkg.data.labels"] == {"pkg.errors"}
    assert find_cycles(graph) == []


@pytest.mark.parametrize(
    ("code", "cycle"),
    [
        ("import pkg\n", True),
        ("from pkg import VALUE\n", True),
        ("from . import VALUE\n", True),
        ("from pkg import b\n", False),  # a submodule: imported on demand
        ("from . import b\n", False),
        ("from .b import x\n", False),
    ],
)
def test_a_module_reading_from_the_package_that_imports_it_is_a_cycle(tmp_path: Path, code: str, cycle: bool) -> None:
    root = _write_package(tmp_path, {"__init__.py": "from pkg import a\nVALUE = 1\n", "a.py": code, "b.py": "x = 1\n"})
    cycles = find_cycles(import_graph(root, "pkg"))
    assert cycles == ([["pkg", "pkg.a", "pkg"]] if cycle else [])
