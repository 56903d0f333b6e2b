"""Autofixes (``--fix``) and their preview (``--diff``), safe and unsafe, as in ruff.

A check attaches the fix to the finding when it makes it:
``self.finding(path, span, message, fix=Fix.safe([Edit(...)]))``, a ``Fix`` (text
edits and their applicability), a plain list of edits (a safe fix), or nothing when
the right change is not unambiguous. ``--fix`` applies the attached fixes; it never
works a fix out again from a finding's message. (A third-party check's deprecated
``autofix(project, finding)`` method is still asked, until 0.2, for a finding that
carries no fix.) The fix declares its applicability where it is made: a *safe* fix keeps what the program does
(``--no-cache-dir``, exec-form CMD of a literal command); an *unsafe* fix may
change it (a non-root ``USER`` the app's files are not owned by), and is applied
only with ``--unsafe-fixes``. Rule documentation says why under "Fix safety".

A fix is applied whole or not at all; when two fixes overlap, the later one
waits: ``--fix`` rescans and fixes again, in rounds, until nothing changes
(``--diff`` previews the first round). Fixing twice changes nothing the second
time, because a fixed finding is gone.
"""

from __future__ import annotations

import difflib
import enum
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from readycheck.core.sourcefile import UnreadableFile

if TYPE_CHECKING:
    from readycheck.core.check import Check
    from readycheck.core.findings import Finding
    from readycheck.model.project import Project


@dataclass(frozen=True, order=True)
class Edit:
    path: str
    start: int  # character offsets in the file's text
    end: int
    replacement: str


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fix:
    """The edits that fix one finding, and whether applying them keeps the program's behaviour."""

    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    @classmethod
    def safe(cls, edits: Iterable[Edit]) -> "Fix":
        return cls(tuple(edits), Applicability.SAFE)

    @classmethod
    def unsafe(cls, edits: Iterable[Edit]) -> "Fix":
        return cls(tuple(edits), Applicability.UNSAFE)


@dataclass
class Plan:
    """One round of fixes: the edits per file, the findings they fix, and how many
    fixes were left out because they are unsafe and ``--unsafe-fixes`` was not given."""

    edits: dict[str, list[Edit]] = field(default_factory=dict)
    fixed: list["Finding"] = field(default_factory=list)
    hidden_unsafe: int = 0


_WARNED: set[type] = set()


def proposed_fix(check: "Check | None", project: "Project | None", finding: "Finding") -> Fix | None:
    """The fix of a finding: the one its check attached, else (deprecated, third-party checks until 0.2)
    what the check's ``autofix`` override returns, normalised to a ``Fix`` (a plain edit list is safe)."""
    if finding.fix is not None:
        return finding.fix
    if check is None or project is None or not _legacy(check):
        return None
    if type(check) not in _WARNED:
        _WARNED.add(type(check))
        warnings.warn(f"{type(check).__qualname__}.autofix(project, finding) is deprecated and is removed in "
                      f"readycheck 0.2: attach the fix when the finding is made, self.finding(..., fix=...)",
                      DeprecationWarning, stacklevel=2)
    try:
        proposed = check.autofix(project, finding)
    except Exception:  # a fix that cannot work out its edit is not applied
        return None
    if not proposed:
        return None
    if isinstance(proposed, Fix):
        return proposed if proposed.edits else None
    return Fix.safe(proposed)


def _legacy(check: "Check") -> bool:
    return type(check).has_legacy_autofix()  # asked of the check: fixes never imports the check module


def _overlaps(edits: list[Edit]) -> bool:
    ordered = sorted(edits)
    return any(a.path == b.path and a.end > b.start for a, b in zip(ordered, ordered[1:]))


def plan_fixes(project: "Project | None", findings: list["Finding"], checks: dict[str, "Check"], *,
               unsafe: bool = False) -> Plan:
    """The fixes to apply this round: every applicable fix that overlaps no fix kept before it.
    ``checks`` (by rule id) are asked only for a deprecated ``autofix`` override."""
    result = Plan()
    kept: dict[str, list[Edit]] = {}
    for finding in findings:
        fix = proposed_fix(checks.get(finding.rule_id), project, finding)
        if fix is None:
            continue
        if fix.applicability is Applicability.UNSAFE and not unsafe:
            result.hidden_unsafe += 1
            continue
        edits = sorted(set(fix.edits))
        if _overlaps(edits):  # a fix at odds with itself is never applied
            continue
        if all(edit in kept.get(edit.path, ()) for edit in edits):  # the same change, proposed twice
            result.fixed.append(finding)
            continue
        # Whole fixes only: one that overlaps an edit already kept waits for the next round.
        if any(other.start < edit.end and edit.start < other.end
               for edit in edits for other in kept.get(edit.path, ())):
            continue
        for edit in edits:
            kept.setdefault(edit.path, []).append(edit)
        result.fixed.append(finding)
    result.edits = {path: sorted(edits) for path, edits in kept.items()}
    return result


def plan(project: "Project | None", findings: list["Finding"], checks: dict[str, "Check"], *,
         unsafe: bool = False) -> dict[str, list[Edit]]:
    """Edits per file for every finding that has a fix (safe fixes, unless ``unsafe``)."""
    return plan_fixes(project, findings, checks, unsafe=unsafe).edits


def apply_text(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, reverse=True):
        text = text[:edit.start] + edit.replacement + text[edit.end:]
    return text


def apply(project: "Project", plans: dict[str, list[Edit]], write: bool) -> tuple[str, int]:
    """(unified diff of every change, number of files changed); writes the files when asked."""
    diff, changed, _ = apply_files(project, plans, write)
    return diff, changed


def apply_files(project: "Project", plans: dict[str, list[Edit]], write: bool
                ) -> tuple[str, int, dict[str, str]]:
    """(unified diff, number of files changed, new text per changed file); writes when asked."""
    diffs: list[str] = []
    texts: dict[str, str] = {}
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
        texts[path] = after
        diffs.append("".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                                  fromfile=f"a/{path}", tofile=f"b/{path}")))
        if write:
            write_source(source, after)
    return "".join(diffs), len(texts), texts


def fixed_counts(fixed: Iterable["Finding"]) -> Counter:
    """How many findings were fixed, per (file, rule)."""
    return Counter((f.path, f.rule_id) for f in fixed)


def write_source(source, text: str) -> None:
    """Rewrite a scanned file in place, opened as it was read: relative to the root's
    descriptor, no link followed on any component (a file swapped for a link is refused)."""
    import os

    from readycheck.core.safefs import NOFOLLOW

    data = text.encode("utf-8")
    if source.base is not None:
        fd = source.base.open(source.rel, os.O_WRONLY | os.O_TRUNC)
    else:
        fd = os.open(source.abspath, os.O_WRONLY | os.O_TRUNC | NOFOLLOW)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
