"""A progress display for long scans: on stderr, only on a terminal, only after a second."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any


class Progress:
    """Call with (stage, done, total). Shows a rich progress bar once the scan has run
    for ``delay`` seconds and stderr is a terminal; otherwise does nothing."""

    def __init__(self, delay: float = 1.0, stream: Any = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.delay = delay
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self._task: Any = None
        self._stage = ""
        self._threads: set[threading.Thread] = set()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn

            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     console=Console(file=self.stream), transient=True)
            before = set(threading.enumerate())
            self._bar.start()
            self._threads = set(threading.enumerate()) - before  # its refresh thread, joined by pause()
        if stage != self._stage:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(stage, total=total)
            self._stage = stage
        self._bar.update(self._task, completed=done, total=total)

    def pause(self) -> None:
        """Take the bar off the terminal and stop its refresh thread (engine.forkedchecks forks only
        a process with no other thread running); the next call shows it again."""
        if self._bar is not None:
            self._bar.stop()  # tells its refresh thread to end, without waiting for it
            for thread in self._threads:
                thread.join(timeout=1.0)
            self._bar = self._task = None
            self._stage = ""

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
