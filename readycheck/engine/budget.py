"""A wall-clock budget for one scan (``--timeout SECONDS``).

A hostile repository must not hold a CI job for half an hour. When the budget runs
out, the scan stops where it is and reports what it has found so far, with a
diagnostic naming what was not done (a result that is not complete is never
cached, and the run exits 2: a cut-short scan must not pass as a clean one).

On POSIX the budget is a ``SIGALRM`` timer in the main thread: its handler raises
``BudgetExceeded`` (a BaseException, so the ``except Exception`` that turns bad
input into diagnostics does not swallow it) wherever the scan is, even inside one
long check. Elsewhere (Windows, another thread) the budget is checked between checks.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator


class BudgetExceeded(BaseException):
    """The scan's wall-clock budget ran out."""


class Budget:
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds if seconds else None

    @property
    def exceeded(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def check(self) -> None:
        if self.exceeded:
            raise BudgetExceeded()

    def disarm(self) -> None:
        """No alarm from here on (the checks are done: what is left is quick and must finish)."""
        self.deadline = None
        _stop_timer()

    def hold(self) -> None:
        """No alarm from here on, the deadline kept: the caller checks it itself (engine.forkedchecks
        waits for its copy until the deadline and a grace, not until the alarm interrupts the wait)."""
        if self.deadline is not None:
            _stop_timer()

    def describe(self) -> str:
        return f"the time budget (--timeout {self.seconds:g}) ran out"

    @contextmanager
    def alarm(self) -> Iterator[None]:
        """Raise BudgetExceeded in this thread when the budget runs out, while inside."""
        if self.deadline is None or not hasattr(signal, "setitimer") or \
                threading.current_thread() is not threading.main_thread():
            yield
            return

        def expired(signum, frame) -> None:
            if self.deadline is not None:
                raise BudgetExceeded()

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, max(self.deadline - time.monotonic(), 0.001))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


NO_BUDGET = Budget(None)


def _stop_timer() -> None:
    """Cancel this process's alarm timer, where there is one and this is the thread it signals."""
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        signal.setitimer(signal.ITIMER_REAL, 0)
