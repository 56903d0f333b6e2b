"""Incremental rescans: after an edit, reuse the last scan's result when nothing it read changed.

A scan that stores its result also records what the result was made from (``record``):

* the content of every file that anything read (``SourceFile.data``/``text``/``index``: checks,
  the model's readers of Dockerfiles and YAML, the suppression pass), by SHA-256;
* the Python facts of every module whose facts were looked for, by the SHA-256 of the module,
  and which of its functions were looked up by name (``FunctionTable``): all of them when the
  table was iterated, counted or compared;
* every byte prefilter asked of the modules (``PythonIndex.prefilters``) and the modules it let
  through;
* the status (size, times, inode) of every file, so that the next scan finds what changed with
  one ``lstat`` per file, as the whole-result key does.

The next scan, whose whole-result key differs (a file changed), asks again only the questions the
last one asked of the changed files (``verify``): same content where content was read; same answer
of every prefilter; for a module whose facts were read, same facts except the functions nobody
looked up (a function added to a helper module changes nothing that only called the module's other
functions); the same parse failure where parsing failed. When every answer is the same, the result
is the last one, byte for byte, and the scan costs the reading and parsing of the changed files.
When any differs, or the file list, the configuration, readycheck or a check changed, the scan runs
in full (and records again). A cold scan of the edited tree is the reference: ``tests/test_incremental.py``
compares the two for several kinds of edits.

What this cannot see, it does not reuse: a check that reads files other than through the project
model (its own ``open()``) is outside the record, so the incremental path is taken only when every
selected check is one of readycheck's own or declares ``reads_only_project = True``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from readycheck import __version__
from readycheck.core import sourcefile
from readycheck.core.sourcefile import SourceFile, UnreadableFile
from readycheck.engine.discovery import RACY_SECONDS

if TYPE_CHECKING:
    from readycheck.core.check import Check
    from readycheck.engine.cache import Cache
    from readycheck.engine.config import Config
    from readycheck.model.project import Project

#: The packages whose checks read files only through the project model.
TRUSTED_PACKAGES = ("readycheck_checks.", "readycheck.")

Stat = tuple[int, int, int, int]


def supported(checks: list[type["Check"]]) -> bool:
    """Whether every check's reads go through the project model (and so are recorded)."""
    return all(getattr(c, "reads_only_project", False) or c.__module__.startswith(TRUSTED_PACKAGES)
               for c in checks)


def static_key(config: "Config", checks: list[type["Check"]]) -> str:
    """readycheck's version, the configuration and the checks (and their code's stamps)."""
    import inspect

    h = hashlib.sha256(__version__.encode())
    h.update(json.dumps({"per_file_ignores": config.per_file_ignores,
                         "severity": {k: int(v) for k, v in config.severity.items()},
                         "options": config.options, "extend_exclude": config.extend_exclude,
                         "migrations": config.migrations},
                        sort_keys=True, default=str).encode())
    for check in checks:
        try:
            st = os.stat(inspect.getfile(check))
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except (OSError, TypeError):
            stamp = "?"
        h.update(f"{check.id}:{check.__module__}:{stamp}\n".encode())
    return h.hexdigest()


def files_key(files: list[SourceFile]) -> str:
    """The file list: paths and kinds as discovery found them."""
    return hashlib.sha256("".join(f"{f.path}\0{f.kind.value}\n" for f in files)
                          .encode("utf-8", "surrogateescape")).hexdigest()


def stat_tuples(stats: list[os.stat_result | None]) -> list[Stat | None]:
    """Each file's status as the record keeps it; None for a file changed within the racy window
    (it may change again without its status moving: the next scan looks at it again)."""
    racy_after = time.time_ns() - int(RACY_SECONDS * 1e9)
    return [None if st is None or st.st_mtime_ns >= racy_after or st.st_ctime_ns >= racy_after
            else (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) for st in stats]


#: One recording scan at a time in a process (what is read is recorded in module globals): a scan
#: started in another thread meanwhile records nothing, and so stores no record.
_RECORDING = threading.Lock()


@contextmanager
def recording() -> Iterator[tuple[set[str], set[tuple[int, str | None]]] | None]:
    """Record, while the checks run, which files' content and which modules' functions were read
    (None: another scan of this process is recording)."""
    if not _RECORDING.acquire(blocking=False):
        yield None
        return
    from readycheck.parsers import python as python_parser  # not loaded by a scan answered from the cache

    content: set[str] = set()
    functions: set[tuple[int, str | None]] = set()
    sourcefile.CONTENT_READS, python_parser.FUNCTION_READS = content, functions
    try:
        yield content, functions
    finally:
        sourcefile.CONTENT_READS = python_parser.FUNCTION_READS = None
        _RECORDING.release()


def _digest(source: SourceFile) -> str | None:
    try:
        return hashlib.sha256(source.raw_data()).hexdigest()
    except UnreadableFile:
        return None


