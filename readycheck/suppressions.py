"""Inline suppressions: ``# readycheck: ignore[RC101, RC2]``.

Written at the end of the offending line, or on comment-only lines directly
above it, in any file type with ``#`` comments (Python, Dockerfile, YAML, TOML,
Procfile, requirements, shell). Ids may be families (``RC2``). A bare
``# readycheck: ignore`` silences every rule on that line; it is allowed, and
listed by ``--show-suppressed`` so it can be narrowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from readycheck.findings import Finding
from readycheck.text import TextIndex

PATTERN = re.compile(r"#\s*readycheck:\s*ignore\b(?:\[([^\]]*)\])?", re.IGNORECASE)


@dataclass(frozen=True)
class Suppression:
    line: int
    rules: tuple[str, ...]  # empty for a bare ignore
    text: str

    @property
    def bare(self) -> bool:
        return not self.rules

    def covers(self, rule_id: str) -> bool:
        return self.bare or any(rule_id.startswith(r) for r in self.rules)


def _on_line(index: TextIndex, line: int) -> Suppression | None:
    text = index.line_text(line)
    if "readycheck" not in text:
        return None
    m = PATTERN.search(text)
    if not m:
        return None
    rules = tuple(r.strip().upper() for r in (m.group(1) or "").split(",") if r.strip())
    return Suppression(line, rules, m.group(0))


def find(index: TextIndex, finding: Finding) -> Suppression | None:
    """The suppression comment covering a finding, if any."""
    line = finding.span.line
    found = _on_line(index, line)
    if found is not None and found.covers(finding.rule_id):
        return found
    above = line - 1
    while above >= 1 and index.line_text(above).lstrip().startswith("#"):
        found = _on_line(index, above)
        if found is not None and found.covers(finding.rule_id):
            return found
        above -= 1
    return None
