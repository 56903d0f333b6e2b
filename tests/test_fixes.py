"""Every autofix, run through --fix on its own before/after examples: the result is exactly
the "after" files, the finding is gone, and a second run changes nothing."""

from __future__ import annotations

import textwrap

import pytest

from helpers import CHECKS, write_tree
from readycheck.cli import main

FIXABLE = [c for c in CHECKS if c.fixable()]
CASES = [pytest.param(check, before, after, id=f"{check.id}-{n}")
         for check in FIXABLE for n, (before, after) in enumerate(check.fix_examples, start=1)]


def test_fixable_checks_have_fix_examples():
    assert {c.id for c in FIXABLE} >= {"RC101", "RC105", "RC201", "RC204"}
    for check in FIXABLE:
        assert check.fix_examples, f"{check.id} has a fix but no before/after example"


@pytest.mark.parametrize("check,before,after", CASES)
def test_fix_example(tmp_path, capsys, check, before, after):
    write_tree(tmp_path, before, dedent=False)
    main([str(tmp_path), "--fix", "--select", check.id, "--no-cache", "--format", "json", "-o", str(tmp_path.parent / "r.json")])
    for path, content in after.items():
        assert (tmp_path / path).read_text() == content, path
    changed = any(before[p] != after[p] for p in after)
    assert main([str(tmp_path), "--diff", "--select", check.id, "--no-cache"]) == 0  # idempotent
    assert capsys.readouterr().out == ""
    if changed:
        import json

        remaining = json.loads((tmp_path.parent / "r.json").read_text())["findings"]
        assert not [f for f in remaining if f["path"] in after and before[f["path"]] != after[f["path"]]
                    and f["rule_id"] == check.id and f["severity"] != "info"], remaining


def test_diff_previews_without_writing(tmp_path, capsys):
    original = "FROM python:3.12-slim\nCMD uvicorn app:app --host 0.0.0.0 --reload\n"
    write_tree(tmp_path, {"Dockerfile": original}, dedent=False)
    assert main([str(tmp_path), "--diff", "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "--- a/Dockerfile" in out and "+CMD" in out and "-CMD uvicorn app:app --host 0.0.0.0 --reload" in out
    assert (tmp_path / "Dockerfile").read_text() == original


def test_overlapping_fixes_land_in_rounds(tmp_path, capsys):
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nCMD uvicorn app:app --host 0.0.0.0 --reload\n"},
               dedent=False)
    main([str(tmp_path), "--fix", "--select", "RC201,RC204", "--no-cache"])
    assert (tmp_path / "Dockerfile").read_text() == \
        'FROM python:3.12-slim\nCMD ["uvicorn", "app:app", "--host", "0.0.0.0"]\n'
    assert "fixed findings in 1 file" in capsys.readouterr().err


def test_overlapping_edits_are_kept_whole(tmp_path):
    from readycheck.fixes import Edit, apply_text, plan

    class Both:
        def __init__(self, edits):
            self.edits = edits

        def autofix(self, project, finding):
            return self.edits

    from readycheck.findings import Finding, Severity, Span

    finding = Finding("RC999", Severity.ERROR, "f", Span(1), "m")
    overlapping = plan(None, [finding], {"RC999": Both([Edit("f", 0, 5, "x"), Edit("f", 3, 8, "y")])})
    assert overlapping == {"f": [Edit("f", 0, 5, "x")]}  # the second waits for the next round
    assert apply_text("abcdefgh", [Edit("f", 0, 1, "A"), Edit("f", 7, 8, "H")]) == "AbcdefgH"


def test_explain_shows_the_fix(capsys):
    main(["explain", "RC204"])
    out = capsys.readouterr().out
    assert "Autofix" in out and '+CMD ["gunicorn"' in textwrap.dedent(out).replace("  ", " ") or "+CMD [" in out
