"""Dockerfiles: the start command of the image (ENTRYPOINT/CMD of the shipped stage, through the
scripts it COPYs, see readycheck.model.startcommands.from_dockerfile), its ENV and EXPOSE, and its
HEALTHCHECK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.core.sourcefile import SourceFile
from readycheck.model.deployments.common import exec_form_text, requested_path
from readycheck.model.deployments.fact import Deployment, Probe
from readycheck.model.startcommands import from_dockerfile

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "Dockerfile"


def read(project: "Project", source: SourceFile) -> Deployment | None:
    dockerfile = project.dockerfile_at(source.path)
    if dockerfile is None:  # it did not parse (a diagnostic says why)
        return None
    starts = project.guarded(dockerfile.path, lambda: from_dockerfile(project, dockerfile))
    probes = []
    for stage in dockerfile.shipped_stages():
        check = stage.last("HEALTHCHECK")
        if check is not None and not check.value.strip().upper().startswith("NONE"):
            command = check.value.split("CMD", 1)[-1].strip()
            probes.append(Probe(dockerfile.path, dockerfile.span_of(check), PLATFORM, "health",
                                requested_path(project, exec_form_text(command)), command))
    return Deployment(PLATFORM, dockerfile.path, tuple(starts), tuple(probes))
