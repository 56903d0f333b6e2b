"""The command line as a user and CI meet it: formats, selection, thresholds, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from helpers import write_tree
from readycheck import __version__
from readycheck.cli import main
from readycheck.engine.config import build_config
from readycheck.engine.registry import load_checks

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "readycheck" / "schemas" / "report-v1.json").read_text())

ROOT_ONLY = {"Dockerfile": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n"}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_codes_follow_threshold(tmp_path, capsys):
    write_tree(tmp_path, ROOT_ONLY)
    assert run(capsys, str(tmp_path))[0] == 1
    assert run(capsys, str(tmp_path), "--exit-zero")[0] == 0
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nUSER app\n", "requirements-dev.txt": "pytest\n"})
    # Only an info finding is left: fails at --fail-on info, passes at the default (warning).
    assert run(capsys, str(tmp_path))[0] == 0
    assert run(capsys, str(tmp_path), "--fail-on", "info")[0] == 1
    assert run(capsys, str(tmp_path), "--fail-on", "error")[0] == 0


def test_clean_repo_exits_zero(capsys):
    code, out, _ = run(capsys, str(EXAMPLES / "fastapi-good"))
    assert code == 0
    assert "No findings" in out


def test_usage_errors_exit_two(tmp_path, capsys):
    assert run(capsys, str(tmp_path / "missing"))[0] == 2
    code, _, err = run(capsys, str(tmp_path), "--select", "RC999")
    assert code == 2 and "unknown rule" in err
    with pytest.raises(SystemExit) as exc:
        main(["--format", "xml", str(tmp_path)])
    assert exc.value.code == 2
    # A report or baseline that cannot be written is the user's error (2), not findings (1).
    for flag in ("-o", "--write-baseline"):
        code, _, err = run(capsys, str(tmp_path), flag, str(tmp_path / "no" / "such" / "folder.json"))
        assert code == 2 and "cannot write" in err and "Traceback" not in err


def test_select_and_ignore_by_id_family_and_name(capsys):
    bad = str(EXAMPLES / "fastapi-bad")

    def rules(*args):
        code, out, _ = run(capsys, bad, "--format", "json", *args)
        return {f["rule_id"] for f in json.loads(out)["findings"]}

    assert rules("--select", "RC2") == {"RC201", "RC204", "RC207", "RC209"}
    assert rules("--select", "RC20", "--ignore", "RC204,single-process,RC209") == {"RC201"}
    assert rules("--select", "root-user,RC401") == {"RC101", "RC401"}
    assert "RC301" not in rules("--ignore", "RC3")
    assert rules("--select", "RC3", "--ignore", "RC301") == {"RC303"}
    assert rules("--select", "RC3", "--ignore", "RC301,uvicorn-without-standard") == set()


def test_json_report_matches_schema_and_is_deterministic(capsys):
    bad = str(EXAMPLES / "fastapi-bad")
    _, first, _ = run(capsys, bad, "--format", "json")
    _, second, _ = run(capsys, bad, "--format", "json")
    assert first == second
    document = json.loads(first)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["tool"]["version"] == __version__
    assert document["summary"]["findings"] == len(document["findings"]) == 33
    paths = [(f["path"], f["line"], f["column"], f["rule_id"]) for f in document["findings"]]
    assert paths == sorted(paths)


def test_output_file_is_plain(tmp_path, capsys):
    out_file = tmp_path / "report.txt"
    code, out, _ = run(capsys, str(EXAMPLES / "fastapi-bad"), "--output", str(out_file))
    assert code == 1 and out == ""
    text = out_file.read_text()
    assert "\x1b[" not in text
    assert "RC101" in text and "^^^^^^^^" in text and "Found 33 problems (8 errors, 19 warnings, 6 info)" in text


def test_text_report_escapes_terminal_control_characters(tmp_path, capsys):
    write_tree(tmp_path, {"requirements.txt": "evil\x1b[2J>=1\n"}, dedent=False)
    code, out, _ = run(capsys, str(tmp_path))
    assert "\x1b" not in out
    assert "\\x1b" in out


def test_coloured_text_report_styles_ours_and_escapes_theirs(tmp_path):
    import io

    from readycheck.reporters import text
    from readycheck.engine.runner import scan

    write_tree(tmp_path, {"requirements.txt": "fastapi  # \x1b[2J\n"}, dedent=False)
    checks, _ = load_checks()
    result = scan(tmp_path, build_config({}, checks, None), checks)
    out = io.StringIO()
    text.report(result, out, color=True, display=str)
    report = out.getvalue()
    assert "\x1b[1mRC301\x1b[0m" in report  # our styling
    assert "\x1b[2J" not in report and "\\x1b[2J" in report  # their escape, shown not obeyed
    plain = io.StringIO()
    text.report(result, plain, color=False, display=str)
    assert "\x1b" not in plain.getvalue() and "RC301" in plain.getvalue()


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_rules_lists_every_check(capsys):
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert code == 0
    ids = [r["id"] for r in json.loads(out)]
    assert ids == sorted(ids) and {"RC101", "RC201", "RC301", "RC302", "RC401", "RC501", "RC601"} <= set(ids)
    code, out, _ = run(capsys, "rules")
    assert "root-user" in out


def test_explain_shows_docs_and_examples(capsys):
    code, out, _ = run(capsys, "explain", "RC201")
    assert code == 0
    assert "Why it matters" in out and "How to fix" in out and "flagged at Dockerfile:4" in out and "not flagged" in out
    assert run(capsys, "explain", "dev-reload")[0] == 0
    assert run(capsys, "explain", "RC000")[0] == 2


def test_paths_shown_relative_to_working_directory(tmp_path, capsys, monkeypatch):
    write_tree(tmp_path / "svc", ROOT_ONLY)
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "svc")
    assert "svc/Dockerfile" in out
    _, out, _ = run(capsys, "svc", "--format", "json")
    assert json.loads(out)["findings"][0]["path"] == "Dockerfile"
    assert json.loads(out)["root"] == "svc"


def test_single_file_and_several_paths(tmp_path, capsys):
    write_tree(tmp_path, {**ROOT_ONLY, "api/requirements.txt": "fastapi\n", "other/requirements.txt": "flask\n"})
    code, out, _ = run(capsys, str(tmp_path / "api" / "requirements.txt"), "--format", "json")
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {"RC301"}
    code, out, _ = run(capsys, str(tmp_path / "api"), str(tmp_path / "Dockerfile"), "--format", "json")
    assert {(f["rule_id"], f["path"]) for f in json.loads(out)["findings"]} == {
        ("RC301", "api/requirements.txt"), ("RC101", "Dockerfile"), ("RC205", "Dockerfile"), ("RC210", "Dockerfile"),
        ("RC107", "Dockerfile"), ("RC113", "Dockerfile")}


def test_strict_fails_on_unreadable_files(tmp_path, capsys):
    write_tree(tmp_path, {"app/broken.py": "from fastapi import FastAPI\ndef f(:\n"})
    assert run(capsys, str(tmp_path))[0] == 0
    code, out, _ = run(capsys, str(tmp_path), "--strict")
    assert code == 1 and "Not judged" in out


def test_progress_only_on_a_terminal(tmp_path):
    import io

    from readycheck.engine.progress import Progress

    quiet = io.StringIO()
    progress = Progress(delay=0, stream=quiet)
    progress("parsing Python", 1, 10)
    progress.close()
    assert quiet.getvalue() == ""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown = Terminal()
    progress = Progress(delay=0, stream=shown)
    progress("parsing Python", 5, 10)
    progress.close()
    assert "parsing Python" in shown.getvalue()


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


HEAVY = {"readycheck.engine.runner", "readycheck.model.project", "readycheck.parsers.python", "readycheck.model.startcommands",
         "yaml", "dockerfile_parse", "packaging.requirements", "pathspec", "libcst", "rich", "tomllib"}


def test_version_imports_nothing_it_does_not_use():
    loaded = _modules_after("import contextlib, io\nfrom readycheck.cli import main\n"
                            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
                            "    main(['--version'])")
    assert not loaded & (HEAVY | {"readycheck.core.findings", "readycheck.engine.registry"})


def test_loading_every_check_loads_no_parser():
    # Checks import their facts lazily: a scan answered from the cache never pays for the parsers.
    loaded = _modules_after("from readycheck.engine.registry import load_checks\nassert load_checks()[0]")
    assert not loaded & HEAVY, loaded & HEAVY


def test_the_command_writes_its_whole_report_before_it_exits_without_teardown(tmp_path):
    # ``python -m readycheck`` (and the console script) leaves through os._exit, skipping
    # interpreter teardown: what is still buffered must be written first, and exit
    # handlers still run. A short report stays whole in stdout's buffer until then.
    import json
    import os
    import subprocess
    import sys

    (tmp_path / "Procfile").write_text("web: uvicorn app:app --reload\n")
    code = ("import atexit, sys, runpy\n"
            "atexit.register(lambda: sys.stderr.write('exit handler ran\\n'))\n"
            "sys.argv = ['readycheck', '.', '--no-cache', '--select', 'RC201'] + sys.argv[1:]\n"
            "runpy.run_module('readycheck', run_name='__main__')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as users run it
    for args in ([], ["--format", "json"]):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tmp_path,
                              env=env)
        assert done.returncode == 1, done.stderr
        assert "exit handler ran" in done.stderr
        if args:
            assert [f["rule_id"] for f in json.loads(done.stdout)["findings"]] == ["RC201"]
        else:
            assert done.stdout.splitlines()[-1].startswith("Found 1 problem"), done.stdout


def test_the_command_never_turns_the_collector_back_on_but_library_callers_get_it_back(tmp_path):
    # Turned back on after a scan, the collector's first collection walks every object the
    # scan left (all in its youngest generation): the command keeps it off to its exit.
    import gc
    import subprocess
    import sys

    (tmp_path / "Procfile").write_text("web: uvicorn app:app --reload\n")
    code = ("import atexit, gc, sys, runpy\n"
            "atexit.register(lambda: sys.stderr.write(f'collector on at exit: {gc.isenabled()}\\n'))\n"
            "sys.argv = ['readycheck', '.', '--no-cache', '--format', 'json']\n"
            "runpy.run_module('readycheck', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert "collector on at exit: False" in done.stderr, done.stderr
    was_enabled = gc.isenabled()  # an earlier test's in-process scan may have left it off
    try:
        gc.enable()
        assert main([str(tmp_path), "--no-cache", "--format", "json", "-o", str(tmp_path / "out.json")]) == 1
        assert gc.isenabled()
        gc.disable()
        main([str(tmp_path), "--no-cache", "--format", "json", "-o", str(tmp_path / "out.json")])
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_inspect_escapes_what_scanned_files_say(tmp_path, capsys):
    # A compose service name, a host and a path are the scanned repository's words: in the
    # terminal they must not move the cursor, clear the screen or start a line of their own.
    (tmp_path / "docker-compose.yml").write_text(
        'services:\n  "evil\\x1b[2Jname":\n    command: "uvicorn app:app --host \\x1b[31m0.0.0.0"\n')
    (tmp_path / "nl\ndir").mkdir()
    (tmp_path / "nl\ndir" / "Procfile").write_text("web: uvicorn app:app\n")
    assert main(["inspect", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "evil\\x1b[2Jname" in out and "nl\\ndir/Procfile:1" in out
