"""The one generic test: every registered check's own examples, must-flag and must-not-flag.

A check without at least one example of each kind fails here, so no check can
be listed without proof that it fires and proof that it stays quiet.
"""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import pytest

from helpers import CHECKS, PLUGIN_PROBLEMS, scan_tree, write_tree
from readycheck.core import ruledoc
from readycheck.core.check import Check, Expected
from readycheck.core.findings import Finding, Severity, Span
from readycheck.core.ruledoc import rule_doc

REPO = Path(__file__).resolve().parent.parent

CASES = [pytest.param(check, n, example, id=f"{check.id}-{n}-{'flag' if example.flags else 'clean'}")
         for check in CHECKS for n, example in enumerate(check.examples, start=1)]


def test_built_in_plugins_load_cleanly():
    assert not PLUGIN_PROBLEMS
    assert len(CHECKS) >= 7


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_check_has_both_kinds_of_examples_and_docs(check):
    assert any(e.flags for e in check.examples), f"{check.id} has no example it must flag"
    assert any(not e.flags for e in check.examples), f"{check.id} has no example it must not flag"
    for attribute in ("summary", "fix"):
        assert len(getattr(check, attribute)) > 20, f"{check.id}.{attribute} is too thin to help a user"
    assert not hasattr(check, "why"), f"{check.id}: `why` is deprecated, the docstring's 'Why is this bad' says it"
    assert not check.fix_examples and not check.has_legacy_autofix(), \
        f"{check.id}: attach fixes with self.finding(..., fix=...) and give an example fixed= files"
    if check.__module__.startswith("readycheck_checks."):  # a message or column regression must fail a test
        assert any(Expected.parse(e).pinned for ex in check.examples for e in ex.expect), \
            f"{check.id}: no flagged example pins a column and a message ('path:line:column message')"
    doc = rule_doc(check)
    for heading, least in (("What it does", 20), ("Why is this bad", 20), ("Example", 5), ("Use instead", 5)):
        assert len(doc.section(heading)) > least, f"{check.id}'s docstring lacks a '{heading}' section"
    # The docs a user reads (explain, docs/rules.md, SARIF help) are rendered from those sections.
    assert doc.section("What it does").split()[0] in ruledoc.text(check)
    assert doc.section("Use instead").splitlines()[0] in ruledoc.markdown(check)


@pytest.mark.parametrize("check,number,example", CASES)
def test_example(tmp_path, check, number, example):
    write_tree(tmp_path, example.files, dedent=False)
    result = scan_tree(tmp_path, select=[check.id, *example.also_select],
                       options={check.id: dict(example.options)} if example.options else None)
    assert not result.diagnostics, result.diagnostics  # an unreadable example file would prove nothing
    report = "\n".join(f"{f.path}:{f.span.line}:{f.span.column}:{f.severity} {f.message}" for f in result.findings)
    left = [f for f in result.findings if f.rule_id == check.id]  # also_select rules only give context
    for expected in example.expected():  # an expectation without a severity accepts the default only
        match = next((f for f in left if expected.matches(f, check.severity)), None)
        assert match is not None, f"expected {expected} among:\n{report}"
        left.remove(match)
    assert not left, f"unexpected findings:\n{report}"
    # "fixable" is inferred from the examples: a check that attaches a fix says what it leaves (fixed=).
    fixes = [f for f in result.findings if f.rule_id == check.id and f.fix is not None]
    assert not fixes or check.fixable(), f"{check.id} attaches fixes but no example gives fixed= files"
    if example.fixed is not None:
        assert all(path in example.files for path in example.fixed), "fixed= names a file the example lacks"


def test_expectations_pin_column_and_message():
    finding = Finding("RC101", Severity.ERROR, "Dockerfile", Span(1, 6, 1, 17), "the final stage runs as root", "")
    assert Expected.parse("Dockerfile:1:6 the final stage runs as root").matches(finding, Severity.ERROR)
    assert not Expected.parse("Dockerfile:1:7 the final stage runs as root").matches(finding, Severity.ERROR)
    assert not Expected.parse("Dockerfile:1:6 the final stage runs as ROOT").matches(finding, Severity.ERROR)
    assert Expected.parse("Dockerfile:1:6:error the final stage runs as root").matches(finding, Severity.WARNING)
    assert not Expected.parse("Dockerfile:1:info").matches(finding, Severity.ERROR)
    assert Expected.parse("a:b/Dockerfile:1").path == "a:b/Dockerfile"


def _check_classes_defined_under_checks() -> dict[str, str]:
    """{module:Class} of every Check subclass defined in a module under checks/, found by importing them."""
    found = {}
    for path in sorted((REPO / "checks").glob("*.py")):
        module = importlib.import_module(f"readycheck_checks.{path.stem}")
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Check) and value is not Check \
                    and value.__module__ == module.__name__ and getattr(value, "id", None):
                found[f"readycheck_checks.{path.stem}:{name}"] = value.id
    return found


def test_every_check_under_checks_is_registered_and_runs():
    """A check module that is not registered in pyproject.toml would silently never run."""
    registered = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["readycheck.checks"]
    defined = _check_classes_defined_under_checks()
    missing = {target: rule for target, rule in defined.items() if registered.get(rule) != target}
    assert not missing, f"checks defined under checks/ but not registered under [project.entry-points]: {missing}"
    assert set(registered.values()) <= set(defined), "registered targets that do not exist"
    assert {c.id for c in CHECKS} >= set(defined.values())


@pytest.mark.parametrize("path", sorted((REPO / "checks").glob("*.py")), ids=lambda p: p.name)
def test_checks_use_only_the_public_api(path):
    """Built-in checks are written against readycheck.api, as a third-party check is."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
        for name in names:
            if name == "readycheck" or name.startswith("readycheck."):
                assert name == "readycheck.api", f"{path.name}:{node.lineno} imports {name}"
