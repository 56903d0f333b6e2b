"""Hostile repositories: each test builds one attack in a temporary folder, with an
"outside" folder beside the checkout standing for the rest of the machine, and checks
that nothing outside the checkout was read or written (the outside files and a canary
are inspected afterwards; no tracing), that the scan did not crash or hang, and that
nothing it printed can be taken for something else (a workflow command, a finding).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import CHECKS, write_tree
from readycheck.engine.cache import CACHE_DIR, Cache
from readycheck.cli import main
from readycheck.engine.config import Config
from readycheck.engine.discovery import discover
from readycheck.model.project import Project
from readycheck.engine.runner import run_checks, scan

DOCKERFILE = 'FROM python:3.12\nCMD ["uvicorn","app:app"]\n'
POSIX = pytest.mark.skipif(os.name != "posix", reason="symbolic links and FIFOs as on POSIX")


@pytest.fixture
def world(tmp_path, monkeypatch):
    """(checkout, outside): the checkout is the current folder, as in CI; the user's cache
    key lives in a home folder of its own."""
    repo, outside = tmp_path / "checkout", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(repo)
    return repo, outside


def run(*args: str) -> int:
    return main(list(args))


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file below ``folder`` with its modification time and bytes."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(folder))] = (path.stat().st_mtime_ns, path.read_bytes())
    return out


class FifoCanary:
    """A named pipe outside the checkout that records whether anyone opened it for reading:
    a link to it in the checkout must never be followed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self.opened = threading.Event()
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        fd = os.open(self.path, os.O_WRONLY)  # blocks until a reader opens the pipe
        self.opened.set()
        try:
            os.write(fd, b"\0" * 1024)
        except OSError:
            pass
        os.close(fd)

    def was_read(self) -> bool:
        if not self.opened.is_set():
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)  # our own open ends the writer's wait
            self._thread.join(5)
            os.close(fd)
            return False
        return True


# ---------------------------------------------------------------- the cache folder


@POSIX
def test_committed_cache_folder_link_is_refused(world):
    repo, outside = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / CACHE_DIR).symlink_to(outside, target_is_directory=True)
    assert run(".") == 1
    assert run(".") == 1  # twice: the second scan would read what the first wrote
    assert snapshot(outside) == {}, "nothing may be written through the linked cache folder"


@POSIX
def test_dangling_links_in_the_cache_folder_create_nothing(world):
    repo, outside = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / CACHE_DIR).mkdir()
    for name in (".gitignore", "result.bin", "discovery.bin", "python-facts.bin"):
        (repo / CACHE_DIR / name).symlink_to(outside / f"created-{name}")
    assert run(".") == 1
    assert run(".") == 1
    assert snapshot(outside) == {}
    # A cache file is replaced by renaming a new file over the link (the link itself goes),
    # never written through it.
    assert not (repo / CACHE_DIR / "result.bin").is_symlink()


@POSIX
def test_cache_files_linked_to_devices_and_pipes_are_never_read(world):
    repo, outside = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / CACHE_DIR).mkdir()
    (repo / CACHE_DIR / "discovery.bin").symlink_to("/dev/zero")  # was: unbounded read, MemoryError
    canary = FifoCanary(outside / "pipe")
    (repo / CACHE_DIR / "result.bin").symlink_to(canary.path)
    assert run(".", "--format", "gnu") == 1
    assert not canary.was_read()


def test_cache_file_is_read_with_a_size_bound(world, monkeypatch):
    import readycheck.engine.cache as cache_module

    repo, _ = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / CACHE_DIR).mkdir()
    (repo / CACHE_DIR / "discovery.bin").write_bytes(cache_module.FORMAT + b"x" * 4096)
    monkeypatch.setattr(cache_module, "MAX_CACHE_BYTES", 1024)
    read = []
    real_read = cache_module.RootDir.read

    def spy(self, relpath, limit):
        read.append(limit)
        return real_read(self, relpath, limit)

    monkeypatch.setattr(cache_module.RootDir, "read", spy)
    assert Cache(repo / CACHE_DIR).discovery([str(repo), []]) is None
    assert read == [1024]


