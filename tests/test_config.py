"""[tool.readycheck] / readycheck.toml: every key works, every mistake is an error."""

from __future__ import annotations

import json

import pytest

from helpers import write_tree
from readycheck.cli import main

BASE = {
    "Dockerfile": "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nHEALTHCHECK CMD python -c 'print(1)'\n"
                  "CMD [\"uvicorn\", \"app:app\", \"--host\", \"0.0.0.0\", \"--workers\", \"2\", "
                  "\"--timeout-graceful-shutdown\", \"10\", \"--reload\"]\n",
    "requirements.txt": "fastapi\nuvicorn[standard]==0.34.0\n",
    "scripts/requirements.txt": "click\n",
}


def rules_found(capsys, root, *args):
    code = main([str(root), "--format", "json", *args])
    out = capsys.readouterr().out
    return code, {(f["rule_id"], f["path"], f["severity"]) for f in json.loads(out)["findings"]}


def test_pyproject_select_ignore_severity_per_file(tmp_path, capsys):
    write_tree(tmp_path, {**BASE, "pyproject.toml": """
        [tool.readycheck]
        ignore = ["RC101"]
        severity = { RC201 = "warning" }
        per-file-ignores = { "scripts/*" = ["unpinned-requirement"] }
        """})
    code, got = rules_found(capsys, tmp_path)
    assert got == {("RC201", "Dockerfile", "warning"), ("RC301", "requirements.txt", "warning")}


def test_readycheck_toml_and_fail_on(tmp_path, capsys):
    write_tree(tmp_path, {**BASE, "readycheck.toml": 'select = ["RC3"]\nfail-on = "error"\n'})
    code, got = rules_found(capsys, tmp_path)
    assert {r for r, _, _ in got} == {"RC301"}
    assert code == 0  # only warnings, threshold is error


def test_cli_overrides_config(tmp_path, capsys):
    write_tree(tmp_path, {**BASE, "readycheck.toml": 'select = ["RC3"]\n'})
    _, got = rules_found(capsys, tmp_path, "--select", "RC1")
    assert {r for r, _, _ in got} == {"RC101"}


def test_extend_exclude(tmp_path, capsys):
    write_tree(tmp_path, {**BASE, "readycheck.toml": 'extend-exclude = ["scripts/"]\nselect = ["RC301"]\n'})
    _, got = rules_found(capsys, tmp_path)
    assert got == {("RC301", "requirements.txt", "warning")}


def test_config_found_in_parent_folder(tmp_path, capsys):
    write_tree(tmp_path, {"readycheck.toml": 'select = ["RC101"]\n', "svc/Dockerfile": BASE["Dockerfile"]})
    (tmp_path / ".git").mkdir()
    _, got = rules_found(capsys, tmp_path / "svc")
    assert {r for r, _, _ in got} == {"RC101"}


@pytest.mark.parametrize("table,message", [
    ('selct = ["RC1"]', "unknown key"),
    ('select = ["RC9"]', "unknown rule"),
    ('ignore = "nonsense-rule"', "unknown rule"),
    ('fail-on = "fatal"', "unknown severity"),
    ('severity = { RC101 = "loud" }', "unknown severity"),
    ('severity = { RC777 = "info" }', "unknown rule"),
    ('[options.RC101]\ncolour = "red"', "unknown option"),
    ('[options.RC999]\nx = 1', "unknown rule"),
    ('select = [', "invalid TOML"),
    ('extend-exclude = ["[z-a]"]', "not a gitignore pattern"),
    ('per-file-ignores = { "!" = ["RC101"] }', "not a gitignore pattern"),
    ('tool = 5', "[tool] must be a table"),
    ('select = ' + '[' * 100_000, "nesting too deep"),
])
def test_config_mistakes_are_errors(tmp_path, capsys, table, message):
    write_tree(tmp_path, {**BASE, "readycheck.toml": table + "\n"})
    code = main([str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err


def test_explicit_config_file(tmp_path, capsys):
    write_tree(tmp_path, {**BASE, "ci.toml": '[tool.readycheck]\nselect = ["RC201"]\n'})
    _, got = rules_found(capsys, tmp_path, "--config", str(tmp_path / "ci.toml"))
    assert {r for r, _, _ in got} == {"RC201"}
    assert main([str(tmp_path), "--config", str(tmp_path / "nope.toml")]) == 2


def test_findings_in_development_files_are_info_but_python_modules_are_judged_as_code(tmp_path, capsys):
    write_tree(tmp_path, {
        "Dockerfile": "FROM busybox\nUSER app\n",
        "tests/docker/Dockerfile": "FROM busybox\nUSER app\n",
        ".github/ci/requirements.txt": "click\n",
        "app/local.py": 'URL = "postgresql://app:s3cret@db.internal/app"\n',
        "pyproject.toml": '[tool.readycheck]\nselect = ["RC103", "RC301", "RC603"]\nseverity = { RC103 = "error" }\n'})
    code, got = rules_found(capsys, tmp_path)
    assert got == {("RC103", "Dockerfile", "error"), ("RC103", "tests/docker/Dockerfile", "info"),
                   ("RC301", ".github/ci/requirements.txt", "info"), ("RC603", "app/local.py", "error")}


def test_a_check_may_keep_its_severity_in_development_files(tmp_path):
    from readycheck.api import Check, Span
    from readycheck.engine.config import Config
    from readycheck.engine.runner import scan

    class EveryDockerfile(Check):
        """T001 every-dockerfile.

        Why is this bad
            For the test.
        """

        id, name, summary, fix = "T001", "every-dockerfile", "a Dockerfile", "none"

        def run(self, project):
            for dockerfile in project.dockerfiles:
                yield self.finding(dockerfile.path, Span(1), "a Dockerfile")

    class EveryDockerfileEverywhere(EveryDockerfile):
        id, name = "T002", "every-dockerfile-everywhere"
        development_files_are_info = False

    write_tree(tmp_path, {"tests/docker/Dockerfile": "FROM busybox:1.37\n"})
    result = scan(tmp_path, Config(), [EveryDockerfile, EveryDockerfileEverywhere])
    assert {(f.rule_id, f.severity.name) for f in result.findings} == {("T001", "INFO"), ("T002", "WARNING")}
