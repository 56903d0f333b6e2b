"""Packaging as a user meets it: a built wheel in a fresh virtualenv, run from a
repository whose own ``checks/`` or ``checks.py`` would shadow ours; an editable
install; and a third-party plugin package registered through the entry-point group.

The fresh virtualenvs get no network: dependencies come from this test
environment's site-packages through a .pth file, and pip runs with --no-index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = "Scripts" if os.name == "nt" else "bin"

PLUGIN_PYPROJECT = """
[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "readycheck-demo-plugin"
version = "1.0"

[project.entry-points."readycheck.checks"]
DEMO001 = "readycheck_demo_plugin:MaintainerInstruction"
"""

PLUGIN_MODULE = '''
"""A third-party check, written against the public API only."""
from readycheck.api import Check, Example, Project, Severity


class MaintainerInstruction(Check):
    id = "DEMO001"
    name = "maintainer-instruction"
    severity = Severity.INFO
    summary = "MAINTAINER is deprecated"
    why = "Docker deprecated MAINTAINER in favour of a LABEL; tools no longer read it."
    fix = "Replace it with LABEL org.opencontainers.image.authors=..."
    examples = (
        Example({"Dockerfile": "FROM python:3.12-slim\\nMAINTAINER me\\n"}, expect=["Dockerfile:2"]),
        Example({"Dockerfile": "FROM python:3.12-slim\\n"}),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.stages:
                for inst in stage.all("MAINTAINER"):
                    yield self.finding(dockerfile.path, dockerfile.span_of(inst), f"MAINTAINER {inst.value}")
'''


def _copy_source(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", ".git", ".venv", "venv", "tests",
                                    "examples", ".pytest_cache")
    shutil.copytree(REPO, dest, ignore=ignore)
    return dest


def _fresh_venv(path: Path) -> Path:
    """A venv without pip; this environment's site-packages (pip, setuptools and
    readycheck's dependencies) are reachable through a .pth file placed last."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / BIN / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    parents = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    Path(site, "zz_parent_env.pth").write_text("\n".join(parents) + "\n")
    return python


def _pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                    *args], check=True, capture_output=True, text=True)


def _hostile_repo(path: Path) -> Path:
    """A scanned repo whose own modules would shadow readycheck's if imported."""
    bomb = "raise SystemExit('SHADOWED: the scanned repo was imported')\n"
    (path / "checks").mkdir(parents=True)
    (path / "checks" / "__init__.py").write_text(bomb)
    (path / "checks.py").write_text(bomb)
    (path / "yaml.py").write_text(bomb)
    (path / "readycheck_checks.py").write_text(bomb)
    (path / "Dockerfile").write_text("FROM python:3.12-slim\nMAINTAINER someone\nCMD [\"uvicorn\", \"app:app\", \"--reload\"]\n")
    return path


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    source = _copy_source(work / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(work / "dist"), str(source)], check=True, capture_output=True, text=True)
    wheel = next((work / "dist").glob("readycheck_cli-*.whl"))
    python = _fresh_venv(work / "venv")
    _pip(python, str(wheel))
    return python, work


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)


def test_wheel_ships_the_typing_marker(wheel_venv):
    """PEP 561: type checkers read readycheck's own annotations (readycheck.api's real types) only when the
    installed package carries py.typed."""
    import zipfile

    _, work = wheel_venv
    wheel = next((work / "dist").glob("readycheck_cli-*.whl"))
    assert "readycheck/py.typed" in zipfile.ZipFile(wheel).namelist()


def test_wheel_from_inside_a_repo_with_its_own_checks_package(wheel_venv, tmp_path):
    python, _ = wheel_venv
    repo = _hostile_repo(tmp_path / "repo")
    for cmd in ([str(python.parent / "readycheck"), ".", "--format", "json"],
                [str(python), "-m", "readycheck", ".", "--format", "json"]):
        proc = _run(cmd, repo)
        assert "SHADOWED" not in proc.stdout + proc.stderr, cmd
        assert proc.returncode == 1, proc.stderr
        rules = {f["rule_id"] for f in json.loads(proc.stdout)["findings"]}
        assert {"RC101", "RC201"} <= rules
    # The installed checks come from the wheel, not from any source folder.
    proc = _run([str(python), "-c", "import readycheck_checks, readycheck; print(readycheck_checks.__file__); "
                                    "print(readycheck.__file__)"], tmp_path)
    assert all("site-packages" in line for line in proc.stdout.split()), proc.stdout
    assert _run([str(python.parent / "readycheck"), "--version"], tmp_path).returncode == 0


def test_third_party_plugin_is_registered_and_runs(wheel_venv, tmp_path):
    python, work = wheel_venv
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "pyproject.toml").write_text(PLUGIN_PYPROJECT)
    (plugin / "readycheck_demo_plugin.py").write_text(PLUGIN_MODULE)
    _pip(python, str(plugin))
    rules = json.loads(_run([str(python.parent / "readycheck"), "rules", "--format", "json"], tmp_path).stdout)
    assert "DEMO001" in {r["id"] for r in rules}
    repo = _hostile_repo(tmp_path / "repo")
    proc = _run([str(python.parent / "readycheck"), ".", "--format", "json", "--select", "DEMO001"], repo)
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["rule_id"], f["path"], f["line"], f["message"]) for f in findings] == [
        ("DEMO001", "Dockerfile", 2, "MAINTAINER someone")]
    explain = _run([str(python.parent / "readycheck"), "explain", "DEMO001"], tmp_path)
    assert "MAINTAINER is deprecated" in explain.stdout
    subprocess.run([str(python), "-m", "pip", "uninstall", "--quiet", "-y", "readycheck-demo-plugin"], check=True)


def test_editable_install_works(tmp_path):
    source = _copy_source(tmp_path / "src")
    python = _fresh_venv(tmp_path / "venv")
    _pip(python, "-e", str(source))
    repo = _hostile_repo(tmp_path / "repo")
    proc = _run([str(python), "-m", "readycheck", ".", "--format", "json", "--select", "RC201"], repo)
    assert proc.returncode == 1, proc.stderr
    assert [f["rule_id"] for f in json.loads(proc.stdout)["findings"]] == ["RC201"]
    where = _run([str(python), "-c", "import readycheck_checks; print(readycheck_checks.__file__)"], tmp_path).stdout
    assert Path(where.strip()).parent == source / "checks"
