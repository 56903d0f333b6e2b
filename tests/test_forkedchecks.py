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
from readycheck.api import Check, Span
from readycheck.engine import discovery, forkedchecks, incremental, runner
from readycheck.engine.cache import CACHE_DIR, Cache
from readycheck.engine.config import Config
from readycheck.engine.runner import scan
from test_hostile import _alive
from test_python_codec import _monorepo

pytestmark = pytest.mark.skipif(not forkedchecks.can_fork(), reason="no fork here")


def _report(result) -> tuple:
    return ([(f.rule_id, f.path, f.span, f.message, f.severity, f.related) for f in result.findings],
            [(f.rule_id, f.path, f.span, f.suppressed_by) for f in result.suppressed], result.diagnostics)


@pytest.fixture
def splits(monkeypatch) -> list[int]:
    """The pids of the forked copies that answered (any repository is big enough to split)."""
    monkeypatch.setattr(forkedchecks, "MIN_ASYNC_HANDLERS", 0)
    answered: list[int] = []
    real = forkedchecks._Copy.receive

    def receive(self, budget):
        answered.append(self.pid)
        return real(self, budget)

    monkeypatch.setattr(forkedchecks._Copy, "receive", receive)
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
    real_kill = forkedchecks._Copy.kill

    def kill(self) -> None:
        killed.append(self.pid)
        real_kill(self)

    def interrupted(self, project):
        raise KeyboardInterrupt

    monkeypatch.setattr(forkedchecks._Copy, "kill", kill)
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
    real = forkedchecks._Copy.receive
    monkeypatch.setattr(forkedchecks._Copy, "receive", lambda self, budget: answered.append(self.pid) or real(self, budget))
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
    budget = [d.message for d in result.diagnostics if d.kind == "internal"]  # one, as a serial scan says it
    assert len(budget) == 1 and all(f"{rule}," in budget[0] or f"{rule})" in budget[0]
                                    for rule in ("RC401", "RC402", "RC991", "RC992")), budget


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


def test_a_process_that_ignores_sigchld_still_splits_and_finds_the_same(tmp_path, splits):
    """SIGCHLD ignored (inherited from a supervisor, or a library caller's): the kernel reaps the copy,
    whose exit status cannot be had; its answer, framed with its length, is known whole all the same."""
    repo = tmp_path / "repo"
    _service(repo)
    serial = scan(repo, Config(), CHECKS, jobs=1)
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        split = scan(repo, Config(), CHECKS, jobs=2)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert len(splits) == 1
    assert _report(split) == _report(serial)


def test_the_budget_running_out_while_the_copys_answer_is_merged_loses_nothing(tmp_path, splits, monkeypatch):
    """Every check has run when the copy's answer is merged: the budget is disarmed first, so an alarm
    cannot cut the merge short (it used to reach scan(): "nothing was judged", no findings at all)."""
    from readycheck.parsers import python_codec

    repo = tmp_path / "repo"
    _service(repo)
    real = python_codec.from_bytes

    def slow(blob):  # only the merge decodes here (no cache, no parse pool for 29 modules)
        time.sleep(0.3)
        return real(blob)

    monkeypatch.setattr(python_codec, "from_bytes", slow)
    result = scan(repo, Config(), CHECKS, jobs=2, timeout=2)
    assert len(splits) == 1
    assert not any(d.kind == "internal" for d in result.diagnostics), result.diagnostics
    assert any(f.rule_id == "RC401" for f in result.findings)


def test_the_budget_running_out_between_two_checks_of_this_process(tmp_path, splits):
    """An alarm outside a check (here in the progress call before RC104) stops this process's checks
    there, and is said once with the copy's: it used to escape and crash the scan."""
    repo = tmp_path / "repo"
    _service(repo)

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "checking" and done == 3:  # RC104, a check of this process
            time.sleep(4)

    result = scan(repo, Config(), CHECKS, jobs=2, timeout=2, progress=progress)
    assert len(splits) == 1
    budget = [d.message for d in result.diagnostics if d.kind == "internal"]
    assert len(budget) == 1 and "RC104" in budget[0] and "RC601" in budget[0], budget
    assert any(f.rule_id == "RC101" for f in result.findings)  # before the alarm


