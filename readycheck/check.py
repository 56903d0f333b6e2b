"""The contract between the engine and a check, built-in or third-party.

A check is a class with its documentation and its own examples::

    class RootUser(Check):
        id = "RC101"
        name = "root-user"
        severity = Severity.ERROR
        summary = "The final image stage runs as root"
        why = "..."
        fix = "..."
        examples = (
            Example({"Dockerfile": "FROM python:3.12-slim\\nCMD [...]\\n"}, expect=["Dockerfile:1"]),
            Example({"Dockerfile": "...\\nUSER app\\n"}),  # must not flag
        )

        def run(self, project):
            for dockerfile in project.dockerfiles:
                ...
                yield self.finding(dockerfile.path, span, "message naming the concrete thing")

Register it under the ``readycheck.checks`` entry-point group; the generic test
suite runs every registered check's examples.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping

from readycheck.findings import Finding, Related, Severity, Span

if TYPE_CHECKING:
    from readycheck.fixes import Edit, Fix
    from readycheck.project import Project


@dataclass(frozen=True)
class Expected:
    """One finding an example must produce: ``"path:line"``, optionally ``:column`` and ``:severity``, and
    optionally, after a space, the whole message (``"Dockerfile:1:6 the final stage ... runs as root"``),
    so that a change of column or wording fails the check's own test."""

    path: str
    line: int
    severity: Severity | None = None
    column: int | None = None
    message: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Expected":
        where, _, message = text.partition(" ")
        parts = where.split(":")
        severity = None
        if len(parts) > 2 and not parts[-1].isdigit():
            severity = Severity.parse(parts.pop())
        column = None
        if len(parts) > 2 and parts[-1].isdigit() and parts[-2].isdigit():
            column = int(parts.pop())
        line = int(parts.pop())
        return cls(":".join(parts), line, severity, column, message or None)

    def matches(self, finding: Finding, default: Severity) -> bool:
        return (finding.path == self.path and finding.span.line == self.line
                and finding.severity == (self.severity or default)
                and (self.column is None or finding.span.column == self.column)
                and (self.message is None or finding.message == self.message))

    @property
    def pinned(self) -> bool:
        return self.column is not None and self.message is not None


@dataclass(frozen=True)
class Example:
    """A mini-repository and the findings the check must produce on it.

    ``files`` maps repo-relative paths to contents (dedented, leading newline
    dropped). ``expect`` lists one expectation (see ``Expected``: at least
    ``"path:line"``) for every finding of this check; an empty ``expect`` means
    the check must report nothing. ``options`` are check options for this example.
    """

    files: Mapping[str, str]
    expect: tuple[str, ...] | list[str] = ()
    title: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    #: Other rules the example runs with (RC001 judges the suppressions of rules that ran);
    #: only this check's findings are compared with ``expect``.
    also_select: tuple[str, ...] | list[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", {path: textwrap.dedent(text).lstrip("\n") for path, text in self.files.items()})
        object.__setattr__(self, "expect", tuple(self.expect))
        object.__setattr__(self, "also_select", tuple(self.also_select))

    @property
    def flags(self) -> bool:
        return bool(self.expect)

    def expected(self) -> list[Expected]:
        return [Expected.parse(e) for e in self.expect]


class Check:
    """Base class of every check. Subclasses set the class attributes and ``run``."""

    #: Stable rule id, e.g. "RC101": family digit, then a number. Never reused.
    id: ClassVar[str]
    #: Short kebab-case name, e.g. "root-user".
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    #: One line: what is wrong.
    summary: ClassVar[str]
    #: Why it matters in production.
    why: ClassVar[str]
    #: How to fix it.
    fix: ClassVar[str]
    tags: ClassVar[tuple[str, ...]] = ()
    #: How often a finding of this check is right, in SARIF's terms (GitHub code scanning shows and sorts by
    #: it): "very-high" for a literal token (``--reload``), "high" for a fact worked out across files,
    #: "medium" for the absence of something anywhere in the repository (no probe, no readiness route),
    #: which a platform readycheck does not read may supply.
    precision: ClassVar[str] = "high"
    examples: ClassVar[tuple[Example, ...]] = ()
    #: Options the user may set under [tool.readycheck.options.<ID>], with defaults.
    default_options: ClassVar[Mapping[str, Any]] = {}
    #: Links for further reading.
    references: ClassVar[tuple[str, ...]] = ()
    #: Findings in development files (Dockerfiles, compose files, requirements and manifests under
    #: tests/, .github/, .devcontainer/; docker-compose.override.yml, Dockerfile.dev...) never deploy the
    #: service, so the runner reports them as info. Python modules are judged by what the app imports
    #: instead (app/routers/debug.py still serves production). A check whose findings matter in
    #: development files too sets this to False.
    development_files_are_info: ClassVar[bool] = True
    #: An opt-in rule runs only when a selector names it (its id, family or name), never by "ALL"
    #: or the default selection.
    opt_in: ClassVar[bool] = False
    #: A check that judges the suppression comments themselves (RC001 unused-suppression) runs after
    #: the suppression pass of the other checks, and reads ``project.unused_suppressions``.
    judges_suppressions: ClassVar[bool] = False
    #: For checks with an autofix: (files before, files after) pairs the generic test applies.
    fix_examples: ClassVar[tuple[tuple[Mapping[str, str], Mapping[str, str]], ...]] = ()

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: dict[str, Any] = {**self.default_options, **(options or {})}

    def run(self, project: Project) -> Iterable[Finding]:
        raise NotImplementedError

    def autofix(self, project: "Project", finding: Finding) -> "Fix | list[Edit] | None":
        """The fix of a finding: a ``Fix.safe(edits)`` or ``Fix.unsafe(edits)`` (a plain list of
        edits is a safe fix), or None when the right change is not unambiguous. Checks without
        a fix keep this default."""
        return None

    @classmethod
    def fixable(cls) -> bool:
        return cls.autofix is not Check.autofix

    def finding(self, path: str, span: Span, message: str, *, severity: Severity | None = None,
                related: Iterable[Related] = ()) -> Finding:
        return Finding(self.id, severity or self.severity, path, span, message, self.fix,
                       tuple(sorted(set(related))))

    @classmethod
    def family(cls) -> str:
        return cls.id[:3]
