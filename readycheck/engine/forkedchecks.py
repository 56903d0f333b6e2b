"""The event-loop checks apart from the others: in a forked copy of a big scan, or after the others.

Why: once the files are parsed, a scan of a big service spends most of its time in the checks, one
after the other, on one core. The event-loop checks (RC401, RC402: the tag ``event-loop``) walk the
call graph from every route and dependency (readycheck.model.reachability) and take about half of
that time; no other check needs their part of the model (``code_on_the_loop`` and the walks). So,
once the model every check shares is built (the start commands and the web model, with the Python
facts they read), this process forks: the copy runs the event-loop checks while this one runs the
rest, and sends back what it found. The copy inherits the model through ``fork``, nothing is encoded
to get it there; what comes back is small (findings, diagnostics, and what a recording scan read).
When this process is done first, it writes the facts cache while it waits (``idle``).

Same bytes with one job or several: the two groups always run apart. Some answers of the reachability
model depend on the order it is asked in (a type that depends on itself is unknown to the first question
that meets the cycle, and remembered so), so a check's findings could depend on which checks asked
before it. Without a fork (one job, a small scan, no ``os.fork``) the event-loop checks therefore run
after the others, on a copy of the reachability model taken when the groups part, with what the others
built since put aside (``run_isolated``): what a forked copy would see. The findings are put back in the
checks' order, the diagnostics are a sorted set, and what the copy read (files with the digest of what
it read, functions of modules, prefilters, modules it parsed that this process had not) is added to this
process's records, so that the cache and the incremental rescan see every read (engine.incremental).

When not forked: fewer than ``MIN_ASYNC_HANDLERS`` async route handlers (the fork and the exchange would
cost more than they save), one job, no ``os.fork`` (Windows), macOS (forking a process that may have loaded
system frameworks is unsafe there), or another thread running in this process (a library caller's: a lock
it holds at the fork would stay held in the copy forever). When the copy fails in any way, this process
runs its checks itself: slower, same result.
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
from readycheck.core import timings as timing
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

#: run(checks, quiet) -> (each check's findings in order, the ids of those not run or not finished because
#: the budget ran out); ``quiet``: no progress reported (readycheck.engine.runner binds the rest).
RunChecks = Callable[[list["type[Check]"], bool], tuple[list[list["Finding"]], list[str]]]


def split(checks: list[type[Check]]) -> tuple[list[type[Check]], list[type[Check]]]:
    """(checks this process runs, checks the forked copy runs), each in the given order."""
    away = [c for c in checks if FORKED_TAGS.intersection(c.tags)]
    return [c for c in checks if c not in away], away


def can_fork() -> bool:
    """Whether this platform forks safely at all (threads are counted again just before the fork)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def run_groups(project: Project, checks: list[type[Check]], jobs: int, budget: Budget, run: RunChecks,
               progress: object = None, idle: Callable[[], None] | None = None) -> tuple[list[list[Finding]], list[str]]:
    """(each check's findings in order, the checks not finished). Once the model every check shares is
    built, the event-loop checks and the others each run on their own copy of what they build from it:
    in a forked copy of this process beside the others when that pays (``run_forked``), else here after
    the others (``run_isolated``). Either way each group asks the reachability model its questions in
    its own order from the same start, so the findings are the same with one job or several: some of
    the model's answers depend on the order it is asked in (a type that depends on itself is unknown to
    the first question that meets the cycle, and remembered so)."""
    home, away = split(checks)
    if not home or not away:
        return run(checks, False)
    try:  # what every check reads: built once, before the groups part
        _shared = project.start_commands, project.web  # noqa: F841
    except (Exception, BudgetExceeded):  # the checks meet it again, one by one, and say so
        return run(checks, False)
    forked = run_forked(project, checks, home, away, jobs, budget, run, progress, idle)
    return forked if forked is not None else run_isolated(project, checks, home, away, run)