def test_no_thread_runs_when_the_copy_is_forked_from_a_scan_with_a_progress_bar(tmp_path, splits, monkeypatch):
    """The terminal's progress bar redraws from a thread (rich): paused before the fork, it would
    otherwise be forked holding its lock, and the copy wait for it forever at its first redraw."""
    import io

    from readycheck.engine.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    _monorepo(tmp_path, 60)  # 120 async handlers, parsed by the worker pool before the fork
    monkeypatch.setattr(forkedchecks, "MIN_ASYNC_HANDLERS", 100)
    at_fork: list[list[str]] = []
    real_fork = os.fork

    def fork():
        import traceback

        if traceback.extract_stack()[-2].filename.endswith("forkedchecks.py"):  # not the parse pool's
            at_fork.append([t.name for t in threading.enumerate()])
        return real_fork()

    monkeypatch.setattr(forkedchecks.os, "fork", fork)
    terminal = Terminal()
    progress = Progress(delay=0, stream=terminal)
    try:
        result = scan(tmp_path, Config(), CHECKS, jobs=2, progress=progress)
    finally:
        monkeypatch.undo()
        progress.close()
    assert len(splits) == 1
    assert at_fork == [["MainThread"]]
    assert sum(f.rule_id == "RC401" for f in result.findings) == 180
    assert "checking" in terminal.getvalue()  # the bar was shown, paused and shown again


class _Reader(Check):
    """An event-loop check that reads a file, looks modules up through a prefilter and diagnoses, all
    for the first time in the copy: what a recording scan must learn from it."""

    id, name, summary, fix, tags = "RC993", "reader", "reader", "none", ("event-loop",)
    reads_only_project = True

    def run(self, project):
        notes = project.file("NOTES.txt")
        project.diagnose("NOTES.txt", f"{len(notes.text)} characters, read in pid {os.getpid()}", kind="warning")
        mentioning = project.python.service_modules_mentioning(b"kafka")
        return [self.finding("NOTES.txt", Span(1, 1, 1, 2), f"{len(mentioning)} modules mention kafka")]


def test_what_only_the_copy_read_is_recorded_and_its_answer_is_what_is_reported(tmp_path, splits):
    from readycheck.engine import incremental

    repo = tmp_path / "repo"
    _service(repo)
    (repo / "NOTES.txt").write_text("notes\n")
    (repo / "app/queue.py").write_text("import kafka\n")
    records = {}
    for jobs in (1, 2):
        cache = Cache(tmp_path / f"cache{jobs}", key=b"k" * 32)
        result = scan(repo, Config(), [*CHECKS, _Reader], jobs=jobs, cache=cache)
        records[jobs] = (Cache(tmp_path / f"cache{jobs}", key=b"k" * 32)._read("dependencies.bin")["deps"], result)
    assert len(splits) == 1
    serial, split = records[1], records[2]
    said = [d.message for d in split[1].diagnostics if d.path == "NOTES.txt"]
    assert said and f"pid {splits[0]}" in said[0]  # the copy's finding and diagnostic came back
    assert any(f.rule_id == "RC993" and f.message == "1 modules mention kafka" for f in split[1].findings)
    for part in ("content", "modules", "prefilters", "failed"):
        assert split[0][part] == serial[0][part], part
    assert "NOTES.txt" in split[0]["content"] and any(
        "app/queue.py" in paths for paths in split[0]["prefilters"].values())
    assert incremental.supported([*CHECKS, _Reader])


def test_a_warm_full_rescan_leaves_the_facts_table_as_the_serial_one_does(tmp_path, monkeypatch):
    """Modules the copy found in the cache are not stored again: a full rescan that parsed nothing
    leaves the table as it is (it used to be rewritten, and a deleted module's entry pruned)."""
    tables = {}
    for name, minimum in (("serial", 10**9), ("split", 0)):
        monkeypatch.setattr(forkedchecks, "MIN_ASYNC_HANDLERS", minimum)
        repo = tmp_path / name / "repo"
        _service(repo)
        scan(repo, Config(), CHECKS, jobs=2, cache=Cache(tmp_path / name / "cache", key=b"k" * 32))
        (repo / "app/helpers/h0.py").unlink()
        scan(repo, Config(), CHECKS, jobs=2, cache=Cache(tmp_path / name / "cache", key=b"k" * 32))
        tables[name] = Cache(tmp_path / name / "cache", key=b"k" * 32)._read("python-facts.bin")
    assert tables["split"] == tables["serial"]


