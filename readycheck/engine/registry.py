"""Loading checks from the ``readycheck.checks`` entry-point group.

Built-in checks are registered there exactly as a third-party package
registers its own. An entry point may name a ``Check`` subclass, or a module
or sequence holding several. A plugin that fails to import becomes a
diagnostic; the other checks still run.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
from types import ModuleType

from readycheck.core.check import Check
from readycheck.core.findings import Diagnostic
from readycheck.knowledge.packages import canonicalize_name

GROUP = "readycheck.checks"
ID_PATTERN = re.compile(r"^[A-Z]{2,6}[0-9]{3,4}$")
_REQUIRED = ("id", "name", "summary", "fix")


def _says_why(cls: type[Check]) -> bool:
    """The check says why it matters: a "Why is this bad" section in its class or module docstring, or
    (deprecated, until 0.2) a ``why`` attribute."""
    if getattr(cls, "why", None):
        return True
    module = sys.modules.get(cls.__module__)
    return any("Why is this bad" in (doc or "") for doc in (cls.__dict__.get("__doc__"), getattr(module, "__doc__", None)))


def _classes(obj: object) -> list[type[Check]]:
    if inspect.isclass(obj) and issubclass(obj, Check) and obj is not Check:
        return [obj]
    if isinstance(obj, ModuleType):
        return [v for v in vars(obj).values()
                if inspect.isclass(v) and issubclass(v, Check) and v is not Check and v.__module__ == obj.__name__]
    if isinstance(obj, (list, tuple)):
        return [c for item in obj for c in _classes(item)]
    return []


class _EntryPoint:
    """``name = module:attr`` of an installed distribution's entry_points.txt."""

    _VALUE = re.compile(r"^(?P<module>[\w.]+)\s*(?::\s*(?P<attr>[\w.]+)\s*)?(?:\[.*\]\s*)?$")

    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value

    def load(self) -> object:
        match = self._VALUE.match(self.value)
        if match is None:
            raise ValueError(f"not an entry point reference: {self.value!r}")
        loaded: object = importlib.import_module(match.group("module"))
        for part in (match.group("attr") or "").split("."):
            if part:
                loaded = getattr(loaded, part)
        return loaded


def _distribution_name(folder: str) -> str:
    stem = folder.rsplit(".", 1)[0]  # name-1.0.dist-info, name.egg-info, name-1.0-py3.11.egg-info
    return canonicalize_name(stem.split("-", 1)[0])


def _read_entry_points(path: str, group: str) -> list[_EntryPoint]:
    found, section = [], None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
            elif section == group and "=" in line:
                name, _, value = line.partition("=")
                found.append(_EntryPoint(name.strip(), value.strip()))
    return found


def entry_points(group: str) -> list:
    """The group's entry points of every installed distribution.

    What ``importlib.metadata.entry_points(group=...)`` answers, without importing it (30 ms
    of a 0.3 s rescan answered from the cache: email, zipfile, csv): each folder on
    ``sys.path`` is listed for ``*.dist-info``/``*.egg-info`` folders, and the first
    distribution of a name wins. Where distributions could live elsewhere (a zip file
    on ``sys.path``, a meta-path finder that finds distributions of its own), it asks
    importlib.metadata itself."""
    own_finders = [f for f in sys.meta_path if hasattr(f, "find_distributions")
                   and getattr(f, "__name__", type(f).__name__) != "PathFinder"]
    if own_finders or any(entry and not os.path.isdir(entry) and os.path.exists(entry) for entry in sys.path):
        from importlib.metadata import entry_points as standard

        return list(standard(group=group))
    seen: set[str] = set()
    found: list = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            distribution = _distribution_name(name)
            if distribution in seen:
                continue
            seen.add(distribution)
            try:
                found += _read_entry_points(os.path.join(entry or ".", name, "entry_points.txt"), group)
            except (OSError, UnicodeDecodeError):
                continue
    return found


def load_checks() -> tuple[list[type[Check]], list[Diagnostic]]:
    """All registered checks sorted by id, and diagnostics for broken plugins."""
    found: dict[str, type[Check]] = {}
    problems: list[Diagnostic] = []
    for ep in sorted(entry_points(GROUP), key=lambda e: (e.name, e.value)):
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
            if not _says_why(cls):
                missing.insert(3, "why (a 'Why is this bad' docstring section)")
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