def run_isolated(project: Project, checks: list[type[Check]], home: list[type[Check]], away: list[type[Check]],
                 run: RunChecks) -> tuple[list[list[Finding]], list[str]]:
    """The two groups in this process, as if the event-loop checks ran in a copy forked now: they run
    after the others, on a copy of the reachability model as it is now, with the parts of the model the
    others built in the meantime put aside (and put back after: this process goes on with the others')."""
    apart = _Apart(project)
    found_home, unfinished_home = run(home, False)
    found_away, unfinished_away = apart.run(run, away)
    return _in_order(checks, home, away, found_home, found_away, unfinished_home, unfinished_away)


class _Apart:
    """The model as the groups part, kept so that the event-loop checks can run on it here later: the
    names of the project's cached parts, and a copy of the reachability model (see ``run_isolated``)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.at_start = set(project.__dict__)
        self.model = project.__dict__.get("reachability")
        self.as_forked = self.model.copy() if self.model is not None else None

    def run(self, run: RunChecks, checks: list[type[Check]]) -> tuple[list[list[Finding]], list[str]]:
        """``checks`` run on the model as it was, with what was built since put aside, then put back."""
        cached = self.project.__dict__
        theirs: dict = {}
        try:
            for key in [key for key in cached if key not in self.at_start]:
                theirs[key] = cached.pop(key)
            if self.model is not None:
                cached["reachability"] = self.as_forked
            return run(checks, False)
        finally:
            for key in [key for key in cached if key not in self.at_start]:
                del cached[key]
            if self.model is not None:
                cached["reachability"] = self.model
            cached.update(theirs)


def _in_order(checks: list[type[Check]], home: list[type[Check]], away: list[type[Check]],
              found_home: list[list[Finding]], found_away: list[list[Finding]], unfinished_home: list[str],
              unfinished_away: list[str]) -> tuple[list[list[Finding]], list[str]]:
    by_check = dict(zip(home, found_home)) | dict(zip(away, found_away))
    late = set(unfinished_home) | set(unfinished_away)
    return [by_check[c] for c in checks], [c.id for c in checks if c.id in late]


def run_forked(project: Project, checks: list[type[Check]], home: list[type[Check]], away: list[type[Check]],
               jobs: int, budget: Budget, run: RunChecks, progress: object = None,
               idle: Callable[[], None] | None = None) -> tuple[list[list[Finding]], list[str]] | None:
    """The event-loop checks in a forked copy while this process runs the others; None when this scan
    is not worth forking or cannot fork. A ``progress`` callback with a ``pause`` method is paused before
    the fork (the terminal's progress bar redraws from a thread: a lock it holds at the fork would stay
    held in the copy); any other thread still running then means no fork. ``idle`` is called once this
    process's checks are done, while the copy may still be at work (the runner writes the facts cache)."""
    if jobs < 2 or not can_fork():
        return None
    index = project.__dict__.get("python")
    if index is None or sum(handler.is_async for _, handler in project.web.handlers()) < MIN_ASYNC_HANDLERS:
        return None
    pause = getattr(progress, "pause", None)
    if callable(pause):
        pause()
    if threading.active_count() != 1:
        return None
    cache = project.cache if project.cache is not None and project.cache.enabled else None
    state = _Fork(set(index._facts), cache.fact_keys() if cache is not None else frozenset(), os.getpid())
    apart = _Apart(project)  # should the copy fail: its checks then run here on what it would have seen
    copy = _Copy.start(lambda write_fd: _child(project, away, budget, run, state, write_fd))
    if copy is None:
        return None
    found_home: list[list[Finding]] | None = None
    unfinished_home: list[str] = []
    payload: dict | None = None
    killed = False
    try:
        copy.started()  # Ctrl-C pressed across the fork comes here, inside the try
        found_home, unfinished_home = run(home, False)
        budget.hold()  # this process's checks are done: the wait below keeps the deadline itself, with the
        if idle is not None:  # copy's grace to send what it finished; meanwhile the facts cache is written,
            idle()
        elif cache is not None:  # or at least the facts parsed here are encoded for it
            with timing.phase("cache write"):
                cache.encode_pending()
        with timing.phase("waiting for the forked copy"):
            payload = copy.receive(budget)
    except BudgetExceeded:  # out of time here, or the copy stuck past the budget and its grace: it goes
        copy.kill()
        killed = True
    except BaseException:  # Ctrl-C: the copy goes too
        copy.kill()
        raise
    found_away: list[list[Finding]] = [[] for _ in away]
    unfinished_away: list[str] = []
    if found_home is None:  # the budget ran out between two of this process's checks
        found_home, unfinished_home = [[] for _ in home], [c.id for c in home]
    if killed:
        unfinished_away = [c.id for c in away]
    elif payload is None:  # the copy failed: its checks run here, as one process runs them
        with budget.alarm():
            found_away, unfinished_away = apart.run(run, away)
    if budget.deadline is not None:  # every check has run: merging what the copy learnt is quick and must finish
        budget.disarm()
    if payload is not None:
        found_away, unfinished_away = _merge(project, payload)
    return _in_order(checks, home, away, found_home, found_away, unfinished_home, unfinished_away)


