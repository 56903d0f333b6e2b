"""Makefiles: recipes that start a server. Makefiles are developer tooling, so what they start
is always development (``make run``), never the production service."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readycheck.core.sourcefile import SourceFile
from readycheck.knowledge.environments import classify_environment
from readycheck.model.deployments.common import repo_expander
from readycheck.model.deployments.fact import Deployment
from readycheck.model.startcommands import StartCommand, finish, words_to_tokens
from readycheck.parsers.shell import parse_commands

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "Makefile"
_TARGET = re.compile(r"^([A-Za-z0-9_.-]+)\s*:(?!=)")


def read(project: "Project", source: SourceFile) -> Deployment:
    return Deployment(PLATFORM, source.path, tuple(project.guarded(source.path, lambda: _starts(project, source))))


def _starts(project: "Project", source: SourceFile) -> list[StartCommand]:
    starts: list[StartCommand] = []
    expander = repo_expander(project, source)
    text = source.text
    target = None
    offset = 0
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        line_start = offset
        offset += len(line) + 1
        # a recipe line ending in a backslash goes on with the next: make hands both to the shell,
        # which joins them (was: cut at the first line, the flags after it lost)
        while line.startswith("\t") and line.rstrip("\r").endswith("\\") and number < len(lines):
            line += "\n" + lines[number]
            offset += len(lines[number]) + 1
            number += 1
        m = _TARGET.match(line)
        if m:
            target = m.group(1)
            continue
        if target is None or not line.startswith("\t"):
            continue
        body = line.lstrip("\t").lstrip("@-+")
        base = line_start + (len(line) - len(body))
        chain = []
        for simple in parse_commands(body, base=base):
            chain += expander.from_words(words_to_tokens(source, simple.words), f"Makefile {target}", simple.env)
        if chain:
            start = StartCommand(source.path, source.index.span(base, base + len(body)), PLATFORM, target, "boot",
                                 classify_environment(source.path, origin="Makefile"), chain)
            finish(project, start)
            if start.server is not None:
                starts.append(start)
    return starts
