"""Measure the Python facts extractor alone, against the parse it follows.

    python bench/facts.py [--runs 5] [--scale 1] [--repo PATH ...] [--skip-generated] [--profile 25]

For every Python file readycheck finds in each target (the generated repository
of bench/generate.py and each --repo), in one process with the collector off as
in a scan: the time of ``ast.parse``, of turning the tree into facts (the
extractor of readycheck.parsers.python), and of encoding the facts to bytes as
a parse worker does to send them (readycheck.parsers.python_codec). Medians of
--runs passes, the three phases timed file by file in the same pass, so that
their ratios are measured under the same load. With --profile N, one more pass
of the extractor alone runs under cProfile and the N functions with the most
own time are printed, as shares of the extractor's profiled time.
This is a benchmark script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402


def sources(repo: Path) -> list[tuple[str, bytes]]:
    """(repo-relative path, bytes) of the Python files readycheck finds (its own discovery)."""
    from readycheck.engine.discovery import discover
    from readycheck.core.sourcefile import FileKind

    found = []
    for source in discover(repo, []):
        if source.kind is FileKind.PYTHON:
            try:
                found.append((source.path, Path(source.abspath).read_bytes()))
            except OSError:
                continue
    return found


def one_pass(files: list[tuple[str, bytes]]) -> tuple[float, float, float, int]:
    """(parse, facts, encode) seconds over every file, and how many parsed."""
    from readycheck.parsers.python import _Extractor
    from readycheck.parsers.python_codec import to_bytes

    clock = time.perf_counter
    parse = facts_time = encode = 0.0
    parsed = 0
    for path, data in files:
        start = clock()
        try:
            tree = ast.parse(data, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        parsed_at = clock()
        try:
            facts = _Extractor(path, data).run(tree)
        except RecursionError:
            continue
        extracted_at = clock()
        to_bytes(facts)
        encoded_at = clock()
        parse += parsed_at - start
        facts_time += extracted_at - parsed_at
        encode += encoded_at - extracted_at
        parsed += 1
        del tree, facts
    return parse, facts_time, encode, parsed


def profile_extractor(files: list[tuple[str, bytes]], top: int) -> None:
    """cProfile of the extractor alone (trees parsed outside the profiled calls)."""
    from readycheck.parsers.python import _Extractor

    profiler = cProfile.Profile()
    for path, data in files:
        try:
            tree = ast.parse(data, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        profiler.enable()
        try:
            _Extractor(path, data).run(tree)
        except RecursionError:
            pass
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(entry[2] for entry in stats.stats.values())  # own time of every function
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    print(f"\ncProfile of the extractor alone ({total:.2f} s profiled, profiler overhead included):\n")
    print("| function | calls | own time (s) | share | with callees (s) |\n|---|---:|---:|---:|---:|")
    for (filename, line, name), (_, calls, own, cumulative, _) in rows:
        where = f"{Path(filename).name}:{line} {name}" if line else name
        print(f"| `{where}` | {calls:,} | {own:.3f} | {own / total:.0%} | {cumulative:.3f} |")


def bench(label: str, repo: Path, runs: int, top: int) -> None:
    files = sources(repo)
    size = sum(len(data) for _, data in files)
    passes = []
    gc.disable()
    try:
        for _ in range(runs):
            passes.append(one_pass(files))
        parse, facts, encode = (statistics.median(p[i] for p in passes) for i in range(3))
        parsed = passes[0][3]
        print(f"\n## {label}: {len(files):,} Python files ({size / 1e6:.1f} MB), {parsed:,} parsed, "
              f"median of {runs} passes, one process\n")
        print("| phase | seconds | x ast.parse |\n|---|---:|---:|")
        print(f"| ast.parse | {parse:.3f} | 1.00x |")
        print(f"| facts extractor | {facts:.3f} | {facts / parse:.2f}x |")
        print(f"| facts to bytes (what a worker sends) | {encode:.3f} | {encode / parse:.2f}x |")
        print(f"| parse + facts | {parse + facts:.3f} | {(parse + facts) / parse:.2f}x |")
        print(f"\nPer pass, facts / parse: {', '.join(f'{p[1] / p[0]:.2f}' for p in passes)}")
        if top:
            profile_extractor(files, top)
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repo", type=Path, action="append", default=[])
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    args = parser.parse_args()
    if not args.skip_generated:
        with tempfile.TemporaryDirectory(prefix="readycheck-facts-") as tmp:
            repo = Path(tmp) / "generated"
            generate(repo, args.scale)
            bench(f"generated repository (scale {args.scale})", repo, args.runs, args.profile)
    for repo in args.repo:
        bench(str(repo), repo.resolve(), args.runs, args.profile)


if __name__ == "__main__":
    main()
