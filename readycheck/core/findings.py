"""What a scan produces: findings (problems in the scanned repo) and diagnostics
(files readycheck could not read or understand).

Positions are 1-based lines and 1-based columns counted in characters; the end
column is exclusive, as in SARIF, so ``end_column - column`` is the token length.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from readycheck.core.fixes import Fix


class Severity(enum.IntEnum):
    """How bad a finding is. Ordered, so ``--fail-on`` can compare."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


class _SpanFields(NamedTuple):
    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0


class Span(_SpanFields):
    """A region of a file: start line/column and exclusive end column.

    A named tuple rather than a dataclass: facts hold hundreds of thousands of
    spans, and a tuple is built 2x faster and pickles to half the bytes (facts
    travel from worker processes and live in the cache). Ordered like a tuple.
    """

    __slots__ = ()

    def __new__(cls, line: int, column: int = 1, end_line: int = 0, end_column: int = 0) -> "Span":
        if end_line < line:
            end_line = line
        if end_line == line and end_column < column:
            end_column = column
        return tuple.__new__(cls, (line, column, end_line, end_column))

    def __repr__(self) -> str:
        return f"Span({self.line}, {self.column}, {self.end_line}, {self.end_column})"


@dataclass(frozen=True, order=True)
class Related:
    """A further place that explains a finding (a step of a call path, the
    file that runs a script, the line a number came from)."""

    path: str
    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    path: str
    span: Span
    message: str
    help: str = ""
    related: tuple[Related, ...] = ()
    #: Set by the suppression pass: the comment that silenced this finding.
    suppressed_by: str | None = field(default=None, compare=False)
    #: The fix the check attached when it made the finding (``Check.finding(..., fix=...)``), applied by
    #: ``--fix``/``--diff``; None when the check offers none for this finding.
    fix: Fix | None = field(default=None, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.span, self.rule_id, self.message, self.related)

    def with_severity(self, severity: Severity) -> "Finding":
        return replace(self, severity=severity)


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A file readycheck could not read or parse, or a plugin that failed.

    Diagnostics never stop a scan; they are shown beside the findings so the
    user knows which files were not judged.
    """

    path: str
    message: str
    line: int = 0
    #: "parse" for unreadable input, "internal" for a failing check or plugin.
    kind: str = "parse"
