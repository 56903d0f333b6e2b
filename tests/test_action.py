"""The GitHub Action's own steps (action/ci.py), run offline with fake GitHub environment files.

GitHub passes a step its inputs through the environment, collects outputs from the file
``$GITHUB_OUTPUT`` names and describes the triggering event in ``$GITHUB_EVENT_PATH``;
these tests build those files for a push, a pull request, a fork's pull request and a
Dependabot pull request, run the real script, and read what it wrote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CI = REPO / "action" / "ci.py"
BASE_SHA = "a" * 40


def _event(kind: str) -> dict:
    if kind == "push":
        return {"ref": "refs/heads/main", "repository": {"full_name": "acme/api"}}
    head = "someone/api" if kind == "fork" else "acme/api"
    return {"pull_request": {"head": {"repo": {"full_name": head}, "sha": "b" * 40},
                             "base": {"repo": {"full_name": "acme/api"}, "sha": BASE_SHA}}}


def _run(step: str, tmp_path: Path, event: dict | None, event_name: str, **env: str) -> tuple[dict, str]:
    output = tmp_path / "github_output"
    output.write_text("")
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event or {}))
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RC_"))}
    full.update({"GITHUB_OUTPUT": str(output), "GITHUB_EVENT_PATH": str(event_path),
                 "GITHUB_EVENT_NAME": event_name, "GITHUB_SHA": "c" * 40, "RUNNER_TEMP": str(tmp_path / "temp"),
                 "RUNNER_OS": "Linux", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}, **env)
    proc = subprocess.run([sys.executable, str(CI), step], env=full, capture_output=True, text=True,
                          cwd=env.get("CWD", tmp_path))
    assert proc.returncode == 0, proc.stderr
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return values, proc.stdout


def _import_ci():
    """action/ci.py as a module (it is a script of the action, not a package)."""
    sys.path.insert(0, str(REPO / "action"))
    try:
        import ci
    finally:
        sys.path.pop(0)
    return ci


@pytest.mark.parametrize("kind,event_name,actor,uploads,base", [
    ("push", "push", "octocat", "true", ""),
    ("pr", "pull_request", "octocat", "true", BASE_SHA),
    ("fork", "pull_request", "someone", "false", BASE_SHA),
    ("pr", "pull_request", "dependabot[bot]", "false", BASE_SHA),
])

def test_prepare_uploads_only_where_the_token_can_write(tmp_path, kind, event_name, actor, uploads, base):
    values, stdout = _run("prepare", tmp_path, _event(kind), event_name, GITHUB_ACTOR=actor, RC_UPLOAD="true",
                          RC_PYTHON_VERSION="3.12.7")
    assert values["upload"] == uploads
    assert values["base"] == base
    assert ("::notice" in stdout) is (uploads == "false")
    assert values["venv"] == str(tmp_path / "temp" / "readycheck-venv")
    assert values["venv-key"].startswith("readycheck-venv-Linux-py3.12.7-")
    assert values["cache-key"].startswith(values["cache-restore-key"]) and values["cache-key"].endswith("c" * 40)


def test_prepare_respects_upload_off_and_installs_the_pypi_distribution(tmp_path):
    values, stdout = _run("prepare", tmp_path, _event("fork"), "pull_request", RC_UPLOAD="false",
                          RC_VERSION="0.2.0")
    assert values["upload"] == "false" and "::notice" not in stdout  # nothing to explain: the user said no
    assert values["spec"] == "readycheck-cli==0.2.0"
    values, _ = _run("prepare", tmp_path, _event("push"), "push")
    assert values["spec"] == str(REPO)  # the action's own copy


def test_prepare_refuses_a_version_that_is_not_a_version(tmp_path):
    output = tmp_path / "out"
    output.write_text("")
    proc = subprocess.run([sys.executable, str(CI), "prepare"], capture_output=True, text=True,
                          env={**os.environ, "GITHUB_OUTPUT": str(output), "RC_VERSION": "1.0 --index-url http://x"})
    assert proc.returncode != 0 and "not a version number" in proc.stderr


def _fake_venv(tmp_path: Path) -> Path:
    """A 'venv' whose readycheck is the one under test."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    script = venv / "bin" / "readycheck"
    script.write_text(f"#!{sys.executable}\nimport sys\nfrom readycheck.cli import console_main\nconsole_main()\n")
    script.chmod(0o755)
    return venv


