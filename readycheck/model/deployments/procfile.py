"""Procfiles (Heroku, Dokku, Scalingo, honcho): one process type a line; ``release:`` is the
platform's release step (see readycheck.model.startcommands.from_procfile)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.core.sourcefile import SourceFile
from readycheck.model.deployments.fact import Deployment
from readycheck.model.startcommands import from_procfile

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "Procfile"


def read(project: "Project", source: SourceFile) -> Deployment:
    return Deployment(PLATFORM, source.path, tuple(project.guarded(source.path, lambda: from_procfile(project, source))))
