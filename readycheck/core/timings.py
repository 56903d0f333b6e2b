"""Where a scan's time goes, phase by phase and check by check: what ``--verbose`` prints after a scan.

Why: "the scan takes 40 s in CI" is not something a user can act on; "39 s of it is RC401" or "35 s is
parsing Python, none of it from the cache" is. The phases are the engine's steps (discovery, the Python
facts, the start commands, the web model, each check, the suppression pass, the cache, the report), and
each is timed *exclusive* of the phases that run inside it: the model is built lazily, so the first check
that asks for the web model pays for it, and the web model in turn pays for parsing the modules it reads.
Without exclusive times every parse would be counted three times over.

Off (``CURRENT`` is None) unless a caller records: ``phase`` then returns one shared no-op context, a
few attribute reads per phase and nothing per file. Timings go to standard error only; the report's
bytes never depend on them.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from time import perf_counter
from typing import ContextManager, Iterator

#: The phase of each check is named ``CHECK_PREFIX + id`` (``check RC401``).
CHECK_PREFIX = "check "


class Timings:
    """Exclusive wall seconds per phase, in the order each phase first ran, and counters."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        #: What a forked copy of the scan timed (engine.forkedchecks): beside this process, not inside it.
        self.forked: dict[str, float] = {}
        self._stack: list[list[float]] = []  # [start, seconds of the phases nested in it] of each open phase

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        frame = [perf_counter(), 0.0]
        self._stack.append(frame)
        try:
            yield
        finally:
            elapsed = perf_counter() - frame[0]
            self._stack.pop()
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - frame[1]
            if self._stack:
                self._stack[-1][1] += elapsed

    def count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def summary(self, total: float, slowest: int = 5) -> list[str]:
        """What ``--verbose`` prints, given the whole run's wall seconds: the phases in the order they first
        ran (the checks as one, where the first check ran), what is left ("other": start-up, argument and
        configuration reading, what no phase covers), then the slowest checks, those of a forked copy too."""
        parts: list[str] = []
        checks_here = 0.0
        for name, seconds in self.seconds.items():
            if name.startswith(CHECK_PREFIX):
                if not checks_here:
                    parts.append("")  # the checks' place: filled in below, once their sum is known
                checks_here += seconds
            elif seconds >= SHOWN_SECONDS or self._detail(name):
                parts.append(f"{name} {_seconds(seconds)}{self._detail(name)}")
        forked_total = sum(self.forked.values())
        checks_text = f"checks {_seconds(checks_here)}"
        if forked_total:
            # all the copy did: its checks and what they parsed or built on the way
            checks_text += f" (and {_seconds(forked_total)} beside them in a forked copy)"
        if "" in parts:
            parts[parts.index("")] = checks_text
        elif forked_total:
            parts.append(checks_text)
        other = total - sum(self.seconds.values())
        if other >= SHOWN_SECONDS:
            parts.append(f"other {_seconds(other)}")
        lines = [f"time: {', '.join(parts)}"]
        ranked = [(s, name[len(CHECK_PREFIX):], "") for name, s in self.seconds.items() if name.startswith(CHECK_PREFIX)]
        ranked += [(s, name[len(CHECK_PREFIX):], " in the forked copy") for name, s in self.forked.items()
                   if name.startswith(CHECK_PREFIX)]
        ranked.sort(key=lambda item: (-item[0], item[1]))
        if ranked:
            lines.append("slowest checks: " + ", ".join(f"{check} {_seconds(s)}{where}"
                                                        for s, check, where in ranked[:slowest]))
        return lines

    def _detail(self, name: str) -> str:
        if name != "Python facts":
            return ""
        parsed, cached = self.counts.get("modules parsed", 0), self.counts.get("modules from the cache", 0)
        if not parsed and not cached:
            return ""
        return f" ({parsed:,} {'module' if parsed == 1 else 'modules'} parsed, {cached:,} from the cache)"


#: Phases shorter than this are left out of the summary (a list of "0.00 s" says nothing).
SHOWN_SECONDS = 0.005


def _seconds(seconds: float) -> str:
    return f"{seconds:.2f} s"


#: The timings being recorded, or None (the default: nothing is timed).
CURRENT: Timings | None = None
_OFF = nullcontext()


def phase(name: str) -> ContextManager[None]:
    """Time what runs inside as the phase ``name`` when timings are recorded; else do nothing."""
    current = CURRENT
    return _OFF if current is None else current.phase(name)


def count(name: str, n: int) -> None:
    current = CURRENT
    if current is not None:
        current.count(name, n)


@contextmanager
def recording(timings: Timings | None) -> Iterator[None]:
    """Record into ``timings`` (None: record nothing) while inside; the previous recorder after."""
    global CURRENT
    previous, CURRENT = CURRENT, timings
    try:
        yield
    finally:
        CURRENT = previous
