"""A rule's user documentation, from its docstring: one source for ``explain``, ``rules --format markdown``
(docs/rules.md) and SARIF's ``fullDescription`` and ``help``.

A check documents itself as ruff's rules do, in sections::

    RC101 root-user: the final image stage runs as root.

    What it does
        ...
    Why is this bad
        ...
    Example
        FROM python:3.12-slim
        CMD ["gunicorn", "app:app"]
    Use instead
        ...
    Details
        (optional, Markdown shown as written: a table of measurements)
    References
        https://...

The class docstring is read first, then the module's (the built-in checks keep one check a module, as
refurb does, and the module docstring is that check's doc). A third-party check without a "Why is this
bad" section is documented from its deprecated ``why`` attribute (until 0.2). ``fix`` (the one-line remedy every finding carries as its
help) is shown under "How to fix" in every rendering.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readycheck.core.check import Check

#: "Fix safety" (as in ruff's rule docs): whether the autofix is safe (--fix) or unsafe (--unsafe-fixes), and why.
SECTIONS = ("What it does", "Why is this bad", "Example", "Use instead", "Details", "Fix safety", "References")
#: Sections whose body is code or configuration, shown verbatim.
CODE_SECTIONS = ("Example", "Use instead")
#: Sections written in Markdown (a table of measurements), shown as written.
MARKDOWN_SECTIONS = ("Details",)


@dataclass(frozen=True)
class RuleDoc:
    title: str
    sections: dict[str, str] = field(default_factory=dict)

    def section(self, name: str) -> str:
        return self.sections.get(name, "")

    @property
    def why(self) -> str:
        """Why it matters, as one paragraph (SARIF's fullDescription)."""
        return " ".join(self.section("Why is this bad").split())


def _docstring(check: type["Check"]) -> str:
    own = check.__dict__.get("__doc__")
    if own and parse(inspect.cleandoc(own))[1]:
        return inspect.cleandoc(own)
    module = sys.modules.get(check.__module__)
    return inspect.cleandoc(module.__doc__) if module is not None and module.__doc__ else ""


def parse(text: str) -> tuple[str, dict[str, str]]:
    """(title, sections): a heading is a section name alone on an unindented line; its body is the
    indented block below it, dedented."""
    title_lines: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.strip() in SECTIONS and not line.startswith((" ", "\t")):
            current = sections.setdefault(line.strip(), [])
        elif current is None:
            title_lines.append(line)
        else:
            current.append(line)
    title = " ".join(" ".join(title_lines).split())
    return title, {name: textwrap.dedent("\n".join(body)).strip("\n") for name, body in sections.items()}


def rule_doc(check: type["Check"]) -> RuleDoc:
    title, sections = parse(_docstring(check))
    if not sections.get("Why is this bad"):
        sections["Why is this bad"] = getattr(check, "why", "")
    if check.references and not sections.get("References"):
        sections["References"] = "\n".join(check.references)
    return RuleDoc(title, sections)


def _prose_markdown(text: str) -> str:
    """Docstring prose to Markdown: reST ``literals`` become `code`; paragraphs are kept."""
    paragraphs = [" ".join(p.split()) for p in text.replace("``", "`").split("\n\n") if p.strip()]
    return "\n\n".join(paragraphs)


def markdown(check: type["Check"]) -> str:
    """The rule's help in Markdown: docs/rules.md and SARIF help.markdown."""
    doc = rule_doc(check)
    lines = [f"**{check.summary}**"]
    for name in SECTIONS[:-1]:
        body = doc.section(name)
        if not body:
            continue
        heading = "Why it matters" if name == "Why is this bad" else name
        lines += ["", f"### {heading}", ""]
        lines += ["```", body, "```"] if name in CODE_SECTIONS else \
            [body] if name in MARKDOWN_SECTIONS else [_prose_markdown(body)]
    lines += ["", "### How to fix", "", check.fix]
    flagged = next((e for e in check.examples if e.flags), None)
    clean = next((e for e in check.examples if not e.flags), None)
    for title, example in (("Flagged", flagged), ("Not flagged", clean)):
        if example is None:
            continue
        lines += ["", f"### {title}: {example.title}" if example.title else f"### {title}"]
        for path, content in example.files.items():
            lines += ["", f"`{path}`", "", "```", content.rstrip("\n"), "```"]
    references = [r for r in doc.section("References").splitlines() if r.strip()]
    if references:
        lines += ["", "### References"] + [f"- {ref.strip()}" for ref in references]
    return "\n".join(lines)


def text(check: type["Check"]) -> str:
    """The rule's documentation for a terminal (``readycheck explain``) and SARIF help.text, without examples."""
    doc = rule_doc(check)
    lines = [f"{check.id} {check.name} ({check.severity})", "", check.summary, ""]
    for name in SECTIONS[:-1]:
        body = doc.section(name)
        if body:
            heading = "Why it matters" if name == "Why is this bad" else name
            lines += [f"{heading}:", textwrap.indent(body, "  "), ""]
    lines += ["How to fix:", f"  {check.fix}", ""]
    return "\n".join(lines)
