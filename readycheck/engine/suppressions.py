"""Inline suppressions: ``# readycheck: ignore[RC101, RC2, dev-reload]``.

Written at the end of the offending line, or on comment-only lines directly
above it, in any file type with ``#`` comments (Python, Dockerfile, YAML, TOML,
Procfile, requirements, shell), and with ``--`` in SQL migrations
(``-- readycheck: ignore[RC701]``). A code is a rule id, a family (``RC2``) or a
rule name (``root-user``). A bare ``# readycheck: ignore`` silences every rule
on that line; it is allowed, and listed by ``--show-suppressed`` so it can be
narrowed. Codes that name no rule are warned about (a typo must not look like a
silenced finding), and RC001 ``unused-suppression`` (opt-in) reports comments
that silence nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from readycheck.core.findings import Finding, Span
from readycheck.core.text import TextIndex

PATTERN = re.compile(r"(?:#|--)\s*readycheck:\s*ignore\b(?:\[([^\]]*)\])?", re.IGNORECASE)


@dataclass(frozen=True)
class Suppression:
    line: int
    rules: tuple[str, ...]  # as written: ids, families or names; empty for a bare ignore
    text: str
    column: int = 1  # 1-based column of the comment's "#"

    @property
    def bare(self) -> bool:
        return not self.rules

    @property
    def end_column(self) -> int:
        return self.column + len(self.text)

    def covering(self, rule_id: str, rule_name: str = "") -> str | None:
        """The code of this comment that covers a rule ("" for a bare ignore), or None."""
        if self.bare:
            return ""
        for code in self.rules:
            if code_matches(code, rule_id, rule_name):
                return code
        return None

    def covers(self, rule_id: str, rule_name: str = "") -> bool:
        return self.covering(rule_id, rule_name) is not None


def code_matches(code: str, rule_id: str, rule_name: str) -> bool:
    """A suppression code names a rule by id, family (an id prefix) or name."""
    return rule_id.startswith(code.upper()) or (bool(rule_name) and code.lower() == rule_name)


def _parse(line: int, text: str) -> Suppression | None:
    m = PATTERN.search(text)
    if not m:
        return None
    rules = tuple(r.strip() for r in (m.group(1) or "").split(",") if r.strip())
    return Suppression(line, rules, m.group(0), m.start() + 1)


def _on_line(index: TextIndex, line: int) -> Suppression | None:
    text = index.line_text(line)
    if "readycheck" not in text:
        return None
    return _parse(line, text)


def find(index: TextIndex, finding: Finding, rule_name: str = "") -> Suppression | None:
    """The suppression comment covering a finding, if any."""
    line = finding.span.line
    found = _on_line(index, line)
    if found is not None and found.covers(finding.rule_id, rule_name):
        return found
    above = line - 1
    while above >= 1 and index.line_text(above).lstrip().startswith(("#", "--")):
        found = _on_line(index, above)
        if found is not None and found.covers(finding.rule_id, rule_name):
            return found
        above -= 1
    return None


def comments(text: str) -> Iterator[Suppression]:
    """Every suppression comment of a file, in line order (one pass over its text)."""
    line, counted = 1, 0
    at = text.find("readycheck")
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        line += text.count("\n", counted, start)  # counted once: linear in the file's size
        counted = start
        found = _parse(line, text[start:end].rstrip("\r"))
        if found is not None:
            yield found
        at = text.find("readycheck", end)


@dataclass(frozen=True)
class UnusedSuppression:
    """A code of a suppression comment ("" for a bare ignore) that silenced no finding of a rule that ran."""

    path: str
    span: Span  # the comment
    code: str
    comment: str
