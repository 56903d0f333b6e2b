"""Parsing many Python files into facts in this process, and the policy for when a batch is big
enough to repay worker processes (``worth_parallel``). The worker pool itself is the engine's
(readycheck.engine.parsepool); the model asks this module whether a batch is worth prefetching,
and parses here when no pool was handed to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from readycheck.parsers.python import ModuleFacts

#: Below this many files a worker pool costs more than it saves.
PARALLEL_THRESHOLD = 48
#: ... or this many bytes of source in at least PARALLEL_MIN_FILES files: a few big
#: modules (polar has 30 of 10 ms each) also repay the 10 to 30 ms of starting a worker.
PARALLEL_BYTES = 256 * 1024
PARALLEL_MIN_FILES = 4


def worth_parallel(files: int, size: int) -> bool:
    """Whether parsing this many files of this total size repays starting worker processes."""
    return files >= PARALLEL_THRESHOLD or (files >= PARALLEL_MIN_FILES and size >= PARALLEL_BYTES)


ParseResult = tuple["ModuleFacts | None", "bytes | None", "str | None"]


def parse_batch(items: list[tuple[str, bytes]], as_blobs: bool = False) -> list[ParseResult]:
    """(facts, facts as bytes, error) per file. A worker process sends facts as bytes
    (``as_blobs``, see parsers.python_codec): the parent decodes them once and can
    store the very same bytes in the cache, instead of encoding every module again."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()  # parsing builds only acyclic trees and facts (see cli.main)
    try:
        return [parse_file(path, data, as_blobs) for path, data in items]
    finally:
        if was_enabled:  # a library caller of scan() gets its collector back
            gc.enable()


def parse_file(path: str, data: bytes, as_blobs: bool) -> ParseResult:
    """(facts, facts as bytes, error) of one file; a parser fault loses this file, never the scan."""
    from readycheck.parsers.python import PythonSyntaxError, parse_python
    from readycheck.parsers.python_codec import to_bytes

    try:
        facts = parse_python(path, data)
    except PythonSyntaxError as exc:
        return None, None, str(exc)
    except Exception as exc:  # a readycheck bug on strange input: lose this file, not the scan
        return None, None, f"internal error: {type(exc).__name__}: {exc}"
    return (None, to_bytes(facts), None) if as_blobs else (facts, None, None)


def parse_batch_blobs(items: list[tuple[str, bytes]]) -> list[ParseResult]:
    """``parse_batch`` with facts as bytes: what a parse worker sends back."""
    return parse_batch(items, as_blobs=True)


def parse_serially(items: list[tuple[str, bytes]], jobs: int = 1,
                   progress: Callable[[str, int, int], None] | None = None, blobs: bool = False) -> list[ParseResult]:
    """(facts, None, error) of many files, in order, in this process: what a ``Project`` parses with
    when the engine hands it no worker pool (readycheck.engine.parsepool.parse_many), and what the
    pool does itself for a batch not worth the workers. Progress every 64 files of a big batch."""
    if progress is None or len(items) < PARALLEL_THRESHOLD:
        return parse_batch(items)
    out: list[ParseResult] = []
    for start in range(0, len(items), 64):
        progress("parsing Python", start, len(items))
        out += parse_batch(items[start:start + 64])
    return out
