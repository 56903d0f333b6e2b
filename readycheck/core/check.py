"""The contract between the engine and a check, built-in or third-party.

A check is a class with its documentation and its own examples::

    class RootUser(Check):
        id = "RC101"
        name = "root-user"
        severity = Severity.ERROR
        summary = "The final image stage runs as root"
        fix = "..."  # the one-line remedy every finding carries as its help
        examples = (
            Example({"Dockerfile": "FROM python:3.12-slim\\nCMD [...]\\n"}, expect=["Dockerfile:1"],
                    fixed={"Dockerfile": "FROM python:3.12-slim\\nUSER app\\nCMD [...]\\n"}),
            Example({"Dockerfile": "...\\nUSER app\\n"}),  # must not flag
        )

        def run(self, project):
            for dockerfile in project.dockerfiles:
                ...
                yield self.finding(dockerfile.path, span, "message naming the concrete thing",
                                   fix=Fix.unsafe([Edit(dockerfile.path, start, end, "USER app\\n")]))

The documentation (why it matters, examples, fix safety) is the docstring's sections (see
``readycheck.core.ruledoc``). A fix is attached when the finding is made, where the check knows what it
found; ``--fix`` applies the attached fixes and never works a fix out again from the message. A check
is fixable when an example says what its fix leaves (``fixed=``).

Register it under the ``readycheck.checks`` entry-point group; the generic test
suite runs every registered check's examples.

Deprecated, kept working for third-party checks until 0.2 (each warns with a DeprecationWarning when
the class is defined): the ``why`` attribute (write a "Why is this bad" docstring section), the
``autofix(project, finding)`` method (pass ``fix=`` to ``finding``) and ``fix_examples`` (give the
example ``fixed=``).
"""

from __future__ import annotations

import textwrap
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping, Union

from readycheck.core.findings import Finding, Related, Severity, Span

if TYPE_CHECKING:
    from readycheck.core.fixes import Edit, Fix
    from readycheck.model.project import Project

    #: What ``Check.finding(fix=...)`` takes: a ``Fix``, a list of edits (a safe fix), None, or a
    #: function of no arguments returning one of those (called at once; if it raises, no fix).
    FixLike = Union[Fix, Iterable[Edit], None, Callable[[], Union[Fix, Iterable[Edit], None]]]

#: The release that drops the deprecated ``why``, ``autofix`` and ``fix_examples``.
LEGACY_REMOVED_IN = "0.2"


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
    #: The files after ``readycheck --fix --unsafe-fixes`` (dedented like ``files``; a file left out is
    #: unchanged). Given on any example, it makes the check fixable, and the generic test applies it.
    fixed: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", {path: textwrap.dedent(text).lstrip("\n") for path, text in self.files.items()})
        if self.fixed is not None:
            object.__setattr__(self, "fixed", {path: textwrap.dedent(text).lstrip("\n")
                                               for path, text in self.fixed.items()})
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
    #: Deprecated (until 0.2): why it matters, now the docstring's "Why is this bad" section.
    why: ClassVar[str]
    #: How to fix it: one line, the help every finding carries.
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
    #: A check outside readycheck that reads the repository only through the project model (never with
    #: its own ``open()``) may set this: a rescan after an edit then reuses the last result when nothing
    #: the scan read changed (readycheck.engine.incremental). readycheck's own checks need not say it.
    reads_only_project: ClassVar[bool] = False
    #: Deprecated (until 0.2): (files before, files after) pairs; give an example ``fixed=`` instead.
    fix_examples: ClassVar[tuple[tuple[Mapping[str, str], Mapping[str, str]], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        legacy = {"why": 'the "Why is this bad" section of the docstring',
                  "autofix": "self.finding(..., fix=Fix.safe([Edit(...)]))",
                  "fix_examples": "Example(..., fixed={...})"}
        for name, instead in legacy.items():
            if name in cls.__dict__:
                warnings.warn(f"{cls.__module__}.{cls.__qualname__}: Check.{name} is deprecated and is removed in "
                              f"readycheck {LEGACY_REMOVED_IN}; use {instead}", DeprecationWarning, stacklevel=2)

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: dict[str, Any] = {**self.default_options, **(options or {})}

    def run(self, project: Project) -> Iterable[Finding]:
        raise NotImplementedError

    def autofix(self, project: "Project", finding: Finding) -> "Fix | list[Edit] | None":
        """Deprecated (until 0.2): the fix of a finding, worked out after the scan. Attach the fix when
        the finding is made instead (``self.finding(..., fix=...)``). ``--fix`` still calls an override
        for a finding that carries no fix of its own."""
        return None

    @classmethod
    def has_legacy_autofix(cls) -> bool:
        return cls.autofix is not Check.autofix

    @classmethod
    def fixable(cls) -> bool:
        """Whether the check offers fixes: an example says what its fix leaves (``fixed=``), or (deprecated)
        it overrides ``autofix`` or gives ``fix_examples``. The generic test fails a check that attaches a
        fix without saying so."""
        return any(e.fixed is not None for e in cls.examples) or bool(cls.fix_examples) or cls.has_legacy_autofix()

    def finding(self, path: str, span: Span, message: str, *, severity: Severity | None = None,
                related: Iterable[Related] = (), fix: FixLike = None) -> Finding:
        """A finding of this check. ``fix`` is its fix, worked out here, where the check knows what it found:
        a ``Fix.safe(edits)``/``Fix.unsafe(edits)``, a list of edits (a safe fix), or a function of no
        arguments returning one; a function that raises gives no fix (a fix that cannot work out its edit
        is never applied), and the finding is reported all the same."""
        return Finding(self.id, severity or self.severity, path, span, message, self.fix,
                       tuple(sorted(set(related))), fix=_as_fix(fix) if fix is not None else None)

    @classmethod
    def family(cls) -> str:
        return cls.id[:3]


def _as_fix(fix: FixLike) -> Fix | None:
    from readycheck.core.fixes import Fix

    if callable(fix) and not isinstance(fix, Fix):
        try:
            fix = fix()
        except Exception:  # a fix that cannot work out its edit is not applied; the finding stands
            return None
    if fix is None:
        return None
    if isinstance(fix, Fix):
        return fix if fix.edits else None
    edits = tuple(fix)
    return Fix.safe(edits) if edits else None
