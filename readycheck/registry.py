"""Loading checks from the ``readycheck.checks`` entry-point group.

Built-in checks are registered there exactly as a third-party package
registers its own. An entry point may name a ``Check`` subclass, or a module
or sequence holding several. A plugin that fails to import becomes a
diagnostic; the other checks still run.
"""

from __future__ import annotations

import inspect
import re
from importlib.metadata import entry_points
from types import ModuleType

from readycheck.check import Check
from readycheck.findings import Diagnostic

GROUP = "readycheck.checks"
ID_PATTERN = re.compile(r"^[A-Z]{2,6}[0-9]{3,4}$")
_REQUIRED = ("id", "name", "summary", "why", "fix")


def _classes(obj: object) -> list[type[Check]]:
    if inspect.isclass(obj) and issubclass(obj, Check) and obj is not Check:
        return [obj]
    if isinstance(obj, ModuleType):
        return [v for v in vars(obj).values()
                if inspect.isclass(v) and issubclass(v, Check) and v is not Check and v.__module__ == obj.__name__]
    if isinstance(obj, (list, tuple)):
        return [c for item in obj for c in _classes(item)]
    return []


def load_checks() -> tuple[list[type[Check]], list[Diagnostic]]:
    """All registered checks sorted by id, and diagnostics for broken plugins."""
    found: dict[str, type[Check]] = {}
    problems: list[Diagnostic] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        where = f"<plugin {ep.value}>"
        try:
            loaded = ep.load()
        except Exception as exc:
            problems.append(Diagnostic(where, f"cannot load check plugin: {type(exc).__name__}: {exc}", kind="internal"))
            continue
        classes = _classes(loaded)
        if not classes:
            problems.append(Diagnostic(where, "entry point names no Check subclass", kind="internal"))
        for cls in classes:
            missing = [a for a in _REQUIRED if not getattr(cls, a, None)]
            if missing:
                problems.append(Diagnostic(where, f"check {cls.__name__} lacks {', '.join(missing)}", kind="internal"))
                continue
            if not ID_PATTERN.match(cls.id):
                problems.append(Diagnostic(where, f"check id {cls.id!r} is not letters then 3-4 digits", kind="internal"))
                continue
            other = found.get(cls.id)
            if other is not None and other is not cls:
                problems.append(Diagnostic(where, f"check id {cls.id} is already used by {other.__module__}.{other.__name__}",
                                           kind="internal"))
                continue
            found[cls.id] = cls
    return [found[k] for k in sorted(found)], problems
