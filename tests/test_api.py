"""readycheck.api as type checkers see it: every public name imported for real under TYPE_CHECKING (no
``Any`` re-exports), the same names and modules the lazy run-time import uses, and an explicit __all__."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import readycheck.api as api

SOURCE = Path(api.__file__).read_text(encoding="utf-8")


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse(SOURCE)
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    found = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module, ast.dump(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name}: re-export as `X as X` (PEP 484)"
            found[alias.name] = node.module
    return found


def test_type_checkers_see_every_public_name_from_its_module():
    assert _type_checking_imports() == api._WHERE


def test_all_is_written_out_and_matches():
    tree = ast.parse(SOURCE)
    (assign,) = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "__all__"]
    assert isinstance(assign.value, ast.List)
    assert [ast.literal_eval(e) for e in assign.value.elts] == sorted(api._WHERE) == api.__all__


def test_every_public_name_resolves_to_the_object_of_its_module():
    for name, module in api._WHERE.items():
        assert getattr(api, name) is getattr(importlib.import_module(module), name), name


def test_the_package_is_typed():
    assert (Path(api.__file__).parent / "py.typed").is_file()
