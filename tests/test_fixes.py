"""Every autofix, run through --fix on its own examples (``Example(..., fixed=...)``): the result is
exactly the ``fixed`` files, the finding is gone, and a second run changes nothing."""

from __future__ import annotations

import textwrap

import pytest

from helpers import CHECKS, write_tree
from readycheck.cli import main
from readycheck.core.ruledoc import rule_doc

FIXABLE = [c for c in CHECKS if c.fixable()]
CASES = [pytest.param(check, example.files, example.fixed, id=f"{check.id}-{n}")
         for check in FIXABLE for n, example in enumerate(check.examples, start=1) if example.fixed is not None]


def test_fixable_checks_have_fix_examples():
    assert {c.id for c in FIXABLE} == {"RC101", "RC105", "RC201", "RC204", "RC602"}
    for check in FIXABLE:
        assert any(e.fixed is not None for e in check.examples), f"{check.id} has a fix but no fixed= example"
        safety = rule_doc(check).section("Fix safety")
        assert safety.startswith(("Safe", "Unsafe")), f"{check.id}'s docs have no 'Fix safety' section"


@pytest.mark.parametrize("check,before,after", CASES)
def test_fix_example(tmp_path, capsys, check, before, after):
    write_tree(tmp_path, before, dedent=False)
    main([str(tmp_path), "--fix", "--unsafe-fixes", "--select", check.id, "--no-cache", "--format", "json",
          "-o", str(tmp_path.parent / "r.json")])
    for path, content in after.items():
        assert (tmp_path / path).read_text() == content, path
    for path in set(before) - set(after):  # a file the example's fixed= leaves out is unchanged
        assert (tmp_path / path).read_text() == before[path], path
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
    from readycheck.core.findings import Finding, Severity, Span
    from readycheck.core.fixes import Edit, Fix, apply_text, plan

    def finding(message, *edits):
        return Finding("RC999", Severity.ERROR, "f", Span(1), message, fix=Fix.safe(edits))

    first = finding("first", Edit("f", 0, 5, "x"))
    second = finding("second", Edit("f", 3, 8, "y"), Edit("f", 9, 9, "z"))
    overlapping = plan(None, [first, second], {})
    assert overlapping == {"f": [Edit("f", 0, 5, "x")]}  # the second fix waits, whole, for the next round
    at_odds = finding("m", Edit("f", 0, 5, "x"), Edit("f", 3, 8, "y"))
    assert plan(None, [at_odds], {}) == {}  # a fix at odds with itself is never applied
    assert apply_text("abcdefgh", [Edit("f", 0, 1, "A"), Edit("f", 7, 8, "H")]) == "AbcdefgH"


def test_fix_is_attached_when_the_finding_is_made(tmp_path):
    """The finding carries its fix; --fix never works it out again from the message."""
    from dataclasses import replace

    from readycheck.core.fixes import Applicability, plan

    from helpers import CHECKS_BY_ID, scan_tree

    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nRUN pip install gunicorn==23.0.0\n"}, dedent=False)
    (finding,) = scan_tree(tmp_path, select=["RC105"]).findings
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert [(e.start, e.end, e.replacement) for e in finding.fix.edits] == [(37, 37, " --no-cache-dir")]
    reworded = replace(finding, message="something else entirely")  # the message plays no part
    assert plan(None, [reworded], {"RC105": CHECKS_BY_ID["RC105"]()}) == {"Dockerfile": list(finding.fix.edits)}


def test_a_fix_that_cannot_be_worked_out_leaves_the_finding():
    from readycheck.core.check import Check
    from readycheck.core.findings import Span
    from readycheck.core.fixes import Edit, Fix

    class Demo(Check):
        id, name, summary, fix = "DEMO002", "demo", "demo", "demo"

    def broken():
        raise ValueError("no edit")

    check = Demo()
    assert check.finding("f", Span(1), "m", fix=broken).fix is None
    assert check.finding("f", Span(1), "m", fix=[]).fix is None
    assert check.finding("f", Span(1), "m", fix=[Edit("f", 0, 0, "x")]).fix == Fix.safe([Edit("f", 0, 0, "x")])
    assert check.finding("f", Span(1), "m", fix=lambda: Fix.unsafe([Edit("f", 0, 0, "x")])).fix.applicability.value \
        == "unsafe"


def test_deprecated_why_autofix_and_fix_examples_still_work(tmp_path):
    """A third-party check written against the old contract (``why``, an ``autofix`` method that finds its
    case by the message, ``fix_examples``) keeps working until 0.2, with a DeprecationWarning."""
    import warnings

    from readycheck.core.check import Check, Example
    from readycheck.core.findings import Severity
    from readycheck.core.fixes import Edit, plan_fixes
    from readycheck.core.ruledoc import rule_doc, text

    from helpers import CHECKS, scan_tree  # noqa: F401

    with pytest.warns(DeprecationWarning) as caught:
        class OldStyle(Check):
            id = "DEMO003"
            name = "maintainer-instruction"
            severity = Severity.INFO
            summary = "MAINTAINER is deprecated"
            why = "Docker deprecated MAINTAINER in favour of a LABEL."
            fix = "Use LABEL org.opencontainers.image.authors=..."
            examples = (Example({"Dockerfile": "FROM python:3.12-slim\nMAINTAINER me\n"}, expect=["Dockerfile:2"]),
                        Example({"Dockerfile": "FROM python:3.12-slim\n"}))
            fix_examples = (({"Dockerfile": "FROM python:3.12-slim\nMAINTAINER me\n"},
                             {"Dockerfile": "FROM python:3.12-slim\n"}),)

            def run(self, project):
                for dockerfile in project.dockerfiles:
                    for stage in dockerfile.stages:
                        for inst in stage.all("MAINTAINER"):
                            yield self.finding(dockerfile.path, dockerfile.span_of(inst), f"MAINTAINER {inst.value}")

            def autofix(self, project, finding):
                if not finding.message.startswith("MAINTAINER"):
                    return None
                source = project.file(finding.path)
                start = source.index.offset(finding.span.line)
                return [Edit(finding.path, start, source.index.offset(finding.span.line + 1), "")]

    assert sorted(str(w.message).split(": Check.")[1].split()[0] for w in caught) == ["autofix", "fix_examples", "why"]
    assert OldStyle.fixable()
    assert rule_doc(OldStyle).why == "Docker deprecated MAINTAINER in favour of a LABEL."
    assert "Docker deprecated MAINTAINER" in text(OldStyle)
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nMAINTAINER me\n"}, dedent=False)
    from readycheck.engine.config import Config
    from readycheck.engine.runner import scan

    result = scan(tmp_path, Config(select=["DEMO003"]), [OldStyle])
    (finding,) = result.findings
    assert finding.fix is None  # the old check attaches nothing: its autofix is asked
    with pytest.warns(DeprecationWarning, match="autofix"):
        planned = plan_fixes(result.project, result.findings, {"DEMO003": OldStyle()})
    assert planned.edits == {"Dockerfile": [Edit("Dockerfile", 22, 36, "")]} and planned.fixed == [finding]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once per class, not once per finding
        plan_fixes(result.project, result.findings, {"DEMO003": OldStyle()})


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
    from readycheck.core.fixes import Applicability, proposed_fix
    from readycheck.model.project import Project
    from readycheck.engine.discovery import discover

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