def test_the_json_and_sarif_reports_are_byte_identical(tmp_path, splits):
    from readycheck.reporters import json_report, sarif

    repo = tmp_path / "repo"
    _service(repo)
    outputs = []
    for jobs in (1, 2):
        result = scan(repo, Config(), CHECKS, jobs=jobs)
        streams = [io_buffer() for _ in range(2)]
        json_report.report(result, streams[0], "repo")
        sarif.report(result, streams[1], CHECKS)
        outputs.append([s.getvalue() for s in streams])
    assert len(splits) == 1
    assert outputs[0] == outputs[1]


def io_buffer():
    import io

    return io.StringIO()


#: a(True) returns b(), b() returns a(False), which is a Session: a type that depends on itself.
_CYCLIC_HELPERS = {
    "app/helpers.py": """
        from sqlalchemy.orm import Session
        from app.db import engine

        def a(flag):
            if flag:
                return b()
            return Session(engine)

        def b():
            return a(False)
        """,
    "app/db.py": "from sqlalchemy import create_engine\nengine = create_engine('postgresql://x')\n",
    "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n',
}


def _recursive_types(root) -> None:
    """b() returns a(False), a(True) returns b(): the type of b() is unknown to the first question
    that meets the cycle, and remembered so. RC401 (the copy) asks about a() first; RC505/RC506 (here)
    about b(). (Found by review: the answer used to depend on whether RC401 had run before them.)"""
    write_tree(root, {
        "app/main.py": """
            from fastapi import FastAPI
            from app.helpers import a, b

            app = FastAPI()

            @app.get("/other")
            async def other():
                y = a(True)
                return y.foo()

            @app.get("/healthz")
            def healthz():
                x = b()
                x.execute("SELECT 1")
                return {"ok": True}
            """,
        **_CYCLIC_HELPERS})


def test_an_answer_that_depends_on_the_order_of_questions_is_the_same_with_one_job_or_two(tmp_path, splits):
    _recursive_types(tmp_path)
    serial = scan(tmp_path, Config(), CHECKS, jobs=1)
    split = scan(tmp_path, Config(), CHECKS, jobs=2)
    assert len(splits) == 1
    assert _report(split) == _report(serial)
    rules = {f.rule_id for f in serial.findings}  # b() gives a Session: /healthz reads the database
    assert "RC505" in rules and "RC506" not in rules


def test_in_one_process_the_event_loop_checks_see_the_model_as_it_was_before_the_others_ran(tmp_path):
    """With one job the others run first and the event-loop checks after them, on a copy of the
    reachability model taken before, and without what the others built since."""
    _recursive_types(tmp_path)
    seen: dict[str, object] = {}
    rc401 = next(c for c in CHECKS if c.id == "RC401")
    real = rc401.run

    def spy(self, project):
        seen["model"] = project.reachability
        seen["keys"] = set(project.__dict__)
        return real(self, project)

    rc401.run = spy
    try:
        result = scan(tmp_path, Config(), CHECKS, jobs=1)
    finally:
        rc401.run = real
    assert "model" in seen
    assert seen["model"] is not result.project.reachability  # its own copy, put aside after
    assert "engines" not in seen["keys"]  # built by RC304/RC602 since: not theirs
    assert "engines" in result.project.__dict__  # and this process goes on with the others' model


# ---- second review: the copy's failure, the grace, what the copy read from disk, fds, Ctrl-C at the fork


def _order_dependent(root) -> None:
    """b() returns a(False), a(True) returns b(). /healthz (RC505, this process) asks about a() first and
    meets the cycle at b(): b() is remembered unknown. /blocking (RC401, the event-loop group) asks about b()
    first when it runs on the model as it was when the groups parted: b() is a Session."""
    write_tree(root, {
        "app/main.py": """
            from fastapi import FastAPI
            from app.helpers import a, b

            app = FastAPI()

            @app.get("/blocking")
            async def blocking():
                x = b()
                x.execute("SELECT 1")
                return {}

            @app.get("/healthz")
            def healthz():
                y = a(True)
                y.execute("SELECT 1")
                return {"ok": True}
            """,
        **_CYCLIC_HELPERS})


