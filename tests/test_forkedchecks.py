"""The event-loop checks of a big scan run in a forked copy of the scan (readycheck.engine.forkedchecks):
the same findings, diagnostics and cache records as the serial scan, however the copy ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import CHECKS, write_tree
from readycheck.api import Check
from readycheck.engine import forkedchecks
from readycheck.engine.cache import CACHE_DIR, Cache
from readycheck.engine.config import Config
from readycheck.engine.runner import scan
from test_python_codec import _monorepo

pytestmark = pytest.mark.skipif(not forkedchecks.can_fork(2), reason="no fork here")


def _report(result) -> tuple:
    return ([(f.rule_id, f.path, f.span, f.message, f.severity, f.related) for f in result.findings],
            [(f.rule_id, f.path, f.span, f.suppressed_by) for f in result.suppressed], result.diagnostics)


@pytest.fixture
def splits(monkeypatch) -> list[int]:
    """The pids of the forked copies that answered (any repository is big enough to split)."""
    monkeypatch.setattr(forkedchecks, "MIN_ASYNC_HANDLERS", 0)
    answered: list[int] = []
    real = forkedchecks._receive

    def receive(read_fd: int, pid: int, budget):
        answered.append(pid)
        return real(read_fd, pid, budget)

    monkeypatch.setattr(forkedchecks, "_receive", receive)
    return answered


def _service(root) -> None:
    """Routers that block the loop (RC401, RC402 in the copy), a root Dockerfile (RC101 here), a module
    that does not parse (a diagnostic), a suppression comment, and a helper only the call graph reaches."""
    _monorepo(root, 12)
    write_tree(root, {
        "Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nCMD [\"uvicorn\", \"app.main:app\", \"--reload\"]\n",
        "app/routers/broken.py": "from fastapi import APIRouter\nrouter = APIRouter(\n",
        "app/routers/extra.py": (
            "import hashlib\nfrom fastapi import APIRouter\nfrom app.lazy import load\n\nrouter = APIRouter()\n\n\n"
            "@router.get('/x')\nasync def x(data: bytes):\n    load()  # readycheck: ignore[RC401]\n"
            "    return hashlib.pbkdf2_hmac('sha256', data, b's', 500000)\n"),
        "app/lazy.py": "def load():\n    return open('/etc/hosts').read()\n",
    }, dedent=False)
    main = root / "app/main.py"
    main.write_text(main.read_text() + "from app.routers.extra import router as extra\napp.include_router(extra)\n")


def test_a_split_scan_finds_and_records_what_the_serial_scan_does(tmp_path, splits):
    repo = tmp_path / "repo"
    _service(repo)
    serial = scan(repo, Config(), CHECKS, jobs=1, cache=Cache(tmp_path / "serial", key=b"k" * 32))
    assert not splits
    split = scan(repo, Config(), CHECKS, jobs=2, cache=Cache(tmp_path / "split", key=b"k" * 32))
    assert len(splits) == 1
    assert _report(split) == _report(serial)
    rules = {f.rule_id for f in split.findings}
    assert {"RC101", "RC201", "RC401", "RC402"} <= rules  # from both processes
    assert any(f.rule_id == "RC401" for f in split.suppressed)
    assert any("cannot parse" in d.message for d in split.diagnostics)
    # What a rescan reuses: the same files, modules and functions read, the same facts stored.
    records = [Cache(tmp_path / name, key=b"k" * 32) for name in ("serial", "split")]
    assert records[0]._read("dependencies.bin") == records[1]._read("dependencies.bin")
    assert records[0]._read("python-facts.bin") == records[1]._read("python-facts.bin")


def test_an_edit_after_a_split_scan_is_seen_by_the_rescan(tmp_path, splits):
    """The helper only RC401's walk reads: recorded by the copy, so editing it makes the rescan look again."""
    repo = tmp_path / "repo"
    _service(repo)
    first = scan(repo, Config(), CHECKS, jobs=2, cache=Cache(repo / CACHE_DIR, key=b"k" * 32))
    assert splits
    assert any(f.rule_id == "RC401" and "open()" in f.message for f in first.suppressed)
    time.sleep(0.01)
    (repo / "app/lazy.py").write_text("def load():\n    return 'hosts'\n")
    again = scan(repo, Config(), CHECKS, jobs=2, cache=Cache(repo / CACHE_DIR, key=b"k" * 32))
    assert not any(f.rule_id == "RC401" and "open()" in f.message for f in again.suppressed)
    fresh = scan(repo, Config(), CHECKS, jobs=1)
    assert _report(again) == _report(fresh)


