"""The parse worker pool: Python files parsed into facts across ``--jobs`` processes.

The engine owns processes; the model only asks for facts. ``run_scan`` hands ``parse_many`` to the
``Project`` it builds, which calls it for every batch it has not found in the cache.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable

from readycheck.parsers.python_batch import ParseResult, parse_batch, parse_batch_blobs, parse_serially, worth_parallel


#: How often a worker checks that the scan that started it is still alive.
PARENT_CHECK_SECONDS = 0.5
#: The GIL switch interval while a batch is parsed across processes (see ``parse_many``).
PARSE_SWITCH_SECONDS = 0.0005


def _die_with_parent(parent: int) -> None:
    """A parse worker's first step: watch the scan that started it, and end when it is
    gone. A scan killed with SIGKILL runs no clean-up, and its workers would otherwise
    wait for work forever. A parent-process check works wherever Python does (a
    parent-death signal is Linux-only): once the parent dies the worker is re-parented."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="readycheck-parent-watch", daemon=True).start()


def _stop_workers(pool) -> None:
    """Leave a worker pool now: the chunks no worker has started are cancelled, and each worker
    ends once its current chunk (a 1/16th share of one batch) is done, or when this process is
    gone (``_die_with_parent``). Terminating them instead makes the pool's manager thread fail
    on the futures this process cancelled to parse their chunks itself (InvalidStateError, in
    CPython 3.11); and reading ``pool._processes`` after ``shutdown``, as this did, raised
    AttributeError (shutdown sets it to None) in place of the Ctrl-C or --timeout."""
    pool.shutdown(wait=False, cancel_futures=True)


def parse_many(items: list[tuple[str, bytes]], jobs: int,
               progress: Callable[[str, int, int], None] | None = None, blobs: bool = False) -> list[ParseResult]:
    """(facts, facts as bytes or None, error) of many files, in order, across ``jobs``
    processes when worth it. With ``blobs``, the bytes are kept where they exist."""
    parallel = worth_parallel(len(items), sum(len(data) for _, data in items))
    if jobs <= 1 or not parallel:
        return parse_serially(items, jobs, progress, blobs)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from readycheck.parsers.python_codec import from_bytes

    # Many small interleaved chunks: they balance big and small files, and let this
    # process take its share of the work instead of waiting for the workers.
    count = jobs * 16
    # Biggest files first, dealt round the chunks: the workers start on the biggest chunks and this
    # process on the smallest, and what is left when they meet is small (a 255 KB module left to the
    # last chunk a worker took kept the whole batch waiting for it).
    order = sorted(range(len(items)), key=lambda i: -len(items[i][1]))
    places = [order[i::count] for i in range(count)]
    chunks = [[items[j] for j in place] for place in places]
    parsed: list[list[ParseResult] | None] = [None] * count
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"

    def report() -> None:
        if progress is not None:
            progress("parsing Python", sum(len(c) for c in parsed if c is not None), len(items))

    def decode(chunk: list[ParseResult]) -> list[ParseResult]:
        return [(from_bytes(blob) if blob is not None else None, blob if blobs else None, error)
                for _, blob, error in chunk]

    try:
        pool = ProcessPoolExecutor(max_workers=jobs - 1, mp_context=multiprocessing.get_context(method),
                                   initializer=_die_with_parent, initargs=(os.getpid(),))
    except (OSError, RuntimeError):  # no processes allowed here: parse in this one
        return parse_batch(items)
    # The pool's threads in this process (its manager, and the queue's feeder that pickles each chunk
    # for the worker) need the GIL to hand work on, while this thread holds it parsing: at the default
    # switch interval (5 ms) each of their steps could wait that long. Switching more often keeps the
    # worker fed (a cold scan 0.95x in wall time on the generated repository, polar and FastAPI's).
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, PARSE_SWITCH_SECONDS))
    try:
        futures = [pool.submit(parse_batch_blobs, chunk) for chunk in chunks]
        # This process parses too: from the last chunk back, every chunk no worker has
        # started yet (its facts need no encoding and decoding), and in between it
        # decodes what the workers have sent. The workers go from the first chunk on.
        for i in range(count - 1, -1, -1):
            if not futures[i].cancel():
                break
            parsed[i] = parse_batch(chunks[i])  # encoded for the cache later (Cache.store_facts_later)
            for j, future in enumerate(futures[:i]):
                if parsed[j] is None and future.done():
                    parsed[j] = decode(future.result())
            report()
        for j, future in enumerate(futures):
            if parsed[j] is None:
                parsed[j] = decode(future.result())
                report()
    except (OSError, RuntimeError):  # no processes allowed here: parse in this one
        _stop_workers(pool)
        return parse_batch(items)
    except BaseException:  # --timeout, Ctrl-C: leave at once, and take the workers along
        _stop_workers(pool)
        raise
    finally:
        sys.setswitchinterval(switch)
    pool.shutdown(wait=True)
    by_position: dict[int, ParseResult] = {}
    for place, chunk in zip(places, parsed):
        for index, result in zip(place, chunk or ()):
            by_position[index] = result
    return [by_position[i] for i in range(len(items))]