def test_when_the_copy_fails_its_checks_see_the_model_as_the_copy_would(tmp_path, splits, monkeypatch):
    """run_forked's fallback (payload None) runs the event-loop checks here after the others on the
    model the others have asked since: not what the copy, nor run_isolated (-j1), sees."""
    _order_dependent(tmp_path)
    serial = scan(tmp_path, Config(), CHECKS, jobs=1)
    assert any(f.rule_id == "RC401" for f in serial.findings)

    def broken(*args):
        raise RuntimeError("the copy cannot answer")

    monkeypatch.setattr(forkedchecks, "_payload", broken)
    split = scan(tmp_path, Config(), CHECKS, jobs=2)
    assert len(splits) == 1
    assert _report(split) == _report(serial)


class _Quick(Check):
    """An event-loop check that is done at once."""

    id, name, summary, fix, tags = "RC994", "quick", "quick", "none", ("event-loop",)
    reads_only_project = True

    def run(self, project):
        return [self.finding("Dockerfile", Span(1, 1, 1, 2), "quick and done")]


class _Sleepy(Check):
    """An event-loop check that runs past the budget, where its alarm can stop it (a sleep in Python)."""

    id, name, summary, fix, tags = "RC995", "sleepy", "sleepy", "none", ("event-loop",)

    def run(self, project):
        time.sleep(30)
        return []


def test_the_copy_has_its_grace_to_send_what_it_finished_when_the_budget_runs_out(tmp_path, splits):
    """GRACE_SECONDS: the copy stops at the budget and may still take a second to send what it found. But
    this process waits for it inside its own alarm: the alarm goes off at the deadline, in select, and the
    copy is killed with what it had finished (RC401, RC402, RC994): with one job they are reported."""
    repo = tmp_path / "repo"
    _service(repo)
    checks = [*CHECKS, _Quick, _Sleepy]
    serial = scan(repo, Config(), checks, jobs=1, timeout=3)
    assert any(f.rule_id == "RC994" for f in serial.findings)
    split = scan(repo, Config(), checks, jobs=2, timeout=3)
    assert len(splits) == 1
    assert any(f.rule_id == "RC994" for f in split.findings)
    assert {f.rule_id for f in split.findings} == {f.rule_id for f in serial.findings}


class _Editor(Check):
    """An event-loop check that reports what NOTES.txt says; the file is edited while the scan runs
    (here by the check itself, once it has read it)."""

    id, name, summary, fix, tags = "RC996", "editor", "editor", "none", ("event-loop",)
    reads_only_project = True

    def run(self, project):
        notes = project.file("NOTES.txt")
        said = notes.text.strip()
        (project.root / "NOTES.txt").write_text("edited meanwhile, longer\n")
        return [self.finding("NOTES.txt", Span(1, 1, 1, 2), f"notes say {said}")]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_edited_during_the_scan_is_recorded_as_the_copy_read_it(tmp_path, splits, jobs, monkeypatch):
    """_payload takes the digest of what the copy read from ``source._data``: only set for an overlay;
    a file read from disk keeps its bytes in ``__dict__['_read']``. So read_digests stays empty and the
    record hashes the file again after the scan (the edited content): the rescan reuses a stale result."""
    repo = tmp_path / "repo"
    _service(repo)
    (repo / "NOTES.txt").write_text("original\n")
    monkeypatch.setattr(discovery, "RACY_SECONDS", 0.2)  # not hashed by the whole-result key before the scan
    monkeypatch.setattr(incremental, "RACY_SECONDS", 0.2)
    monkeypatch.setattr(runner, "RACY_SECONDS", 0.2)
    time.sleep(0.5)
    checks = [*CHECKS, _Editor]
    first = scan(repo, Config(), checks, jobs=jobs, cache=Cache(repo / CACHE_DIR, key=b"k" * 32))
    assert any(f.message == "notes say original" for f in first.findings)
    assert len(splits) == (jobs == 2)
    time.sleep(0.01)
    again = scan(repo, Config(), checks, jobs=jobs, cache=Cache(repo / CACHE_DIR, key=b"k" * 32))
    assert any(f.message == "notes say edited meanwhile, longer" for f in again.findings), \
        [f.message for f in again.findings if f.rule_id == "RC996"]


