"""The one generic test: every registered check's own examples, must-flag and must-not-flag.

A check without at least one example of each kind fails here, so no check can
be listed without proof that it fires and proof that it stays quiet.
"""

from __future__ import annotations

import pytest

from helpers import CHECKS, PLUGIN_PROBLEMS, scan_tree, write_tree
from readycheck.check import Expected

CASES = [pytest.param(check, n, example, id=f"{check.id}-{n}-{'flag' if example.flags else 'clean'}")
         for check in CHECKS for n, example in enumerate(check.examples, start=1)]


def test_built_in_plugins_load_cleanly():
    assert not PLUGIN_PROBLEMS
    assert len(CHECKS) >= 7


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_check_has_both_kinds_of_examples_and_docs(check):
    assert any(e.flags for e in check.examples), f"{check.id} has no example it must flag"
    assert any(not e.flags for e in check.examples), f"{check.id} has no example it must not flag"
    for attribute in ("summary", "why", "fix"):
        assert len(getattr(check, attribute)) > 20, f"{check.id}.{attribute} is too thin to help a user"
    assert check.__module__.startswith("readycheck_checks.") is False or (check.__doc__ or "") is not None
    module_doc = __import__(check.__module__, fromlist=["_"]).__doc__ or ""
    for heading in ("What it does", "Why is this bad", "Example", "Use instead"):
        assert heading in module_doc, f"{check.id}'s module docstring lacks '{heading}'"


@pytest.mark.parametrize("check,number,example", CASES)
def test_example(tmp_path, check, number, example):
    write_tree(tmp_path, example.files, dedent=False)
    result = scan_tree(tmp_path, select=[check.id], options={check.id: dict(example.options)} if example.options else None)
    assert not result.diagnostics, result.diagnostics  # an unreadable example file would prove nothing
    got = {Expected(f.path, f.span.line, f.severity) for f in result.findings}
    wanted = example.expected()
    # An expectation without a severity accepts the check's default severity only.
    wanted = {Expected(e.path, e.line, e.severity or check.severity) for e in wanted}
    assert got == wanted, "\n".join(f"{f.path}:{f.span.line}:{f.span.column} {f.severity} {f.message}"
                                    for f in result.findings)
