"""readycheck's layout: the pipeline discover -> parse -> model -> check -> report as folders.

* No import cycle among readycheck's modules: the imports a module runs when it is imported
  (module level, class bodies, module-level ``if``/``try``; not function bodies, not
  ``if TYPE_CHECKING:``) form a graph without a strongly connected component.
* Every import, also one inside a function, goes in the allowed direction between folders
  (``ALLOWED``); ``if TYPE_CHECKING:`` imports are annotations only and are not counted.
* Every module lives in one of the folders (or is one of the surfaces: api, cli, __main__),
  and every folder's ``__init__`` says what it may import.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "readycheck"

#: folder -> the folders its modules may import (besides itself and the ``readycheck`` package's __init__).
ALLOWED = {
    "core": set(),
    "knowledge": {"core"},
    "parsers": {"core", "knowledge"},
    "model": {"core", "knowledge", "parsers"},
    "engine": {"core", "knowledge", "parsers", "model"},
    "reporters": {"core", "knowledge", "parsers", "model", "engine"},
    "schemas": set(),
}
#: Modules at the top: the check API, the command line and ``python -m``. They may import every folder;
#: no folder imports them.
SURFACES = {"readycheck.api", "readycheck.cli", "readycheck.__main__"}


def _modules(package: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, modules: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        found = set()
        for alias in node.names:
            parts = alias.name.split(".")
            for i in range(len(parts), 0, -1):  # import a.b.c names a.b.c (or the longest module it starts with)
                if ".".join(parts[:i]) in modules:
                    found.add(".".join(parts[:i]))
                    break
        return found
    if node.level:
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    found = set()
    for alias in node.names:
        if f"{module}.{alias.name}" in modules:
            found.add(f"{module}.{alias.name}")  # from pkg import submodule
        elif module in modules:
            found.add(module)
    return found


def import_graph(package: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(imports run at import time, every import outside ``if TYPE_CHECKING:``), module -> modules."""
    modules = _modules(package)
    eager: dict[str, set[str]] = {}
    every: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        now: set[str] = set()
        later: set[str] = set()

        def walk(body: list[ast.stmt], at_import: bool) -> None:
            for node in body:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    (now if at_import else later).update(_targets(node, name, is_package, modules))
                elif isinstance(node, ast.If) and _is_type_checking(node.test):
                    walk(node.orelse, at_import)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    walk(node.body, False)
                else:
                    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                        sub = getattr(node, field, None)
                        if isinstance(sub, list):
                            walk([s for s in sub if isinstance(s, ast.AST)], at_import)
                    if isinstance(node, (ast.ExceptHandler, ast.match_case)):
                        pass

        walk(tree.body, True)
        eager[name] = now - {name}
        every[name] = (now | later) - {name}
    return eager, every


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph[node]:
                        found.append(sorted(component))
    return found


def folder_of(module: str) -> str | None:
    """``readycheck.model.project`` and ``readycheck.model`` -> ``model``; a top-level module -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else None


def test_no_import_cycle() -> None:
    eager, _ = import_graph(PACKAGE)
    found = cycles(eager)
    assert not found, "import cycles among readycheck's modules (move the code to where it belongs); " \
        "each line is one set of modules that import each other:\n" + "\n".join(", ".join(c) for c in found)


#: Cycles through imports inside functions, known and not yet untangled. Each is a mutual dependency that
#: only a deferred import keeps from failing at import time; a new one fails the test below.
#: entrypoints <-> startcommands: a ``python -m pkg`` start command follows the entry point to the server it
#: starts (startcommands calls entrypoints.server_from_entry), and the entry-point walk builds that server as
#: a start-command ``Server`` (entrypoints calls startcommands.parse_server).
KNOWN_DEFERRED_CYCLES = [
    ["readycheck.model.entrypoints", "readycheck.model.startcommands"],
]


def test_no_new_cycle_through_deferred_imports() -> None:
    _, every = import_graph(PACKAGE)
    found = [c for c in cycles(every) if c not in KNOWN_DEFERRED_CYCLES]
    assert not found, "import cycles through imports inside functions (a deferred import hides a cycle; move " \
        "the code to where it belongs instead):\n" + "\n".join(", ".join(c) for c in found)


def test_imports_go_down_the_pipeline() -> None:
    _, every = import_graph(PACKAGE)
    wrong = []
    for module, targets in sorted(every.items()):
        if module in SURFACES or module == "readycheck":
            continue
        mine = folder_of(module)
        for target in sorted(targets):
            if target == "readycheck":
                continue  # __version__
            theirs = folder_of(target)
            if target in SURFACES or (theirs != mine and theirs not in ALLOWED.get(mine or "", set())):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports against the layout (see ALLOWED and each folder's __init__):\n" + "\n".join(wrong)


def test_every_module_is_in_a_folder() -> None:
    stray = [m for m in _modules(PACKAGE) if m != "readycheck" and m not in SURFACES and folder_of(m) not in ALLOWED]
    assert not stray, f"modules outside the layout's folders {sorted(ALLOWED)}: {stray}"


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_every_folder_says_what_it_may_import(folder: str) -> None:
    init = PACKAGE / folder / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    if folder == "schemas":
        return  # data files only
    assert "May import" in doc, f"{init} needs a docstring saying what the folder is and what it may import"


def test_the_cycle_finder_finds_cycles(tmp_path: Path) -> None:
    pkg = tmp_path / "demo"
    (pkg / "inner").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "inner" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from demo.inner import b\n")
    (pkg / "inner" / "b.py").write_text("import demo.c\n")
    (pkg / "c.py").write_text(textwrap.dedent("""\
        from typing import TYPE_CHECKING
        from . import a
        if TYPE_CHECKING:
            from demo import d
        """))
    (pkg / "d.py").write_text("from demo.c import x\n\ndef later():\n    from demo import e\n")
    (pkg / "e.py").write_text("import demo.d\n")
    eager, every = import_graph(pkg)
    assert cycles(eager) == [["demo.a", "demo.c", "demo.inner.b"]]
    assert "demo.d" not in eager["demo.c"]  # TYPE_CHECKING only
    assert "demo.e" in every["demo.d"] and "demo.e" not in eager["demo.d"]
    assert cycles({"x": {"y"}, "y": set()}) == []
