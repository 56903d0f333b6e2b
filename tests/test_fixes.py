"""Every autofix, run through --fix on its own before/after examples: the result is exactly
the "after" files, the finding is gone, and a second run changes nothing."""

from __future__ import annotations

import textwrap

import pytest

from helpers import CHECKS, write_tree
from readycheck.cli import main
from readycheck.ruledoc import rule_doc

FIXABLE = [c for c in CHECKS if c.fixable()]
CASES = [pytest.param(check, before, after, id=f"{check.id}-{n}")
         for check in FIXABLE for n, (before, after) in enumerate(check.fix_examples, start=1)]


def test_fixable_checks_have_fix_examples():
    assert {c.id for c in FIXABLE} >= {"RC101", "RC105", "RC201", "RC204"}
    for check in FIXABLE:
        assert check.fix_examples, f"{check.id} has a fix but no before/after example"
        safety = rule_doc(check).section("Fix safety")
        assert safety.startswith(("Safe", "Unsafe")), f"{check.id}'s docs have no 'Fix safety' section"


@pytest.mark.parametrize("check,before,after", CASES)
def test_fix_example(tmp_path, capsys, check, before, after):
    write_tree(tmp_path, before, dedent=False)
    main([str(tmp_path), "--fix", "--unsafe-fixes", "--select", check.id, "--no-cache", "--format", "json",
          "-o", str(tmp_path.parent / "r.json")])
    for path, content in after.items():
        assert (tmp_path / path).read_text() == content, path
    changed = any(before[p] != after[p] for p in after)
    assert main([str(tmp_path), "--diff", "--unsafe-fixes", "--select", check.id, "--no-cache"]) == 0  # idempotent
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
    assert "readycheck: 2 fixed, 0 remaining" in capsys.readouterr().err


def test_overlapping_edits_are_kept_whole(tmp_path):
    from readycheck.fixes import Edit, apply_text, plan

    class Both:
        def __init__(self, edits):
            self.edits = edits

        def autofix(self, project, finding):
            return self.edits

    from readycheck.findings import Finding, Severity, Span

    class One:
        def autofix(self, project, finding):
            return [Edit("f", 0, 5, "x")] if finding.message == "first" else [Edit("f", 3, 8, "y"), Edit("f", 9, 9, "z")]

    first, second = (Finding("RC999", Severity.ERROR, "f", Span(1), m) for m in ("first", "second"))
    overlapping = plan(None, [first, second], {"RC999": One()})
    assert overlapping == {"f": [Edit("f", 0, 5, "x")]}  # the second fix waits, whole, for the next round
    finding = Finding("RC999", Severity.ERROR, "f", Span(1), "m")
    assert plan(None, [finding], {"RC999": Both([Edit("f", 0, 5, "x"), Edit("f", 3, 8, "y")])}) == {}  # at odds with itself
    assert apply_text("abcdefgh", [Edit("f", 0, 1, "A"), Edit("f", 7, 8, "H")]) == "AbcdefgH"


def test_explain_shows_the_fix(capsys):
    main(["explain", "RC204"])
    out = capsys.readouterr().out
    assert "Autofix" in out and '+CMD ["gunicorn"' in textwrap.dedent(out).replace("  ", " ") or "+CMD [" in out


# Safe and unsafe fixes (ruff's --unsafe-fixes): a fix that may change behaviour is never applied by
# --fix alone. USER app without a chown of what the app writes breaks the container.
ROOT_DOCKERFILE = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nCMD [\"gunicorn\", \"app:app\"]\n"


def test_the_non_root_user_fix_is_unsafe(tmp_path, capsys):
    write_tree(tmp_path, {"Dockerfile": ROOT_DOCKERFILE}, dedent=False)
    assert main([str(tmp_path), "--fix", "--select", "RC101", "--no-cache"]) == 1
    assert (tmp_path / "Dockerfile").read_text() == ROOT_DOCKERFILE  # the SQLite file in /app stays writable
    err = capsys.readouterr().err
    assert "readycheck: 0 fixed, 1 remaining (1 more fix available with --unsafe-fixes)" in err
    assert main([str(tmp_path), "--diff", "--select", "RC101", "--no-cache"]) == 0  # --diff shows what --fix does
    captured = capsys.readouterr()
    assert captured.out == "" and "would fix 0 findings (1 more fix available with --unsafe-fixes)" in captured.err
    assert main([str(tmp_path), "--diff", "--unsafe-fixes", "--select", "RC101", "--no-cache"]) == 1
    assert "+USER app" in capsys.readouterr().out
    assert main([str(tmp_path), "--fix", "--unsafe-fixes", "--select", "RC101", "--no-cache"]) == 0
    assert "USER app" in (tmp_path / "Dockerfile").read_text()
    assert "readycheck: 1 fixed, 0 remaining" in capsys.readouterr().err


def test_fix_declares_applicability():
    from readycheck.fixes import Applicability, proposed_fix
    from readycheck.project import Project
    from readycheck.discovery import discover

    from helpers import CHECKS_BY_ID, scan_tree

    def fix_of(tmp, rule, dockerfile):
        write_tree(tmp, {"Dockerfile": dockerfile}, dedent=False)
        result = scan_tree(tmp, select=[rule])
        (finding,) = result.findings
        return proposed_fix(CHECKS_BY_ID[rule](), result.project, finding)

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, tempfile.TemporaryDirectory() as c:
        assert fix_of(Path(a), "RC204", "FROM python:3.12-slim\nCMD gunicorn app:app\n").applicability \
            is Applicability.SAFE
        # An exec-form ENTRYPOINT receives CMD and `docker run` arguments the shell form ignored.
        assert fix_of(Path(b), "RC204", "FROM python:3.12-slim\nENTRYPOINT gunicorn app:app\n").applicability \
            is Applicability.UNSAFE
        assert fix_of(Path(c), "RC101", ROOT_DOCKERFILE).applicability is Applicability.UNSAFE


def test_fix_counts_findings_and_show_fixes_lists_them(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nRUN pip install -r requirements.txt\nRUN pip install gunicorn==22.0.0\n"
                      "CMD uvicorn app:app --host 0.0.0.0 --reload\n",
        "Procfile": "web: uvicorn app:app --host 0.0.0.0 --port $PORT --reload\n"}, dedent=False)
    assert main([".", "--fix", "--show-fixes", "--select", "RC105,RC201,RC204,RC101", "--no-cache",
                 "--format", "json", "-o", str(tmp_path.parent / "r.json")]) == 1
    err = capsys.readouterr().err
    assert "Fixed 5 findings:\n- Dockerfile:\n    2 × RC105 (pip-cache-in-image)\n    1 × RC201 (dev-reload)\n" \
           "    1 × RC204 (signals-not-forwarded)\n- Procfile:\n    1 × RC201 (dev-reload)\n" in err
    assert "readycheck: 5 fixed, 1 remaining (1 more fix available with --unsafe-fixes)" in err
