"""systemd service units on a VM (``myapp.service``): ``ExecStartPre=`` lines run before
``ExecStart=`` on every start (a migration there runs at boot), each without a shell, in
``WorkingDirectory=``, with ``Environment=``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.core.sourcefile import SourceFile
from readycheck.model.deployments.common import platform_start, repo_expander
from readycheck.model.deployments.fact import Deployment
from readycheck.model.startcommands import Command, StartCommand, Token, words_to_tokens
from readycheck.parsers.shell import parse_commands

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "systemd"


def read(project: "Project", source: SourceFile) -> Deployment:
    return Deployment(PLATFORM, source.path, tuple(project.guarded(source.path, lambda: _starts(project, source),
                                                                   "systemd unit")))


def _starts(project: "Project", source: SourceFile) -> list[StartCommand]:
    from readycheck.parsers.processmanagers import is_systemd_service, systemd_unit

    if not is_systemd_service(source):
        return []
    entries = systemd_unit(source)
    main = next((e for e in entries if e.role == "boot"), None)
    if main is None:
        return []
    expander = repo_expander(project, source, main.directory or "/")
    chain: list[Command] = []
    for entry in entries:
        for simple in parse_commands(entry.command, base=entry.offset):
            chain += expander.from_words(words_to_tokens(source, simple.words), f"systemd {entry.name}",
                                         {**entry.environment, **simple.env})
    span = source.index.span(main.offset, main.offset + len(main.command.split(" ", 1)[0]))
    name = source.name.rsplit(".", 1)[0]
    start = platform_start(project, source, span, PLATFORM, name, "boot", chain,
                           {k: Token(v, source.path, span) for k, v in main.environment.items()})
    return [start] if start else []