def test_the_copy_is_killed_once_and_its_pipe_closed_once(tmp_path, splits, monkeypatch):
    """_Copy.receive closes read_fd in its finally; when it raises (the budget, Ctrl-C) run_forked calls
    kill(), which closes the same number again: by then it may be another file's descriptor."""
    import traceback

    real_os = os

    closed: list[int] = []
    real_close = real_os.close

    def close(fd):
        if traceback.extract_stack()[-2].filename.endswith("forkedchecks.py"):
            closed.append(fd)
        return real_close(fd)

    monkeypatch.setattr(forkedchecks.os, "close", close)
    repo = tmp_path / "repo"
    _service(repo)
    scan(repo, Config(), [*CHECKS, _Stuck], jobs=2, timeout=2)
    assert len(splits) == 1
    assert len(closed) == len(set(closed)), closed


def test_ctrl_c_pending_at_the_fork_does_not_leave_the_copy_running(tmp_path, monkeypatch):
    """SIGINT is blocked across the fork and unblocked in _Copy.start: a Ctrl-C pressed meanwhile raises
    KeyboardInterrupt there, before run_forked's try that kills the copy on any exception."""
    real_os = os


    monkeypatch.setattr(forkedchecks, "MIN_ASYNC_HANDLERS", 0)
    real_fork = real_os.fork
    copies: list[int] = []

    def fork():
        pid = real_fork()
        if pid:
            copies.append(pid)
            real_os.kill(real_os.getpid(), signal.SIGINT)  # pending until the mask is restored
        return pid

    monkeypatch.setattr(forkedchecks.os, "fork", fork)
    repo = tmp_path / "repo"
    _service(repo)
    with pytest.raises(KeyboardInterrupt):
        scan(repo, Config(), [*CHECKS, _Stuck], jobs=2)
    monkeypatch.undo()
    assert len(copies) == 1
    time.sleep(0.5)
    alive = _alive(copies[0])
    if alive:
        real_os.kill(copies[0], signal.SIGKILL)
        real_os.waitpid(copies[0], 0)
    assert not alive, "the forked copy outlived the interrupted scan"


def test_the_model_copy_is_what_the_event_loop_checks_ask_when_the_model_exists_before_the_split(tmp_path, splits):
    """Coverage, passes on main: in the repositories of test_forkedchecks the reachability model does not
    exist yet when the groups part (nothing before asks it), so Reachability.copy() never runs there and a
    copy() returning ``self`` passes every test. Here the start command's entry point (``python run.py``,
    ``reload=DEBUG``) asks the model for a literal before the split."""
    from readycheck.model.reachability import Reachability

    _order_dependent(tmp_path)
    write_tree(tmp_path, {
        "run.py": """
            import uvicorn
            from app.config import DEBUG

            if __name__ == "__main__":
                uvicorn.run("app.main:app", host="0.0.0.0", reload=DEBUG)
            """,
        "app/config.py": "DEBUG = False\n",
        "Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "run.py"]\n',
    })
    copied: list[Reachability] = []
    real = Reachability.copy

    def copy(self):
        copied.append(self)
        return real(self)

    Reachability.copy = copy
    try:
        serial = scan(tmp_path, Config(), CHECKS, jobs=1)
    finally:
        Reachability.copy = real
    assert copied  # the model existed at the split
    split = scan(tmp_path, Config(), CHECKS, jobs=2)
    assert len(splits) == 1
    assert _report(split) == _report(serial)
    assert any(f.rule_id == "RC401" and f.path == "app/main.py" for f in serial.findings)


def test_a_copy_of_the_reachability_model_does_not_ask_the_original_through_a_rule_kept_on_it(tmp_path):
    """dbaccess keeps its rule on the model (``_database_rule``), and the rule asks the model it was made
    for: a copy that kept it would answer from the original, already asked, model."""
    from readycheck.engine.discovery import discover
    from readycheck.model.dbaccess import DatabaseRule
    from readycheck.model.project import Project

    _service(tmp_path)
    project = Project(tmp_path, discover(tmp_path, []))
    model = project.reachability
    model._database_rule = DatabaseRule(model)
    copy = model.copy()
    assert not hasattr(copy, "_database_rule")
    assert copy._edges is not model._edges and copy.index is model.index
