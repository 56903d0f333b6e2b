"""One line per finding, ``path:line:col: ID message``, the format editors and CI log
parsers already understand."""

from __future__ import annotations

from typing import IO, Callable

from readycheck.reporters import clean_line
from readycheck.engine.runner import ScanResult


def report(result: ScanResult, out: IO[str], display: Callable[[str], str]) -> None:
    for f in result.findings:
        out.write(f"{clean_line(display(f.path))}:{f.span.line}:{f.span.column}: {f.rule_id} "
                  f"[{f.severity}] {clean_line(f.message)}\n")
    for d in result.diagnostics:
        where = clean_line(display(d.path)) if not d.path.startswith("<") else d.path
        out.write(f"{where}:{d.line or 1}:1: not judged: {clean_line(d.message)}\n")