class _Fork:
    """What the copy needs to know of this process at the fork: the modules already read, the facts
    cache's keys (what the copy finds there, this process finds too: not sent back), this pid."""

    def __init__(self, modules: set[str], cached: frozenset[str], parent: int) -> None:
        self.modules, self.cached, self.parent = modules, cached, parent


class _Copy:
    """The forked copy, from this process's side: its answer read through a pipe only it writes to,
    framed with its length (so that an answer is known whole even when the copy's exit status cannot
    be had: SIGCHLD ignored, or another reaper), and killed at most once, never after it was reaped
    (its pid could be another process's by then)."""

    def __init__(self, pid: int, read_fd: int, mask: set) -> None:
        self.pid, self.read_fd, self.mask, self.reaped = pid, read_fd, mask, False

    @classmethod
    def start(cls, work: Callable[[int], int]) -> "_Copy | None":
        """Fork a copy that runs ``work(write end of the pipe)`` and exits with what it returns. Ctrl-C
        and the budget's alarm are held back across the fork, in the copy until it is inside its try,
        here until ``started``."""
        read_fd, write_fd = os.pipe()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGALRM})
        try:
            pid = os.fork()
        except OSError:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # the copy: never returns, whatever happens in it
            code = 1
            try:
                os.close(read_fd)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                code = work(write_fd)
            finally:
                os._exit(code)  # no clean-up of the parent's: no buffers flushed twice, no cache written
        os.close(write_fd)
        return cls(pid, read_fd, mask)

    def started(self) -> None:
        """Let Ctrl-C and the alarm in again here: called inside the try that kills the copy on any exception."""
        signal.pthread_sigmask(signal.SIG_SETMASK, self.mask)

    def _close(self) -> None:
        if self.read_fd >= 0:
            os.close(self.read_fd)
            self.read_fd = -1

    def receive(self, budget: Budget) -> dict | None:
        """The copy's answer, or None when it failed. With a budget, BudgetExceeded once the budget
        has run out and the copy has still not answered: the copy stops at the budget itself, but not
        inside code that holds off its alarm (a C call), and this process's own alarm may have gone
        off already, during its own checks."""
        import select

        chunks = []
        try:
            while True:
                if budget.deadline is not None:  # the grace counts from the deadline, not from each chunk
                    left = budget.deadline + GRACE_SECONDS - time.monotonic()
                    ready, _, _ = select.select([self.read_fd], [], [], max(left, 0))
                    if not ready:
                        raise BudgetExceeded()
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            self._close()
        self._reap()
        data = b"".join(chunks)
        if len(data) < 8 or int.from_bytes(data[:8], "big") != len(data) - 8:
            return None
        try:
            return pickle.loads(memoryview(data)[8:])
        except Exception:
            return None

    def _reap(self) -> None:
        if self.reaped:
            return
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped by the kernel (SIGCHLD ignored) or by another reaper
            pass
        self.reaped = True

    def kill(self) -> None:
        if not self.reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            self._reap()
        self._close()


