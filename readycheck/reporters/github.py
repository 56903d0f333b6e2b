"""GitHub Actions workflow annotations, and a Markdown job summary when
``GITHUB_STEP_SUMMARY`` is set. Paths are relative to the working directory,
which in a workflow is the repository checkout."""

from __future__ import annotations

import os
from typing import IO, Callable

from readycheck.core.findings import Severity
from readycheck.reporters import clean_line, markdown_code, markdown_text
from readycheck.engine.runner import ScanResult

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SUMMARY_LIMIT = 100
#: GitHub shows at most 10 annotations of each type (error, warning, notice) a step and drops the rest.
ANNOTATIONS_PER_TYPE = 10


def _data(text: str) -> str:
    """A workflow command's message: GitHub's own escapes (%, CR, LF), after every
    character a terminal or the log could act on is escaped (``clean_line``)."""
    return clean_line(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value (file=, title=): ``:`` and ``,`` end it."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def report(result: ScanResult, out: IO[str], display: Callable[[str], str], names: dict[str, str]) -> None:
    shown = {command: 0 for command in COMMAND.values()}
    left = 0
    for f in result.findings:
        command = COMMAND[f.severity]
        if shown[command] == ANNOTATIONS_PER_TYPE:
            left += 1
            continue
        shown[command] += 1
        span = f.span
        title = f"{f.rule_id} {names.get(f.rule_id, '')}".strip()
        props = (f"file={_property(display(f.path))},line={span.line},col={span.column},endLine={span.end_line},"
                 f"endColumn={span.end_column},title={_property(title)}")
        out.write(f"::{command} {props}::{_data(f.message)}\n")
    for d in result.diagnostics:
        where = f"file={_property(display(d.path))}" + (f",line={d.line}" if d.line else "") \
            if not d.path.startswith("<") else ""
        out.write(f"::warning {where}::{_data('not judged: ' + d.message)}\n" if where else
                  f"::warning ::{_data(d.path + ' ' + d.message)}\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if left:
        where = "the job summary and the SARIF report" if summary else "the SARIF or JSON report"
        out.write(f"::notice title=readycheck::{left} more findings are not shown as annotations (GitHub shows "
                  f"{ANNOTATIONS_PER_TYPE} of each type a step): see {where}\n")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(step_summary(result, display, names))
        except OSError:
            pass


def _cell(text: str) -> str:
    """Scanned text in a Markdown table cell, rendered literally (see ``markdown_text``)."""
    return markdown_text(text)


def step_summary(result: ScanResult, display: Callable[[str], str], names: dict[str, str]) -> str:
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    lines = ["## readycheck", ""]
    if not result.findings:
        lines.append(f"No findings in {result.files_scanned} files ({len(result.checks)} checks).")
    else:
        lines.append(f"**{len(result.findings)} findings**: {counts[Severity.ERROR]} errors, "
                     f"{counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} info "
                     f"({result.files_scanned} files, {len(result.checks)} checks).")
        lines += ["", "| severity | rule | where | message |", "|---|---|---|---|"]
        for f in result.findings[:SUMMARY_LIMIT]:
            lines.append(f"| {f.severity} | {f.rule_id} {names.get(f.rule_id, '')} | "
                         f"{markdown_code(f'{display(f.path)}:{f.span.line}')} | {_cell(f.message)} |")
        if len(result.findings) > SUMMARY_LIMIT:
            lines.append(f"\n... and {len(result.findings) - SUMMARY_LIMIT} more.")
    if result.suppressed:
        lines.append(f"\n{len(result.suppressed)} findings suppressed in source.")
    if result.diagnostics:
        lines.append(f"\n{len(result.diagnostics)} files could not be judged.")
    return "\n".join(lines) + "\n\n"