def record(project: "Project", content_reads: set[str], function_reads: set[tuple[int, str | None]],
           static: str, files: list[SourceFile], stats: list[Stat | None], result_key: str) -> dict[str, Any]:
    """What the scan just made depended on (see the module's docstring)."""
    index = project.__dict__.get("python")  # the Python index, if anything asked for it
    digests: dict[str, str] = index.digests if index is not None else {}
    modules: dict[str, tuple[str, frozenset[str] | None]] = {}
    failed: list[str] = []
    prefilters: dict[tuple[str, tuple[bytes, ...]], set[str]] = {}
    if index is not None:
        read: dict[int, set[str | None]] = {}
        for table, key in function_reads:
            read.setdefault(table, set()).add(key)
        for path, facts in index._facts.items():
            if facts is None or path not in digests:
                failed.append(path)
                continue
            keys = read.get(id(facts.functions), set())
            tops = None if None in keys else frozenset(k.partition(".")[0] for k in keys if isinstance(k, str))
            modules[path] = (digests[path], tops)
        prefilters = index.prefilters
    content: dict[str, str | None] = {}
    for path in content_reads:
        if path in digests:
            content[path] = digests[path]
            continue
        if path in project.read_digests:
            content[path] = project.read_digests[path]
            continue
        source = project.file(path)
        content[path] = _digest(source) if source is not None else None
    return {"static": static, "files": files_key(files), "result": result_key,
            "stats": {f.path: st for f, st in zip(files, stats)}, "content": content, "modules": modules,
            "failed": failed, "prefilters": prefilters}


def _flat_parts(facts: Any) -> tuple[tuple, dict[str, list[tuple]]]:
    """A module's facts as (everything but the functions, the functions by top-level name)."""
    from readycheck.parsers.python_codec import flatten

    flat = flatten(facts)
    parts: dict[str, list[tuple]] = {}
    for function in flat[3]:
        parts.setdefault(function[1].partition(".")[0], []).append(function)
    return flat[:3] + flat[4:], parts


class Reuse:
    """What a verified rescan must store: the changed files' new statuses and digests, and the
    edited modules' new facts."""

    def __init__(self) -> None:
        self.changed: list[str] = []
        self.stats: dict[str, Stat | None] = {}
        self.content: dict[str, str | None] = {}
        self.modules: dict[str, tuple[str, frozenset[str] | None]] = {}
        self.facts: list[tuple[str, str, bytes]] = []  # (path, sha, facts as bytes)
        self.stale: set[str] = set()  # the facts table's keys (path\0sha) of the edited modules' old facts


def verify(deps: dict[str, Any], static: str, files: list[SourceFile], stats: list[Stat | None],
           cache: "Cache") -> Reuse | None:
    """A Reuse when the last scan's result holds for these files, None when the scan must run
    (also when the record cannot be read as this readycheck writes it: never a crash)."""
    try:
        return _verify(deps, static, files, stats, cache)
    except Exception:
        return None


def _verify(deps: dict[str, Any], static: str, files: list[SourceFile], stats: list[Stat | None],
            cache: "Cache") -> Reuse | None:
    if deps.get("static") != static or deps.get("files") != files_key(files):
        return None
    from readycheck.knowledge.environments import is_auxiliary_path
    from readycheck.model.project import any_of
    from readycheck.core.sourcefile import FileKind

    old_stats, content, modules = deps["stats"], deps["content"], deps["modules"]
    failed = set(deps["failed"])
    prefilters = deps["prefilters"]
    reuse = Reuse()
    for source, st in zip(files, stats):
        if st is not None and old_stats.get(source.path) == st:
            continue
        path = source.path
        reuse.changed.append(path)
        reuse.stats[path] = st
        read_content = path in content
        python = source.kind is FileKind.PYTHON
        if not read_content and not python:
            continue  # nothing read it
        try:
            data = source.raw_data()
        except UnreadableFile:
            return None
        sha = hashlib.sha256(data).hexdigest()
        if read_content:
            if content[path] != sha:
                return None
            reuse.content[path] = sha
        if not python:
            continue
        for (scope, markers), passed in prefilters.items():
            if (scope == "all" or not is_auxiliary_path(path)) and any_of(markers)(data) != (path in passed):
                return None
        if path in failed:
            return None
        if path not in modules:
            continue  # no facts of it were read
        old_sha, tops = modules[path]
        if old_sha == sha:
            reuse.modules[path] = (sha, tops)
            continue
        if tops is None:
            return None  # the whole function table was read
        old = cache.facts(path, old_sha)
        if old is None:
            return None
        from readycheck.parsers.python import PythonSyntaxError, parse_python
        from readycheck.parsers.python_codec import to_bytes

        try:
            new = parse_python(path, data)
        except PythonSyntaxError:
            return None
        (old_rest, old_parts), (new_rest, new_parts) = _flat_parts(old), _flat_parts(new)
        if old_rest != new_rest or any(old_parts.get(top) != new_parts.get(top) for top in tops):
            return None
        reuse.modules[path] = (sha, tops)
        reuse.facts.append((path, sha, to_bytes(new)))
        reuse.stale.add(f"{path}\0{old_sha}")
    return reuse


def updated(deps: dict[str, Any], reuse: Reuse, result_key: str) -> dict[str, Any]:
    """The record after a verified rescan: the same questions, the changed files' new answers."""
    return {**deps, "result": result_key, "stats": {**deps["stats"], **reuse.stats},
            "content": {**deps["content"], **reuse.content}, "modules": {**deps["modules"], **reuse.modules}}