def _child(project: Project, checks: list[type[Check]], budget: Budget, run: RunChecks, state: _Fork,
           write_fd: int) -> int:
    """The copy's work: run ``checks``, send what it found and learnt; the exit code."""
    from readycheck.engine.parsepool import _die_with_parent

    _die_with_parent(state.parent)  # a scan killed with SIGKILL takes its copy along, as its parse workers
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the copy writes nothing but its answer: no warning or traceback on the terminal
    os.dup2(devnull, 2)
    project.jobs = 1  # no parse pool of its own: its checks ask for a few modules at most
    project.progress = None
    timed = timing.Timings() if timing.CURRENT is not None else None  # its own, sent back
    with budget.alarm(), timing.recording(timed):  # a timer is not inherited through fork
        found, unfinished = run(checks, True)
    payload = _payload(project, found, unfinished, state)
    payload["timings"] = None if timed is None else timed.seconds
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(write_fd, view):]
    return 0


def _payload(project: Project, found: list[list[Finding]], unfinished: list[str], state: _Fork) -> dict:
    """What the copy sends back: its checks' findings and what it learnt that this process must record."""
    import hashlib

    from readycheck.parsers import python as python_parser
    from readycheck.parsers.python_codec import to_bytes

    index = project.__dict__["python"]
    tables = {id(facts.functions): path for path, facts in index._facts.items() if facts is not None}
    function_reads = python_parser.FUNCTION_READS
    content_reads = sourcefile.CONTENT_READS
    modules = []
    for path in index._facts:
        if path in state.modules:
            continue
        facts, sha = index._facts[path], index.digests.get(path)
        cached = sha is not None and f"{path}\0{sha}" in state.cached  # this process finds them there too
        modules.append((path, sha, None if facts is None or cached else to_bytes(facts), cached))
    digests = {}  # of the files whose content the copy read: this process records what the copy saw
    for path in content_reads or ():
        source = project.file(path)
        try:  # the bytes the copy read, kept in the file's object (raw_data records no read)
            data = source.raw_data() if source is not None else None
        except sourcefile.UnreadableFile:
            continue
        if data is not None:
            digests[path] = hashlib.sha256(data).hexdigest()
    return {
        "found": found,
        "unfinished": unfinished,
        "diagnostics": list(project._diagnostics.values()),
        "modules": modules,
        "prefilters": index.prefilters,
        "function_reads": None if function_reads is None else
        [(tables[table], key) for table, key in function_reads if table in tables],
        "content_reads": None if content_reads is None else sorted(content_reads),
        "content_digests": digests,
    }


def _merge(project: Project, payload: dict) -> tuple[list[list[Finding]], list[str]]:
    """Add what the copy learnt to this process's records; its checks' findings and unfinished checks."""
    from readycheck.parsers import python as python_parser
    from readycheck.parsers.python_codec import from_bytes

    for diagnostic in payload["diagnostics"]:
        project._diagnostics.setdefault((diagnostic.path, diagnostic.message), diagnostic)
    index = project.__dict__["python"]
    cache = project.cache
    for path, sha, blob, cached in payload["modules"]:
        if path in index._facts:  # this process read it too meanwhile
            continue
        if cached and cache is not None:
            index._facts[path] = cache.facts(path, sha)
        else:
            index._facts[path] = from_bytes(blob) if blob is not None else None
            if sha is not None and blob is not None and cache is not None and cache.enabled:
                cache.store_facts(path, sha, blob)
        if sha is not None:
            index.digests[path] = sha
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
        for path, digest in payload["content_digests"].items():
            project.read_digests.setdefault(path, digest)
    if timing.CURRENT is not None and payload["timings"] is not None:
        forked = timing.CURRENT.forked
        for name, seconds in payload["timings"].items():  # added up, as this process's are (--fix rescans)
            forked[name] = forked.get(name, 0.0) + seconds
    return payload["found"], payload["unfinished"]
