"""Human report: findings grouped by file, the offending line with a caret
under the exact token, the fix, and a summary by severity. Colour only on a
terminal without NO_COLOR; scanned text is never interpreted as markup.

Lines are written directly, with ANSI SGR codes when coloured: rich's Console
costs a third of a millisecond per printed line, 3.5 s for a report of 2,700
findings, for output that needs no layout (no wrapping, no tables).
"""

from __future__ import annotations

from itertools import groupby
from typing import IO

from readycheck.core.findings import Finding, Severity
from readycheck.reporters import clean, clean_line
from readycheck.engine.runner import ScanResult
from readycheck.core.sourcefile import UnreadableFile

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SGR = {"bold": "1", "dim": "2", "underline": "4", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}


class _Painter:
    """Styles text with ANSI SGR codes, or leaves it plain."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        codes = ";".join(_SGR[word] for word in style.split())
        return f"\x1b[{codes}m{text}\x1b[0m"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


#: What one finding prints of its source line: a window this wide around the token (a
#: 97 KB line with 12,000 findings printed whole, with a caret line as wide, made 1.7 GB).
LINE_WINDOW = 160
#: Findings of one rule on one line shown in full; the rest are counted in one line.
SAME_LINE_SHOWN = 5


def report(result: ScanResult, out: IO[str], *, color: bool, display, show_suppressed: bool = False,
           summary: bool = True) -> None:
    """The report; ``summary=False`` (``--quiet``) leaves out the closing summary line.

    Written as a stream, a line at a time: a report of many findings is never joined in
    memory. The blank line after a section is written only when something follows it."""
    source_line = _line_reader(result)
    paint = _Painter(color)
    blank = False

    def write(text: str) -> None:
        nonlocal blank
        if blank:
            out.write("\n")
            blank = False
        out.write(text)

    shown = result.findings + (result.suppressed if show_suppressed else [])
    shown.sort(key=Finding.sort_key)
    for path, group in groupby(shown, key=lambda f: f.path):
        write(paint(clean_line(display(path)), "bold underline") + "\n")
        helped: set[str] = set()
        for (line, rule_id), same_line in groupby(group, key=lambda f: (f.span.line, f.rule_id)):
            for number, finding in enumerate(same_line):
                if number == SAME_LINE_SHOWN:
                    rest = 1 + sum(1 for _ in same_line)
                    write(paint(f"  {line}: ... and {_plural(rest, 'more ' + rule_id + ' finding')} on this line "
                                f"(every one is in --format json)", "dim") + "\n")
                    break
                lines: list[str] = []
                _finding(lines, paint, finding, source_line, show_help=finding.rule_id not in helped)
                helped.add(finding.rule_id)
                write("\n".join(lines) + "\n")
        blank = True
    if result.diagnostics:
        write(paint(f"Not judged ({_plural(len(result.diagnostics), 'problem')} reading input):", "bold") + "\n")
        for diag in result.diagnostics:
            where = clean_line(display(diag.path) if not diag.path.startswith("<") else diag.path)
            loc = f"{where}:{diag.line}" if diag.line else where
            write(f"  {paint(loc, 'bold')}: {clean_line(diag.message)}\n")
        blank = True
    if summary:
        write(_summary(result, paint) + "\n")


def _window(text: str, column: int, width: int) -> tuple[str, int, int]:
    """(shown part of a long line, its first column, its width) around a token: at most
    LINE_WINDOW characters, the token's start in view, "..." where text was cut."""
    if len(text) <= LINE_WINDOW:
        return text, column, width
    start = max(0, min(column - 1 - LINE_WINDOW // 4, len(text) - LINE_WINDOW))
    shown = text[start:start + LINE_WINDOW]
    prefix = "..." if start else ""
    suffix = "..." if start + LINE_WINDOW < len(text) else ""
    column = column - start + len(prefix)
    width = max(1, min(width, LINE_WINDOW - (column - len(prefix)) + 1))
    return prefix + shown + suffix, column, width


def _finding(lines: list[str], paint: _Painter, finding: Finding, source_line, show_help: bool = True) -> None:
    span = finding.span
    head = (f"  {span.line}:{span.column}  {paint(f'{finding.severity!s:<7}', _STYLE[finding.severity])} "
            f"{paint(finding.rule_id, 'bold')}  {clean_line(finding.message)}")
    if finding.suppressed_by:
        head += paint(f"  (suppressed by {clean_line(finding.suppressed_by)})", "dim")
    lines.append(head)
    line_text = source_line(finding.path, span.line)
    if line_text is not None:
        line_text = line_text.expandtabs(1)
        width = (span.end_column - span.column) if span.end_line == span.line else len(line_text) - span.column + 1
        line_text, column, width = _window(line_text, span.column, width)
        line_text = clean(line_text)
        gutter = f"{span.line:>6} | "
        lines.append(paint(gutter, "dim") + line_text)
        lines.append(paint(" " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * max(width, 1),
                           _STYLE[finding.severity]))
    for related in finding.related:
        lines.append(paint(f"         {clean_line(related.path)}:{related.span.line}:{related.span.column}: "
                           f"{clean_line(related.message)}", "dim"))
    if finding.help and show_help:
        lines.append(paint("    help: ", "bold") + clean_line(finding.help))


def _summary(result: ScanResult, paint: _Painter) -> str:
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    scanned = f"{_plural(result.files_scanned, 'file')} scanned, {_plural(len(result.checks), 'check')}"
    if not result.findings:
        text = f"{paint('No findings', 'bold green')} ({scanned})"
    else:
        files = len({f.path for f in result.findings})
        parts = [paint(_plural(counts[s], str(s)) if s is not Severity.INFO else f"{counts[s]} info", _STYLE[s])
                 for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if counts[s]]
        text = (f"{paint('Found ' + _plural(len(result.findings), 'problem'), 'bold')} ({', '.join(parts)}) "
                f"in {_plural(files, 'file')} ({scanned})")
    if result.suppressed:
        text += f"; {len(result.suppressed)} suppressed"
    if result.baselined:
        text += f"; {len(result.baselined)} in the baseline"
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