def test_when_the_copy_fails_this_process_runs_its_checks(tmp_path, splits, monkeypatch):
    repo = tmp_path / "repo"
    _service(repo)
    serial = scan(repo, Config(), CHECKS, jobs=1)

    def broken(*args):
        raise RuntimeError("the copy cannot answer")

    monkeypatch.setattr(forkedchecks, "_payload", broken)
    split = scan(repo, Config(), CHECKS, jobs=2)
    assert len(splits) == 1
    assert _report(split) == _report(serial)


class _Stuck(Check):
    """Stuck on the event loop: ignores the scan's alarm (as code stuck in C would) and sleeps."""

    id, name, summary, fix, tags = "RC991", "stuck", "stuck", "none", ("event-loop",)

    def run(self, project):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(30)
        return []


def test_a_copy_still_at_work_when_the_budget_runs_out_is_stopped_and_said(tmp_path, splits):
    repo = tmp_path / "repo"
    _service(repo)
    start = time.monotonic()
    result = scan(repo, Config(), [*CHECKS, _Stuck], jobs=2, timeout=3)
    assert time.monotonic() - start < 20
    assert len(splits) == 1
    assert any(f.rule_id == "RC101" for f in result.findings)  # this process's checks are reported
    assert not any(f.rule_id == "RC401" for f in result.findings)  # the copy's are lost with it
    budget = [d.message for d in result.diagnostics if d.kind == "internal"]
    assert len(budget) == 1 and "RC401" in budget[0] and "RC991" in budget[0] and "--timeout 3" in budget[0]


def test_ctrl_c_here_takes_the_copy_along(tmp_path, splits, monkeypatch):
    repo = tmp_path / "repo"
    _service(repo)
    killed: list[int] = []
    real_kill = forkedchecks._kill

    def kill(pid: int) -> None:
        killed.append(pid)
        real_kill(pid)

    def interrupted(self, project):
        raise KeyboardInterrupt

    monkeypatch.setattr(forkedchecks, "_kill", kill)
    rc101 = next(c for c in CHECKS if c.id == "RC101")
    monkeypatch.setattr(rc101, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        scan(repo, Config(), CHECKS, jobs=2)
    assert len(killed) == 1
    with pytest.raises(ProcessLookupError):  # gone, and reaped
        os.kill(killed[0], 0)


def test_no_split_with_one_job_a_small_repository_or_another_thread(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    _service(repo)
    answered: list[int] = []
    real = forkedchecks._receive
    monkeypatch.setattr(forkedchecks, "_receive", lambda fd, pid, budget: answered.append(pid) or real(fd, pid, budget))
    scan(repo, Config(), CHECKS, jobs=2)  # 37 async handlers: below MIN_ASYNC_HANDLERS
    monkeypatch.setattr(forkedchecks, "MIN_ASYNC_HANDLERS", 0)
    scan(repo, Config(), CHECKS, jobs=1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        scan(repo, Config(), CHECKS, jobs=2)
    finally:
        stop.set()
        other.join()
    assert not answered
    scan(repo, Config(), CHECKS, jobs=2)
    assert len(answered) == 1


class _Slow(Check):
    """A check of this process that runs past the budget (its alarm goes off inside it)."""

    id, name, summary, fix = "RC992", "slow", "slow", "none"

    def run(self, project):
        time.sleep(30)
        return []


def test_a_stuck_copy_is_stopped_when_this_process_spent_its_alarm_on_its_own_checks(tmp_path, splits):
    repo = tmp_path / "repo"
    _service(repo)
    start = time.monotonic()
    result = scan(repo, Config(), [*CHECKS, _Slow, _Stuck], jobs=2, timeout=2)
    assert time.monotonic() - start < 15
    assert len(splits) == 1
    budget = sorted(d.message for d in result.diagnostics if d.kind == "internal")
    assert len(budget) == 2 and any("RC992" in m for m in budget) and any("RC991" in m for m in budget)


_KILLED_PARENT = """
import os, sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from helpers import CHECKS
from readycheck.engine import forkedchecks
from readycheck.engine.config import Config
from readycheck.engine.runner import scan
from test_forkedchecks import _Stuck
forkedchecks.MIN_ASYNC_HANDLERS = 0
real_fork = os.fork
def fork():
    pid = real_fork()
    if pid:
        print(pid, flush=True)
    return pid
forkedchecks.os.fork = fork
scan(Path({repo!r}), Config(), [*CHECKS, _Stuck], jobs=2)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_scan_killed_with_sigkill_takes_its_copy_along(tmp_path):
    repo = tmp_path / "repo"
    _service(repo)
    script = tmp_path / "scan.py"
    script.write_text(_KILLED_PARENT.format(tests=str(Path(__file__).parent), repo=str(repo)))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        copy = int(proc.stdout.readline())  # the parse pool forks through multiprocessing, not this os.fork
        time.sleep(0.3)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while _alive(copy) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _alive(copy)
    if alive:
        os.kill(copy, signal.SIGKILL)
    assert not alive, "the forked copy outlived the scan"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
