"""The checks of a big scan split across two processes: the event-loop checks in a forked copy of this one.

Why: once the files are parsed, a scan of a big service spends most of its time in the checks, one
after the other, on one core. The event-loop checks (RC401, RC402: the tag ``event-loop``) walk the
call graph from every route and dependency (readycheck.model.reachability) and take about half of
that time; no other check needs their part of the model (``code_on_the_loop`` and the walks). So,
once the model every check shares is built (the start commands and the web model, with the Python
facts they read), this process forks: the copy runs the event-loop checks while this one runs the
rest, and sends back what it found. The copy inherits the model through ``fork``, nothing is encoded
to get it there; what comes back is small (findings, diagnostics, and what a recording scan read).
When this process is done first, it encodes the facts it parsed for the cache while it waits.

The result is the serial one, byte for byte: each check sees the same repository and the same model
(every part of it is a pure function of the files), the findings are put back in the checks' order,
the diagnostics are a sorted set, and what the copy read (files, functions of modules, prefilters,
modules it parsed that this process had not) is added to this process's records, so that the cache
and the incremental rescan see every read (readycheck.engine.incremental).

When not: fewer than ``MIN_ASYNC_HANDLERS`` async route handlers (the fork and the exchange would cost
more than they save), one job, no ``os.fork`` (Windows), macOS (forking a process that may have loaded system
frameworks is unsafe there), or another thread running in this process (a library caller's: a lock
it holds at the fork would stay held in the copy forever). When the copy fails in any way, this
process runs its checks itself: slower, same result.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Callable

from readycheck.core import sourcefile
from readycheck.engine.budget import Budget, BudgetExceeded

if TYPE_CHECKING:
    from readycheck.core.check import Check
    from readycheck.core.findings import Finding
    from readycheck.model.project import Project

#: The checks the forked copy runs: the ones that walk the call graph (see the module's docstring).
FORKED_TAGS = frozenset({"event-loop"})
#: The event-loop checks walk from every async route handler: below this many they take a few tens of
#: milliseconds (about 1 ms a handler on polar's repository, whose walks are deep), no more than the fork
#: and the exchange cost. Django services and libraries have none, however many modules they have.
MIN_ASYNC_HANDLERS = 100

#: How long after the budget has run out the copy may still take to send what it found before it stops.
GRACE_SECONDS = 1.0

#: run(checks) -> each check's findings, in order (readycheck.engine.runner binds the rest).
RunChecks = Callable[[list["type[Check]"]], list[list["Finding"]]]


def split(checks: list[type[Check]]) -> tuple[list[type[Check]], list[type[Check]]]:
    """(checks this process runs, checks the forked copy runs), each in the given order."""
    away = [c for c in checks if FORKED_TAGS.intersection(c.tags)]
    return [c for c in checks if c not in away], away


def can_fork(jobs: int) -> bool:
    return (jobs >= 2 and hasattr(os, "fork") and sys.platform != "darwin"
            and threading.active_count() == 1)


def run_split(project: Project, checks: list[type[Check]], jobs: int, budget: Budget, total: int,
              run: RunChecks) -> list[list[Finding]] | None:
    """Each check's findings, in order, the event-loop checks run in a forked copy; None when this
    scan is not worth splitting (the caller runs the checks itself). ``total``: how many checks the
    scan runs in all, for the diagnostic of a budget that runs out while the copy is still at work."""
    home, away = split(checks)
    if not home or not away or not can_fork(jobs):
        return None
    try:  # what every check reads: built here once, inherited by the copy
        _shared = project.start_commands, project.web  # noqa: F841
    except (Exception, BudgetExceeded):  # the serial run meets it again, inside a check, and says so
        return None
    index = project.__dict__.get("python")
    if index is None or sum(handler.is_async for _, handler in project.web.handlers()) < MIN_ASYNC_HANDLERS:
        return None
    before = set(index._facts)
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the copy: never returns
        os.close(read_fd)
        _child(project, away, budget, run, before, write_fd, parent)
    os.close(write_fd)
    try:
        found_home = run(home)
        if project.cache is not None:  # while the copy works: the facts parsed here, encoded for the cache
            project.cache.encode_pending()
        payload = _receive(read_fd, pid, budget)
    except BudgetExceeded:  # this process's checks are done (they stop at the budget themselves)
        _kill(pid)
        project.diagnose("<scan>", f"{budget.describe()}: {len(away)} of {total} checks not run or not finished "
                                   f"({', '.join(c.id for c in away)}); the findings shown are the others'",
                         kind="internal")
        payload = {"found": [[] for _ in away], "diagnostics": [], "modules": [], "prefilters": {},
                   "function_reads": None, "content_reads": None}
    except BaseException:  # Ctrl-C: the copy goes too
        _kill(pid)
        raise
    finally:
        os.close(read_fd)
    found_away = _merge(project, payload) if payload is not None else run(away)
    by_check = dict(zip(home, found_home)) | dict(zip(away, found_away))
    return [by_check[c] for c in checks]


def _child(project: Project, checks: list[type[Check]], budget: Budget, run: RunChecks, before: set[str],
           write_fd: int, parent: int) -> None:
    from readycheck.engine.parsepool import _die_with_parent

    code = 1
    try:
        _die_with_parent(parent)  # a scan killed with SIGKILL takes its copy along, as it does its parse workers
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it, the copy just ends
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)  # the copy writes nothing but its answer: no progress, warning or traceback
        os.dup2(devnull, 2)
        with budget.alarm():  # a timer is not inherited through fork
            found = run(checks)
        data = pickle.dumps(_payload(project, found, before), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
        code = 0
    finally:
        os._exit(code)  # no clean-up of the parent's: no buffers flushed twice, no cache written


def _payload(project: Project, found: list[list[Finding]], before: set[str]) -> dict:
    from readycheck.parsers import python as python_parser
    from readycheck.parsers.python_codec import to_bytes

    index = project.__dict__["python"]
    tables = {id(facts.functions): path for path, facts in index._facts.items() if facts is not None}
    function_reads = python_parser.FUNCTION_READS
    content_reads = sourcefile.CONTENT_READS
    return {
        "found": found,
        "diagnostics": list(project._diagnostics.values()),
        "modules": [(path, index.digests.get(path), to_bytes(index._facts[path]) if index._facts[path] else None)
                    for path in index._facts if path not in before],
        "prefilters": index.prefilters,
        "function_reads": None if function_reads is None else
        [(tables[table], key) for table, key in function_reads if table in tables],
        "content_reads": None if content_reads is None else sorted(content_reads),
    }


def _receive(read_fd: int, pid: int, budget: Budget) -> dict | None:
    """The copy's answer, or None when it failed (its exit status, or an answer that does not load).
    With a budget, BudgetExceeded once it has run out and the copy has still not answered: the copy
    stops at the budget itself, but not inside code that holds off its alarm (a C call), and this
    process's own alarm has already gone off during its own checks."""
    import select

    chunks = []
    while True:
        if budget.deadline is not None:
            left = budget.deadline - time.monotonic()
            ready, _, _ = select.select([read_fd], [], [], max(left, 0) + GRACE_SECONDS)
            if not ready:
                raise BudgetExceeded()
        chunk = os.read(read_fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:
        return None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass


def _merge(project: Project, payload: dict) -> list[list[Finding]]:
    """Add what the copy learnt to this process's records; its checks' findings."""
    from readycheck.parsers import python as python_parser
    from readycheck.parsers.python_codec import from_bytes

    for diagnostic in payload["diagnostics"]:
        project._diagnostics.setdefault((diagnostic.path, diagnostic.message), diagnostic)
    index = project.__dict__["python"]
    cache = project.cache
    for path, sha, blob in payload["modules"]:
        if path in index._facts:  # this process read it too meanwhile
            continue
        index._facts[path] = from_bytes(blob) if blob is not None else None
        if sha is not None:
            index.digests[path] = sha
            if blob is not None and cache is not None and cache.enabled:
                cache.store_facts(path, sha, blob)
    for key, paths in payload["prefilters"].items():
        index.prefilters.setdefault(key, set()).update(paths)
    function_reads = python_parser.FUNCTION_READS
    if function_reads is not None and payload["function_reads"] is not None:
        for path, key in payload["function_reads"]:
            facts = index._facts.get(path)
            if facts is not None:
                function_reads.add((id(facts.functions), key))
    if sourcefile.CONTENT_READS is not None and payload["content_reads"] is not None:
        sourcefile.CONTENT_READS.update(payload["content_reads"])
    return payload["found"]