def test_scan_writes_sarif_and_records_readycheck_exit_code_without_globbing_args(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "Dockerfile").write_text("FROM python:3.12-slim\nCMD uvicorn app:app --reload\n")
    venv = _fake_venv(tmp_path)
    values, stdout = _run("scan", tmp_path, _event("push"), "push", CWD=str(repo), RC_VENV=str(venv),
                          RC_HOME=str(tmp_path / "home"), RC_CACHE_DIR=str(tmp_path / "cache"),
                          RC_PATH=".", RC_SARIF="readycheck.sarif", RC_FAIL_ON="error",
                          RC_ARGS="--ignore RC1 --exit-zero")
    assert values["exit-code"] == "0"
    sarif = json.loads((repo / "readycheck.sarif").read_text())
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "RC201" in rules and not any(r.startswith("RC1") for r in rules)
    assert "::error" in stdout  # annotations
    assert (tmp_path / "cache").is_dir() and (tmp_path / "home" / "readycheck" / "cache-key").is_file()
    assert not (repo / ".readycheck_cache").exists()  # the scan cache lives outside the checkout


def test_args_are_split_into_words_but_never_globbed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "b.json").write_text("{}")
    ci = _import_ci()
    monkeypatch.setenv("RC_VENV", "/v")
    monkeypatch.setenv("RC_CACHE_DIR", "/c")
    monkeypatch.setenv("RC_ARGS", "--baseline *.json --ignore 'RC2 RC3' $HOME")
    command = ci.scan_command()
    assert command[0] == "/v/bin/readycheck"
    assert command[-5:] == ["--baseline", "*.json", "--ignore", "RC2 RC3", "$HOME"]


def test_scan_fails_with_findings_and_reports_bad_args(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "Dockerfile").write_text("FROM python:3.12-slim\nCMD uvicorn app:app --reload\n")
    venv = _fake_venv(tmp_path)
    common = dict(CWD=str(repo), RC_VENV=str(venv), RC_HOME=str(tmp_path / "home"),
                  RC_CACHE_DIR=str(tmp_path / "cache"), RC_PATH=".", RC_SARIF="out.sarif", RC_FAIL_ON="warning")
    values, _ = _run("scan", tmp_path, _event("pr"), "pull_request", **common)
    assert values["exit-code"] == "1"
    values, stdout = _run("scan", tmp_path, _event("pr"), "pull_request", RC_ARGS="--ignore 'unclosed", **common)
    assert values["exit-code"] == "2" and "::error" in stdout and "cannot be split" in stdout


def _action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text())


def test_action_ends_with_readycheck_code_always_and_guards_the_upload():
    steps = _action()["runs"]["steps"]
    last = steps[-1]
    assert last["run"].startswith("exit ") and last["if"] == "${{ always() }}"
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["continue-on-error"] is True and "steps.prepare.outputs.upload == 'true'" in upload["if"]
    for step in steps:  # every third-party action pinned by a full commit SHA
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    setup = next(s for s in steps if "setup-python" in s.get("uses", ""))
    assert setup["with"]["update-environment"] is False
    for step in steps:
        assert "python -m readycheck" not in step.get("run", "")


def test_action_and_pyproject_agree_on_the_distribution_name():
    name = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["name"]
    ci = _import_ci()
    assert ci.DISTRIBUTION == name == "readycheck-cli"
    readme = (REPO / "README.md").read_text()
    assert f"pip install {name}" in readme


def test_the_scan_judges_the_migrations_a_pull_request_changes(monkeypatch):
    ci = _import_ci()
    monkeypatch.setenv("RC_VENV", "/v")
    monkeypatch.setenv("RC_CACHE_DIR", "/c")
    monkeypatch.setenv("RC_ARGS", "--exit-zero")
    monkeypatch.delenv("RC_SINCE", raising=False)
    monkeypatch.delenv("RC_BASE", raising=False)
    assert "--since" not in ci.scan_command()
    monkeypatch.setenv("RC_BASE", BASE_SHA)
    assert ci.scan_command()[-3:] == ["--since", BASE_SHA, "--exit-zero"]
    monkeypatch.setenv("RC_SINCE", "origin/main")  # the input wins
    assert ci.scan_command()[-3:] == ["--since", "origin/main", "--exit-zero"]
