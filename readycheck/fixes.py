"""Safe, idempotent autofixes (``--fix``) and their preview (``--diff``).

A check offers a fix by implementing ``Check.autofix(project, finding)``, which
returns text edits (file, start offset, end offset, replacement) or None when
the right change is not unambiguous. Edits are applied whole, per file, from the
end; when two overlap, the later one waits: ``--fix`` rescans and fixes again,
in rounds, until nothing changes (``--diff`` previews the first round). Fixing
twice changes nothing the second time, because a fixed finding is gone.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from readycheck.sourcefile import UnreadableFile

if TYPE_CHECKING:
    from readycheck.check import Check
    from readycheck.findings import Finding
    from readycheck.project import Project


@dataclass(frozen=True, order=True)
class Edit:
    path: str
    start: int  # character offsets in the file's text
    end: int
    replacement: str


def plan(project: "Project", findings: list["Finding"], checks: dict[str, "Check"]) -> dict[str, list[Edit]]:
    """Edits per file for every finding whose check can fix it safely."""
    edits: dict[str, list[Edit]] = {}
    for finding in findings:
        check = checks.get(finding.rule_id)
        if check is None:
            continue
        try:
            proposed = check.autofix(project, finding)
        except Exception:  # a fix that cannot work out its edit is not safe
            proposed = None
        for edit in proposed or []:
            edits.setdefault(edit.path, []).append(edit)
    safe: dict[str, list[Edit]] = {}
    for path, file_edits in edits.items():
        kept: list[Edit] = []
        for edit in sorted(set(file_edits)):
            # Whole edits only: one that overlaps an edit already kept waits for the next round.
            if not kept or kept[-1].end <= edit.start:
                kept.append(edit)
        safe[path] = kept
    return safe


def apply_text(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, reverse=True):
        text = text[:edit.start] + edit.replacement + text[edit.end:]
    return text


def apply(project: "Project", plans: dict[str, list[Edit]], write: bool) -> tuple[str, int]:
    """(unified diff of every change, number of files changed); writes the files when asked."""
    diffs: list[str] = []
    changed = 0
    for path in sorted(plans):
        source = project.file(path)
        if source is None:
            continue
        try:
            before = source.text
        except UnreadableFile:
            continue
        after = apply_text(before, plans[path])
        if after == before:
            continue
        changed += 1
        diffs.append("".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                                  fromfile=f"a/{path}", tofile=f"b/{path}")))
        if write:
            Path(source.abspath).write_text(after, encoding="utf-8", newline="")
    return "".join(diffs), changed
