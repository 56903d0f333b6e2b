"""Conventions users of ruff and hadolint reach for: standard input, --statistics, -q/-v, -f, colour
variables, strict --format choices, unwrapped `rules` when piped, suppression codes by name, unknown codes
warned about, RC001 unused-suppression, grouped --help, no prefix abbreviations, a README that matches."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from helpers import CHECKS, write_tree
from readycheck.cli import _scan_parser, main

REPO = Path(__file__).resolve().parent.parent
ROOT_ONLY = {"Dockerfile": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n"}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def feed(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


# -- standard input -----------------------------------------------------------------------------

def test_stdin_is_judged_as_the_named_file_in_its_project(tmp_path, capsys, monkeypatch):
    on_disk = "FROM python:3.12-slim\nUSER app\nCMD [\"gunicorn\", \"app:app\"]\n"
    write_tree(tmp_path, {"Dockerfile": on_disk, "requirements.txt": "gunicorn==22.0.0\n"}, dedent=False)
    monkeypatch.chdir(tmp_path)
    feed(monkeypatch, ROOT_ONLY["Dockerfile"])
    code, out, err = run(capsys, "-", "--stdin-filename", "Dockerfile", "--format", "json", "--select", "RC101,RC210")
    assert code == 1, err
    report = json.loads(out)
    # The content of stdin is judged (it has no USER), not the file on disk.
    assert [(f["rule_id"], f["path"], f["line"]) for f in report["findings"]] == [("RC101", "Dockerfile", 1)]
    # The project's requirements.txt still installs gunicorn: no RC210 for the piped Dockerfile.
    assert (tmp_path / "Dockerfile").read_text() == on_disk
    assert not (tmp_path / ".readycheck_cache").exists()  # nothing written, not even the cache


def test_stdin_uses_project_context_and_reports_only_that_file(tmp_path, capsys, monkeypatch):
    write_tree(tmp_path, {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/healthz')\n"
                                         "def health():\n    return {}\n",
                          "requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\n",
                          "Dockerfile": "FROM python:3.12-slim\nCMD uvicorn app.main:app\n"}, dedent=False)
    monkeypatch.chdir(tmp_path)
    piped = ("FROM python:3.12-slim\nHEALTHCHECK CMD curl -f http://localhost:8000/health\n"
             "CMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]\n")
    feed(monkeypatch, piped)
    code, out, _ = run(capsys, "-", "--stdin-filename", "deploy/Dockerfile", "--format", "json",
                       "--select", "RC502,RC204")
    findings = json.loads(out)["findings"]
    # The probe is judged against the app on disk (it serves /healthz, not /health); the shell-form CMD of
    # the Dockerfile on disk is not reported: only the piped file is.
    assert [(f["rule_id"], f["path"], f["line"]) for f in findings] == [("RC502", "deploy/Dockerfile", 2)]
    assert not (tmp_path / "deploy").exists()
    feed(monkeypatch, piped.replace("/health", "/healthz"))
    code, out, _ = run(capsys, "-", "--stdin-filename", "deploy/Dockerfile", "--format", "json", "--select", "RC502")
    assert json.loads(out)["findings"] == [] and code == 0


def test_stdin_reads_the_project_cache_and_writes_nothing(tmp_path, capsys, monkeypatch):
    write_tree(tmp_path, {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/healthz')\n"
                                         "def health():\n    return {}\n",
                          "Dockerfile": "FROM python:3.12-slim\nCMD uvicorn app.main:app\n"}, dedent=False)
    monkeypatch.chdir(tmp_path)
    run(capsys, ".")  # a normal scan fills the cache
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()}
    feed(monkeypatch, "FROM python:3.12-slim\nHEALTHCHECK CMD curl -f http://localhost:8000/health\n"
                      "CMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]\n")
    code, out, _ = run(capsys, "-", "--stdin-filename", "Dockerfile", "--format", "json", "--select", "RC502")
    assert [f["line"] for f in json.loads(out)["findings"]] == [2]  # judged with the app's routes
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before and any(".readycheck_cache" in str(p) for p in before)


def test_stdin_fix_prints_the_fixed_file_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    feed(monkeypatch, "FROM python:3.12-slim\nCMD uvicorn app:app --host 0.0.0.0 --reload\n")
    code, out, err = run(capsys, "-", "--stdin-filename", "Dockerfile", "--fix", "--select", "RC201,RC204")
    assert out == 'FROM python:3.12-slim\nCMD ["uvicorn", "app:app", "--host", "0.0.0.0"]\n'
    assert "2 fixed, 0 remaining" in err and list(tmp_path.iterdir()) == []


def test_stdin_needs_its_filename(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    feed(monkeypatch, "FROM python\n")
    code, _, err = run(capsys, "-")
    assert code == 2 and "--stdin-filename" in err
    code, _, err = run(capsys, ".", "--stdin-filename", "Dockerfile")
    assert code == 2 and "'-'" in err
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "link").symlink_to(outside)
    code, _, err = run(capsys, "-", "--stdin-filename", "link/Dockerfile")
    assert code == 2 and "outside the project" in err  # never judged as a file through a link out of the root


# -- --statistics -------------------------------------------------------------------------------

def test_statistics_count_per_rule(tmp_path, capsys):
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nRUN pip install -r a.txt\nRUN pip install -r b.txt\n"
                                        "CMD [\"gunicorn\", \"app:app\"]\n"}, dedent=False)
    code, out, _ = run(capsys, str(tmp_path), "--statistics", "--select", "RC101,RC105", "--no-cache")
    assert code == 1
    assert out == "2\tRC105\t[*] pip-cache-in-image\n1\tRC101\t[ ] root-user\n"
    code, out, _ = run(capsys, str(tmp_path), "--statistics", "--unsafe-fixes", "--select", "RC101,RC105", "--no-cache")
    assert out == "2\tRC105\t[*] pip-cache-in-image\n1\tRC101\t[*] root-user\n"  # fixable under --unsafe-fixes
    code, out, _ = run(capsys, str(tmp_path), "--statistics", "-f", "json", "--select", "RC101,RC105", "--no-cache")
    assert json.loads(out) == [{"code": "RC105", "name": "pip-cache-in-image", "count": 2, "fixable": True},
                               {"code": "RC101", "name": "root-user", "count": 1, "fixable": False}]
    assert run(capsys, str(tmp_path), "--statistics", "--format", "sarif")[0] == 2


# -- -q / -v, -f / --output-format ----------------------------------------------------------------

def test_quiet_prints_findings_only_and_verbose_says_more(tmp_path, capsys):
    write_tree(tmp_path, ROOT_ONLY)
    code, out, err = run(capsys, str(tmp_path), "-q", "--select", "RC101", "--no-cache", "--no-color")
    assert code == 1 and "RC101" in out and "Found" not in out and err == ""
    code, out, err = run(capsys, str(tmp_path), "--quiet", "--fix", "--select", "RC201", "--no-cache")
    assert code == 0 and out == "" and err == ""
    code, out, err = run(capsys, str(tmp_path), "-v", "--select", "RC101", "--no-cache")
    assert "Found 1 problem" in out and "configuration none" in err and "1 file scanned" in err
    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path), "-q", "-v"])  # one or the other
    assert exit_.value.code == 2


def test_output_format_aliases(tmp_path, capsys):
    write_tree(tmp_path, ROOT_ONLY)
    outputs = {run(capsys, str(tmp_path), flag, "gnu", "--select", "RC101", "--no-cache")[1]
               for flag in ("--format", "--output-format", "-f")}
    assert len(outputs) == 1 and ": RC101 [error] " in outputs.pop()


# -- colour -------------------------------------------------------------------------------------

class _Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env,flag,terminal,wanted", [
    ({}, False, False, False),
    ({}, False, True, True),
    ({"FORCE_COLOR": "1"}, False, False, True),
    ({"FORCE_COLOR": ""}, False, False, False),  # set but empty: not set
    ({"CLICOLOR_FORCE": "1"}, False, False, True),
    ({"CLICOLOR_FORCE": "0"}, False, False, False),
    ({"NO_COLOR": "1"}, False, True, False),
    ({"NO_COLOR": ""}, False, True, True),  # no-color.org: present and not empty
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False, False),  # NO_COLOR wins
    ({"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, False, False, False),
    ({"FORCE_COLOR": "1"}, True, True, False),  # --no-color wins over everything
])
def test_colour_follows_the_conventions(monkeypatch, env, flag, terminal, wanted):
    from readycheck.cli import color_wanted

    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert color_wanted(_Terminal() if terminal else _Pipe(), flag) is wanted


def test_force_color_colours_a_piped_report(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    write_tree(tmp_path, ROOT_ONLY)
    assert "\x1b[" in run(capsys, str(tmp_path), "--select", "RC101", "--no-cache")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, str(tmp_path), "--select", "RC101", "--no-cache")[1]


# -- inspect and rules ----------------------------------------------------------------------------

def test_inspect_accepts_only_the_formats_it_prints(tmp_path, capsys):
    write_tree(tmp_path, ROOT_ONLY)
    for fmt in ("sarif", "github", "gnu", "junit"):
        with pytest.raises(SystemExit) as exit_:
            main(["inspect", str(tmp_path), "--format", fmt])
        out, err = capsys.readouterr()
        assert exit_.value.code == 2 and out == "" and "invalid choice" in err
    assert json.loads(run(capsys, "inspect", str(tmp_path), "-f", "json")[1])["start_commands"]


def test_rules_piped_keeps_each_rule_on_one_line_and_prints_brackets(capsys):
    code, out, _ = run(capsys, "rules")
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(CHECKS) + 1  # a header, then one line per rule: never wrapped
    by_id = {line.split()[0]: line for line in lines[1:]}
    for check in CHECKS:
        assert by_id[check.id].endswith(check.summary)
    assert "[standard]" in by_id["RC303"]  # not swallowed as markup
    assert max(len(line) for line in lines) > 80


# -- suppressions --------------------------------------------------------------------------------

def test_suppression_by_rule_name(tmp_path, capsys):
    write_tree(tmp_path, {"Dockerfile": "# readycheck: ignore[root-user]\nFROM python:3.12-slim\nCMD [\"python\"]\n"})
    code, out, _ = run(capsys, str(tmp_path), "--select", "RC101", "--no-cache", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["findings"] == [] and report["suppressed"][0]["rule_id"] == "RC101"


def test_unknown_suppression_codes_are_warned_about(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {"Dockerfile": "# readycheck: ignore[RC999, root-usr, RC1]\nFROM python:3.12-slim\n"})
    code, out, err = run(capsys, ".", "--select", "RC101", "--no-cache", "--format", "json")
    assert "readycheck: warning: Dockerfile:1: unknown rule 'RC999'" in err
    assert "unknown rule 'root-usr'" in err and "'RC1'" not in err
    assert json.loads(out)["diagnostics"] == []  # a warning, not a file that was not judged
    assert run(capsys, ".", "--select", "RC101", "-q")[2] == ""
    assert "unknown rule 'RC999'" in run(capsys, ".", "--select", "RC101")[2]  # from the cached result too


def test_unused_suppression_is_opt_in(tmp_path, capsys):
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nUSER app\n# readycheck: ignore[RC201]\n"
                                        "CMD [\"gunicorn\", \"app:app\"]\n"})
    report = json.loads(run(capsys, str(tmp_path), "--no-cache", "--format", "json")[1])
    assert not [f for f in report["findings"] if f["rule_id"] == "RC001"]  # ALL (the default) leaves it off
    assert "RC001" not in {c["id"] for c in json.loads(run(capsys, str(tmp_path), "--no-cache", "--format", "sarif")[1])
                           ["runs"][0]["tool"]["driver"]["rules"]}
    for selector in ("RC001", "unused-suppression", "ALL,RC001"):
        report = json.loads(run(capsys, str(tmp_path), "--no-cache", "--format", "json", "--select", selector)[1])
        rc001 = [f for f in report["findings"] if f["rule_id"] == "RC001"]
        if selector.startswith("ALL"):
            assert [(f["line"], f["column"]) for f in rc001] == [(3, 1)]
        else:
            assert rc001 == []  # RC201 did not run: its suppression is not judged


# -- help, abbreviations, README ------------------------------------------------------------------

def test_help_is_grouped(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    headings = [h for h in ("Rule selection:", "File selection:", "Fixes:", "Output:", "Exit status:", "Baseline:",
                            "Performance:") if h in out]
    assert len(headings) == 7
    assert out.index("\nFixes:") < out.index("\n  --unsafe-fixes") < out.index("\nOutput:")


@pytest.mark.parametrize("argv", [[".", "--fi"], [".", "--unsafe"], ["rules", "--form", "json"],
                                  ["inspect", "--form", "json"], [".", "--stat"]])
def test_no_prefix_abbreviations(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


def _readme_usage() -> str:
    text = (REPO / "README.md").read_text()
    return text[text.index("## Usage"):text.index("**Exit codes**")]


def test_readme_option_table_matches_the_parser():
    documented = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", " ".join(
        line.split("|")[1] for line in _readme_usage().splitlines() if line.startswith("| `"))))
    parser = _scan_parser()
    actual = {option for action in parser._actions for option in action.option_strings}
    assert documented == actual


def test_readme_gnu_format_matches_the_program(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, ROOT_ONLY)
    line = run(capsys, ".", "--format", "gnu", "--select", "RC101", "--no-cache")[1].splitlines()[0]
    documented = re.search(r"`gnu` \(`([^`]+)`\)", _readme_usage()).group(1)
    pattern = re.escape(documented).replace("path", r"\S+").replace("line", r"\d+").replace("col", r"\d+") \
        .replace("ID", "RC101").replace(r"\[severity\]", r"\[error\]").replace("message", r"[^\[].*")  # every part named
    assert re.fullmatch(pattern, line), (documented, line)
