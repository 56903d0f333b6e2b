"""Human report: findings grouped by file, the offending line with a caret
under the exact token, the fix, and a summary by severity. Colour only on a
terminal without NO_COLOR; scanned text is never interpreted as markup."""

from __future__ import annotations

from itertools import groupby
from typing import IO

from rich.console import Console
from rich.text import Text

from readycheck.findings import Finding, Severity
from readycheck.reporters import clean
from readycheck.runner import ScanResult
from readycheck.sourcefile import UnreadableFile

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report(result: ScanResult, out: IO[str], *, color: bool, display, show_suppressed: bool = False) -> None:
    source_line = _line_reader(result)
    console = Console(file=out, force_terminal=color, no_color=not color, highlight=False, soft_wrap=True,
                      width=120 if not color else None, emoji=False)
    shown = result.findings + (result.suppressed if show_suppressed else [])
    shown.sort(key=Finding.sort_key)
    for path, group in groupby(shown, key=lambda f: f.path):
        console.print(Text(clean(display(path)), style="bold underline"))
        helped: set[str] = set()
        for finding in group:
            _finding(console, finding, source_line, show_help=finding.rule_id not in helped)
            helped.add(finding.rule_id)
        console.print()
    if result.diagnostics:
        console.print(Text(f"Not judged ({_plural(len(result.diagnostics), 'problem')} reading input):", style="bold"))
        for diag in result.diagnostics:
            where = clean(display(diag.path) if not diag.path.startswith("<") else diag.path)
            loc = f"{where}:{diag.line}" if diag.line else where
            console.print(Text.assemble("  ", (loc, "bold"), ": ", clean(diag.message)))
        console.print()
    console.print(_summary(result))


def _finding(console: Console, finding: Finding, source_line, show_help: bool = True) -> None:
    span = finding.span
    head = Text.assemble(
        f"  {span.line}:{span.column}  ",
        (f"{finding.severity!s:<7}", _STYLE[finding.severity]),
        " ",
        (finding.rule_id, "bold"),
        "  ",
        clean(finding.message),
    )
    if finding.suppressed_by:
        head.append(f"  (suppressed by {clean(finding.suppressed_by)})", style="dim")
    console.print(head)
    line_text = source_line(finding.path, span.line)
    if line_text is not None:
        line_text = clean(line_text.expandtabs(1))
        gutter = f"{span.line:>6} | "
        console.print(Text(gutter, style="dim") + Text(line_text))
        width = (span.end_column - span.column) if span.end_line == span.line else len(line_text) - span.column + 1
        console.print(Text(" " * (len(gutter) - 2) + "| " + " " * (span.column - 1) + "^" * max(width, 1),
                           style=_STYLE[finding.severity]))
    for related in finding.related:
        console.print(Text(f"         {clean(related.path)}:{related.span.line}:{related.span.column}: "
                           f"{clean(related.message)}", style="dim"))
    if finding.help and show_help:
        console.print(Text("    help: ", style="bold") + Text(clean(finding.help)))


def _summary(result: ScanResult) -> Text:
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    scanned = f"{_plural(result.files_scanned, 'file')} scanned, {_plural(len(result.checks), 'check')}"
    if not result.findings:
        text = Text.assemble(("No findings", "bold green"), f" ({scanned})")
    else:
        files = len({f.path for f in result.findings})
        parts = [(_plural(counts[s], str(s)) if s is not Severity.INFO else f"{counts[s]} info", _STYLE[s])
                 for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if counts[s]]
        text = Text.assemble(("Found " + _plural(len(result.findings), "problem"), "bold"), " (")
        for i, part in enumerate(parts):
            if i:
                text.append(", ")
            text.append(*part)
        text.append(f") in {_plural(files, 'file')} ({scanned})")
    if result.suppressed:
        text.append(f"; {len(result.suppressed)} suppressed")
    if result.baselined:
        text.append(f"; {len(result.baselined)} in the baseline")
    return text


def _line_reader(result: ScanResult):
    def read(path: str, line: int) -> str | None:
        source = result.project.file(path) if result.project is not None else None
        if source is None:
            return None
        try:
            return source.index.line_text(line)
        except UnreadableFile:
            return None
    return read