def test_killed_scans_temporary_files_are_removed(world):
    repo, _ = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / CACHE_DIR).mkdir()
    stale, fresh = repo / CACHE_DIR / ".tmp-dead.bin", repo / CACHE_DIR / ".tmp-live.bin"
    stale.write_bytes(b"half written")
    fresh.write_bytes(b"another scan is writing this")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    assert run(".") == 1
    assert not stale.exists()
    assert fresh.exists(), "a temporary file of a scan still running is left alone"


@POSIX
def test_cache_folder_of_another_user_is_not_used(world, monkeypatch):
    repo, _ = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / CACHE_DIR).mkdir()
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(repo).st_uid + 1)
    cache = Cache(repo / CACHE_DIR)
    cache.prepare()
    assert not cache.enabled
    assert list((repo / CACHE_DIR).iterdir()) == []


# ---------------------------------------------------------------- reports and baselines


@POSIX
def test_report_never_written_through_a_committed_link(world, capsys):
    repo, outside = world
    victim = outside / "victim.txt"
    victim.write_text("precious\n")
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / "readycheck.sarif").symlink_to(victim)
    (repo / "reports").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    assert run(".", "--format", "sarif", "--output", "readycheck.sarif", "--github-annotations") == 2
    assert "symbolic link" in capsys.readouterr().err
    assert run(".", "--format", "sarif", "--output", "reports/out.sarif") == 2
    assert run(".", "--write-baseline", "reports/baseline.json") == 2
    assert snapshot(outside) == before


@POSIX
def test_baseline_and_configuration_never_read_through_a_link(world, capsys):
    repo, outside = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    secret = outside / "secret.toml"
    secret.write_text('canary_key_from_outside = 1\n[tool.readycheck]\ncanary_key_from_outside = 1\n')
    (repo / "readycheck.toml").symlink_to(secret)
    canary = FifoCanary(outside / "pipe")
    (repo / "pyproject.toml").symlink_to(canary.path)
    assert run(".", "--format", "gnu") == 1  # the linked configuration is not the configuration
    captured = capsys.readouterr()
    assert "canary_key_from_outside" not in captured.out + captured.err
    assert not canary.was_read()
    (repo / "baseline.json").symlink_to(secret)
    assert run(".", "--baseline", "baseline.json") == 2
    assert "canary_key_from_outside" not in capsys.readouterr().err


def test_deeply_nested_baseline_is_a_usage_error(world, capsys):
    repo, _ = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / ".readycheck-baseline.json").write_text("[" * 100_000 + "]" * 100_000)
    assert run(".", "--baseline", ".readycheck-baseline.json") == 2
    assert "nested too deep" in capsys.readouterr().err


# ---------------------------------------------------------------- files swapped for links


@POSIX
def test_folder_swapped_for_a_link_after_discovery_is_not_read(world):
    repo, outside = world
    (outside / "Dockerfile").write_text("FROM python:3.12\nCMD uvicorn OUTSIDE_SECRET:app --reload\n")
    write_tree(repo, {"svc/Dockerfile": 'FROM python:3.12-slim\nUSER app\nCMD ["gunicorn","inside:app"]\n'})
    for keep_open in (True, False):
        files = discover(repo)
        if not keep_open:
            files[0].base.close()  # the folder's descriptor is opened again, component by component
        (repo / "svc").rename(repo / "svc.real")
        (repo / "svc").symlink_to(outside, target_is_directory=True)  # what the race swaps in, mid-scan
        result = run_checks(Project(repo, files), Config(), CHECKS)
        (repo / "svc").unlink()
        (repo / "svc.real").rename(repo / "svc")
        assert not any("OUTSIDE_SECRET" in f.message or f.rule_id == "RC201" for f in result.findings)
        if keep_open:  # read through the descriptor opened before the swap: the real folder
            assert {f.rule_id for f in result.findings} >= {"RC113"}
        else:
            assert any(d.path == "svc/Dockerfile" and "symbolic link" in d.message for d in result.diagnostics)


