"""Offsets to positions: every front end reports exact token positions through this."""

from __future__ import annotations

import bisect
from functools import cached_property

from readycheck.core.findings import Span


class TextIndex:
    """Maps character offsets in a text to 1-based (line, column) pairs.

    Both tables are built on first use: a report or a suppression lookup that only
    reads a line or two of a file splits it into lines (in C) and never builds the
    offset table."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _starts(self) -> list[int]:
        starts = [0]
        at = self.text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = self.text.find("\n", at + 1)
        return starts

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def offset(self, line: int, column: int = 1) -> int:
        """Offset of a 1-based line and column."""
        line = min(max(line, 1), len(self._starts))
        return min(self._starts[line - 1] + column - 1, len(self.text))

    def position(self, offset: int) -> tuple[int, int]:
        offset = min(max(offset, 0), len(self.text))
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(max(end, start))
        return Span(line, col, end_line, end_col)

    def line_text(self, line: int) -> str:
        lines = self._lines
        return lines[line - 1].rstrip("\r") if 1 <= line <= len(lines) else ""

    def find(self, needle: str, start_line: int, end_line: int) -> Span | None:
        """Span of the first ``needle`` between two lines (inclusive), if any."""
        if not needle:
            return None
        lo = self.offset(start_line)
        hi = self.offset(end_line + 1) if end_line < self.line_count else len(self.text)
        at = self.text.find(needle, lo, hi)
        if at < 0:
            return None
        return self.span(at, at + len(needle))