@POSIX
def test_links_inside_the_checkout_are_never_listed_or_read(world):
    repo, outside = world
    (outside / "Dockerfile").write_text("FROM python:3.12\nCMD uvicorn OUTSIDE_SECRET:app --reload\n")
    (outside / ".gitignore").write_text("*\n")
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    (repo / "Dockerfile").symlink_to(outside / "Dockerfile")
    (repo / ".gitignore").symlink_to(outside / ".gitignore")
    write_tree(repo, {"app/Dockerfile": DOCKERFILE})
    result = scan(repo, Config(), CHECKS)
    assert {f.path for f in result.findings} == {"app/Dockerfile"}


@POSIX
def test_fix_never_writes_through_a_swapped_link(world):
    from readycheck.core.fixes import write_source

    repo, outside = world
    victim = outside / "Dockerfile"
    victim.write_text("precious\n")
    write_tree(repo, {"svc/Dockerfile": DOCKERFILE})
    source = discover(repo)[0]
    source.base.close()
    (repo / "svc").rename(repo / "svc.real")
    (repo / "svc").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OSError):
        write_source(source, "FROM evil\n")
    assert victim.read_text() == "precious\n"


# ---------------------------------------------------------------- stale results


def test_same_size_and_mtime_edit_is_not_answered_from_the_cache(world, capsys):
    repo, _ = world
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text('FROM python:3.12-slim\nUSER appx\nCMD ["gunicorn","app:app"]\n')
    os.utime(dockerfile, ns=(1_000_000_000 * 10**9, 1_000_000_000 * 10**9))
    assert run(".", "--format", "gnu", "--select", "RC101") == 0
    dockerfile.write_text('FROM python:3.12-slim\nUSER root\nCMD ["gunicorn","app:app"]\n')  # as tar/cp -p restore it
    os.utime(dockerfile, ns=(1_000_000_000 * 10**9, 1_000_000_000 * 10**9))
    capsys.readouterr()
    assert run(".", "--format", "gnu", "--select", "RC101") == 1
    assert "USER root" in capsys.readouterr().out


def test_racy_files_are_keyed_by_content(world, monkeypatch):
    """A file whose status cannot tell an edit apart (changed within the racy window, on a
    file system whose clock does not move) is hashed."""
    import readycheck.engine.runner as runner

    repo, _ = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    files = discover(repo)
    first = runner.result_key(files, Config(), CHECKS)
    frozen = files[0].stat()
    (repo / "Dockerfile").write_text(DOCKERFILE.replace("3.12", "3.13"))
    monkeypatch.setattr(type(files[0]), "stat", lambda self: frozen)
    monkeypatch.setattr(runner, "RACY_SECONDS", 10**9)
    files = discover(repo)
    assert runner.result_key(files, Config(), CHECKS) != first


# ---------------------------------------------------------------- code is never run


def test_readycheck_command_never_imports_the_checkouts_package(world):
    repo, outside = world
    (repo / "readycheck").mkdir()
    (repo / "readycheck" / "__init__.py").write_text(f"open({str(outside / 'PWNED')!r}, 'w').write('ran')\n")
    (repo / "readycheck" / "__main__.py").write_text("print('No findings')\n")
    command = shutil.which("readycheck") or str(Path(sys.executable).with_name("readycheck"))
    subprocess.run([command, ".", "--no-cache"], cwd=repo, capture_output=True, timeout=120)
    assert not (outside / "PWNED").exists()


def _ci():
    import importlib.util

    spec = importlib.util.spec_from_file_location("action_ci", Path(__file__).parent.parent / "action" / "ci.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_action_and_hook_never_run_python_m_in_the_checkout(tmp_path, monkeypatch):
    """The Action's steps run its script by path and readycheck's console script; every module it
    runs with -m (venv, pip) runs isolated (-I), so the checkout (the current folder) is off sys.path."""
    import yaml

    root = Path(__file__).parent.parent
    action = yaml.safe_load((root / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "-m readycheck" not in step.get("run", "")
    assert all(hook["entry"] == "readycheck" for hook in yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text()))
    ci = _ci()
    ran: list[list[str]] = []
    monkeypatch.setattr(ci.subprocess, "run", lambda command, **kw: ran.append(list(command)))
    monkeypatch.setenv("RC_VENV", str(tmp_path / "venv"))
    monkeypatch.setenv("RC_SPEC", "readycheck-cli")
    monkeypatch.setenv("RC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    ci.install()
    assert ran and all("-m" not in command or command[command.index("-m") - 1] == "-I" for command in ran), ran
    assert Path(ci.scan_command()[0]).name == "readycheck"


def test_action_never_expands_globs_in_args(tmp_path, monkeypatch):
    ci = _ci()
    (tmp_path / "--exit-zero").write_text("")  # a file name chosen by the checkout
    monkeypatch.chdir(tmp_path)
    for name, value in {"RC_VENV": str(tmp_path / "venv"), "RC_CACHE_DIR": str(tmp_path / "cache"),
                        "RC_ARGS": "* --strict"}.items():
        monkeypatch.setenv(name, value)
    command = ci.scan_command()
    assert command[-2:] == ["*", "--strict"] and "--exit-zero" not in command


# ---------------------------------------------------------------- crashes become diagnostics


def _no_internal(capsys_out: str) -> None:
    assert "check crashed" not in capsys_out and "Traceback" not in capsys_out


def test_invalid_byte_in_a_helm_template(world, capsys):
    repo, _ = world
    write_tree(repo, {"chart/templates/pod.yaml": b"apiVersion: v1\nkind: Pod\n\xff\n",
                      "chart/templates/deploy.yaml": b"apiVersion: apps/v1\nkind: Deployment\nx: {{ .V }}\n\xff\n"})
    assert run(".", "--no-cache") == 0
    out = capsys.readouterr().out
    _no_internal(out)
    assert "chart/templates/pod.yaml: not valid UTF-8" in out and "chart/templates/deploy.yaml" in out
    assert run("inspect", ".") == 0
    _no_internal(capsys.readouterr().out)


def test_compose_file_past_the_node_limit_is_a_diagnostic(world, capsys):
    """hostile-repos.sh big-compose-not-judged: a compose file of 26,000 plain services (no aliases)
    expands past the YAML node limit: the file is reported as not read, in bounded time, and the
    scan finishes without a crash or a finding from it."""
    repo, _ = world
    services = "".join(f"  svc{i}:\n    image: python:3.12\n    command: uvicorn app.main:app\n    restart: always\n"
                       for i in range(26000))
    write_tree(repo, {"docker-compose.yml": "services:\n" + services}, dedent=False)
    started = time.monotonic()
    assert run(".", "--no-cache", "--format", "gnu") == 0
    out = capsys.readouterr().out
    _no_internal(out)
    assert "docker-compose.yml:1:1: not judged: cannot parse YAML: YAML expands to more than 200,000 nodes" in out
    assert "RC2" not in out and time.monotonic() - started < 60


def test_unbalanced_helm_blocks_are_read_as_written(world, capsys):
    """An {{- if }} without its {{- end }}, an {{- end }} without its if, a "{{" never closed and a stray
    "}}": no crash, and the commands around them are still read and judged."""
    repo, _ = world
    write_tree(repo, {"chart/templates/api.yaml": """
        {{- if .Values.api.enabled }}
        {{- end }}{{- end }}
        apiVersion: apps/v1
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - name: api
                  command:
                    - sh
                    - -c
                    - |
                      {{- if .Values.migrate }}
                      {{- range .Values.x }}
                      alembic upgrade head &&
                      }}
                      uvicorn app.main:app --reload
        """, "chart/templates/worker.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - name: worker
                  command: ["celery", "-A", "app", "worker"]
                  args: ["{{ .Values.queue"]
        """})
    assert run(".", "--no-cache", "--select", "RC201,RC601") == 1
    out = capsys.readouterr().out
    _no_internal(out)
    assert "16:15  warning RC601" in out and "18:36  error   RC201" in out
    assert run("inspect", ".") == 0
    _no_internal(capsys.readouterr().out)


def test_dockerignore_line_ending_in_a_backslash(world, capsys):
    repo, _ = world
    write_tree(repo, {"Dockerfile": 'FROM python:3.12-slim\nUSER app\nCOPY . .\nCMD ["gunicorn","app:app"]\n',
                      ".dockerignore": ".git\nfoo\\\n"})
    assert run(".", "--no-cache", "--select", "RC116") == 1
    out = capsys.readouterr().out
    _no_internal(out)
    assert "does not exclude .env" in out


def test_deeply_nested_json_in_a_dockerfile_and_lockfile(world, capsys):
    repo, _ = world
    deep = "[" * 100_000 + "]" * 100_000
    write_tree(repo, {"Dockerfile": f"FROM python:3.12-slim\nUSER app\nCMD {deep}\n", "Pipfile.lock": deep,
                      "railway.json": deep, "requirements.txt": "fastapi==1.0\n"})
    assert run(".", "--no-cache") in (0, 1)
    _no_internal(capsys.readouterr().out)


# ---------------------------------------------------------------- forged output

#: Every character class a scanned file can use to forge or hide output.
HOSTILE = "\r\n::error title=FORGED::x\x00\x1b[2J\u202e\u2066`%0A%::\ud800"
HOSTILE_NAME = "x\n::error title=FORGED::\x1b[31m\u202e`<img src=x> **No findings** %0A"
#: A workflow command the scanned text would have started on a line of its own.
FORGED_LINE = re.compile(r"^::[a-z-]+ title=FORGED|^::add-mask::", re.MULTILINE)
RAW = ("\x00", "\x1b", "\u202e", "\u2066")


@pytest.fixture
def hostile_repo(world):
    repo, _ = world
    route = HOSTILE.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    write_tree(repo, {
        "app/main.py": ("import time\nfrom fastapi import FastAPI\napp = FastAPI()\n"
                        f'@app.get("/x{route}")\nasync def h():\n    time.sleep(1)\n'),
        "docker-compose.yml": ('services:\n  "api' + HOSTILE.replace("\ud800", "").encode("unicode_escape")
                               .decode("ascii").replace('"', '\\"') + '":\n    command: uvicorn app.main:app --reload\n'),
        f"{HOSTILE_NAME}/Dockerfile": DOCKERFILE,
    })
    return repo


def _check_lines(text: str) -> None:
    assert not FORGED_LINE.search(text), text
    for char in RAW + ("\ud800",):
        assert char not in text, f"{char!r} printed raw"


@pytest.mark.parametrize("fmt", ["text", "gnu", "github"])
def test_line_formats_escape_every_hostile_character(hostile_repo, capsys, fmt):
    code = run(".", "--no-cache", "--format", fmt)
    captured = capsys.readouterr()
    assert code == 1
    _check_lines(captured.out + captured.err)
    assert "FORGED" in captured.out  # the text is there, escaped
    if fmt == "github":
        for line in captured.out.splitlines():
            assert line.startswith(("::error ", "::warning ", "::notice ")), line
            assert "\r" not in line


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_formats_escape_every_hostile_character(hostile_repo, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    assert run(".", "--no-cache", "--format", fmt, "-o", str(out)) == 1
    text = out.read_text(encoding="utf-8")
    for char in RAW:
        assert char not in text
    document = json.loads(text)
    assert "FORGED" in text and document
    if fmt == "sarif":
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
        assert all(re.fullmatch(r"[A-Za-z0-9_.~/%!$&'()*+,;=@-]+", uri) for uri in uris), uris


def test_junit_escapes_every_hostile_character(hostile_repo, tmp_path):
    out = tmp_path / "report.xml"
    assert run(".", "--no-cache", "--format", "junit", "-o", str(out)) == 1
    text = out.read_text(encoding="utf-8")
    for char in RAW:
        assert char not in text
    ET.fromstring(text.encode("utf-8"))


def test_job_summary_renders_hostile_paths_literally(hostile_repo, tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run(".", "--no-cache", "--format", "sarif", "-o", str(tmp_path / "r.sarif"), "--github-annotations") == 1
    _check_lines(capsys.readouterr().out)
    text = summary.read_text(encoding="utf-8")
    for char in RAW:
        assert char not in text
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<img" not in html and "<strong>No findings" not in html, "a scanned path rendered as Markdown/HTML"
    assert html.count("<tr>") >= 3, "every finding is a row of the table (no cell ended early)"
    assert "&lt;img src=x&gt;" in html, "the path is shown as typed"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_inspect_escapes_every_hostile_character(hostile_repo, capsys, fmt):
    assert run("inspect", ".", "--format", fmt) == 0
    out = capsys.readouterr().out
    for char in RAW:
        assert char not in out
    if fmt == "json":
        json.loads(out)
    else:
        _check_lines(out)
    assert "FORGED" in out


def test_configuration_errors_escape_keys_on_stderr(world, capsys):
    repo, _ = world
    (repo / "pyproject.toml").write_text('[tool.readycheck]\n"x\\n::error title=FORGED::k\\n::add-mask::readycheck'
                                         '\\u001b[2J\\u202e" = 1\n')
    assert run(".", "--no-cache") == 2
    _check_lines(capsys.readouterr().err)


def test_python_warnings_never_reach_stderr(world, capsys):
    repo, _ = world
    name = "x\n::error title=FORGED::from a file name\nx.py"
    (repo / name).write_text('from fastapi import FastAPI\napp = FastAPI()\nPAT = "\\d+"\nX: "a\\q" = 1\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(".", "--no-cache", "-j", "1")
    assert not [w for w in caught if issubclass(w.category, (SyntaxWarning, DeprecationWarning))
                and "escape" in str(w.message)]
    _check_lines(capsys.readouterr().err)


# ---------------------------------------------------------------- time


def test_timeout_reports_what_it_has(world, monkeypatch):
    import readycheck.engine.runner as runner

    repo, _ = world
    write_tree(repo, {"Dockerfile": DOCKERFILE, "requirements.txt": "fastapi\n"})
    target = runner.selected_checks(CHECKS, Config())[2]

    def hanging_run(self, project):
        time.sleep(5)  # a check that would hang the job
        return []

    monkeypatch.setattr(target, "run", hanging_run)
    started = time.monotonic()
    result = scan(repo, Config(), CHECKS, timeout=1.0)
    assert time.monotonic() - started < 4
    assert result.internal_errors
    assert any(d.path == "<scan>" and "--timeout 1" in d.message and target.id in d.message for d in result.diagnostics)
    assert result.findings, "the findings of the checks that ran are reported"


def test_timeout_on_the_command_line_exits_2(world, capsys):
    repo, _ = world
    (repo / "Dockerfile").write_text(DOCKERFILE)
    assert run(".", "--timeout", "0") == 2
    assert "--timeout must be a positive" in capsys.readouterr().err
    assert run(".", "--timeout", "600") == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_scan(tmp_path):
    module = "from fastapi import APIRouter\nrouter = APIRouter()\n" + "".join(
        f"@router.get('/r{k}')\nasync def r{k}():\n    return [i for i in range({k})]\n" for k in range(60))
    write_tree(tmp_path, {f"pkg{i}/m{j}.py": module for i in range(20) for j in range(30)})
    command = shutil.which("readycheck") or str(Path(sys.executable).with_name("readycheck"))
    proc = subprocess.Popen([command, ".", "--no-cache", "-j", "3"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.02)
    if not workers:
        proc.wait()
        pytest.skip("the scan parsed without workers on this machine")
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [pid for pid in workers if _alive(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "parse workers outlived the scan"


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


# ---------------------------------------------------------------- linear time, per front end


def _seconds(tmp_path: Path, files: dict[str, str]) -> float:
    """The best of three in-process scans of a repository holding ``files``."""
    root = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    write_tree(root, files, dedent=False)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        scan(root, Config(), CHECKS)
        best = min(best, time.perf_counter() - started)
    return best


_BACKSLASHES = "\\\\" * 10  # ten escaped backslashes, written \\ in TOML and JSON

SCALING = {
    "procfile": lambda n: {"Procfile": "web: x" + " " * (n * 20) + "y\n"},
    "helm": lambda n: {"chart/templates/x.yaml": "apiVersion: v1\nkind: Pod\na: " + "{{" * (n * 4) + "\n"},
    # a long sh -c script in a block scalar: aligned with the file once, not once per word (was quadratic)
    "helm-script": lambda n: {"chart/templates/x.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
                              "    - name: a\n      command:\n        - sh\n        - -c\n        - |\n"
                              + "          true &&\n" * n + "          uvicorn app:app --port {{ .Values.p }}\n"},
    # control blocks inside a block scalar and around env entries: every directive-only line is dropped
    "helm-blocks": lambda n: {"chart/templates/x.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
                              "    - name: a\n      command:\n        - sh\n        - -c\n        - |\n"
                              + "          {{- if .Values.x }}{{ end }}\n          {{- end }}\n" * n
                              + "          uvicorn app:app --port {{ .Values.p }}\n      env:\n"
                              + "      {{- if .Values.y }}\n        - name: A\n          value: x\n      {{- end }}\n" * n},
    # if/else blocks: the if branch of each is dropped, in one pass however many there are
    "helm-else": lambda n: {"chart/templates/x.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
                            "    - name: a\n      command:\n        - sh\n        - -c\n        - |\n"
                            + "          {{- if .Values.x }}\n          a &&\n          {{- else }}\n"
                              "          b &&\n          {{- end }}\n" * n
                            + "          uvicorn app:app --port {{ .Values.p }}\n"},
    "dockerfile": lambda n: {"Dockerfile": "FROM python:3.12-slim\nRUN " + "apt " * (n * 4) + "\nUSER app\n"
                             "HEALTHCHECK CMD curl -f http://localhost/\nCMD [\"gunicorn\",\"app:app\"]\n"},
    # a word that names PYTHON again and again (a starred pattern around PYTHON backtracked per copy)
    "python-variable": lambda n: {"Dockerfile": 'FROM python:3.12-slim\nUSER app\nCMD ["$' + "PYTHON" * n
                                  + '!", "app.py"]\n'},
    "pyproject": lambda n: {"pyproject.toml": '[project]\nname = "x"\n' + "\n" * (n * 20)
                            + 'version = "1"\ndependencies = ["fastapi==1.0"]\n'},
    # the located TOML/JSON reader: many tables and keys, strings full of escaped backslashes
    "fly-toml": lambda n: {"fly.toml": "".join(f'[[services]]\ninternal_port = {i}\nx = "{_BACKSLASHES}"\n'
                                                for i in range(n)) + '[processes]\nweb = "gunicorn app:app"\n'},
    "railway-json": lambda n: {"railway.json": '{"deploy": {"startCommand": "gunicorn app:app", "x": ['
                               + ", ".join(f'"{_BACKSLASHES}{i}"' for i in range(n * 4)) + "]}}"},
    "python": lambda n: {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n" + "except " * (n * 4) + "\n"},
    "python-strings": lambda n: {"app/main.py": 'from fastapi import FastAPI\napp = FastAPI()\n'
                                 'U = "postgresql://u:p@h/db"\nX = "' + "a." * (n * 4) + '"\n'},
    "compose": lambda n: {"docker-compose.yml": "services:\n" + "".join(
        f'  s{i}: {{environment: {{DATABASE_URL: "postgresql://u:p@db/x"}}}}\n' for i in range(n))},
    # an ECS CloudFormation template: many task definitions and schedules (roles found in one pass)
    "ecs-cloudformation": lambda n: {"infra/tasks.yaml": "Resources:\n" + "".join(
        f"  Task{i}:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n"
        f"        - Name: c\n          Command: [python, -m, job{i}]\n"
        f"  Rule{i}:\n    Type: AWS::Events::Rule\n    Properties:\n      Targets:\n"
        f"        - EcsParameters: {{TaskDefinitionArn: !Ref Task{i}}}\n" for i in range(n // 10))},
    # many COPY sources in a service's Dockerfile, in a repository of many files: each source is looked
    # for (build_contexts) in a set of folders, not in every path
    "dockerfile-copies": lambda n: {"svc/Dockerfile": "FROM python:3.12-slim\n" + "".join(
        f"COPY lib{i}/ /app/lib{i}/\n" for i in range(n)) + 'USER app\nCMD ["gunicorn", "app:app"]\n',
        **{f"data/d{i}/f.txt": "" for i in range(n // 4)}},
    # a supervisor script: many functions calling each other, many traps naming them, many commands between
    # the server started in the background and the wait (each function's answer worked out once)
    "supervisor-script": lambda n: {"Dockerfile": 'FROM python:3.12-slim\nCOPY start.sh /start.sh\nUSER app\n'
                                    'CMD ["/start.sh"]\n', "start.sh": "#!/bin/bash\n" + "".join(
        f"f{i}() {{ f{i + 1}; f{i + 2}; }}\n" for i in range(n // 4)) + "trap f0 TERM\n" * (n // 4)
        + "uvicorn app:app &\n" + "true\n" * n + "wait\n"},
    "gitignore-glob": lambda n: {".gitignore": "*a*a*a*a*a*a*a*a*b\n", **{f"d{i}/" + "a" * 60: "" for i in range(n // 40)}},
    "gitignore-size": lambda n: {".gitignore": "x" * (n * 100), "a.py": ""},
}


@pytest.mark.parametrize("front_end", sorted(SCALING))
def test_time_grows_linearly(tmp_path, front_end):
    """Four times the input takes about four times as long (a quadratic front end takes 16x):
    a ratio, with room for a busy machine (the best of three runs each, under 10x; measured once
    more, keeping the best of each size, when a load spike on a shared runner made it fail)."""
    build = SCALING[front_end]
    small, large = _seconds(tmp_path, build(1000)), _seconds(tmp_path, build(4000))
    if not (large < 0.2 or large / max(small, 0.02) < 10):  # a load spike on a shared runner: measure again
        small = min(small, _seconds(tmp_path, build(1000)))
        large = min(large, _seconds(tmp_path, build(4000)))
    assert large < 0.2 or large / max(small, 0.02) < 10, f"{front_end}: {small:.3f}s -> {large:.3f}s for 4x the input"


def test_many_findings_on_one_long_line_print_a_bounded_report(world, capsys):
    repo, _ = world
    (repo / "Dockerfile").write_text("FROM python:3.12-slim\nUSER app\nRUN pip install --no-cache-dir "
                                     + " ".join(f"pkg{i}" for i in range(3000)) + '\nCMD ["gunicorn","app:app"]\n')
    assert run(".", "--no-cache", "--select", "RC305") == 1
    out = capsys.readouterr().out
    assert len(out) < 10_000, f"{len(out):,} bytes of text report"
    assert "and 2995 more RC305 findings on this line" in out
    assert run(".", "--no-cache", "--select", "RC305", "--format", "json") == 1
    assert len(json.loads(capsys.readouterr().out)["findings"]) == 3000


def test_report_is_written_as_a_stream(world):
    from helpers import scan_tree
    from readycheck.reporters import text

    repo, _ = world
    (repo / "requirements.txt").write_text("".join(f"pkg{i}\n" for i in range(200)))
    result = scan_tree(repo)
    writes: list[str] = []

    class Sink:
        def write(self, chunk: str) -> None:
            writes.append(chunk)

    text.report(result, Sink(), color=False, display=lambda p: p)
    assert len(writes) > 200 and max(map(len, writes)) < 2_000


def test_ignore_pattern_longer_than_any_path_is_not_compiled():
    """A 2 MB .gitignore line took minutes to compile; longer than PATH_MAX, it matches nothing (as in git)."""
    from readycheck.engine.discovery import _gitignore_spec

    spec = _gitignore_spec(["x" * 5000, "*.pyc"])
    assert spec is not None and len(spec.patterns) == 1
    assert spec.match_file("a.pyc") and not spec.match_file("x" * 5000)
