"""Railway: ``railway.json``/``railway.toml``. ``deploy.startCommand``, ``deploy.preDeployCommand``
(the release step), ``numReplicas`` and ``healthcheckPath``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.core.findings import Span
from readycheck.core.sourcefile import SourceFile
from readycheck.model.deployments.common import UNKNOWN, config_command, platform_start, text_of
from readycheck.model.deployments.fact import Deployment, Probe
from readycheck.model.startcommands import StartCommand, Token

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "railway"


def read(project: "Project", source: SourceFile) -> Deployment:
    starts = project.guarded(source.path, lambda: _starts(project, source), "railway config")
    probes: list[Probe] = []
    try:
        document = project.config_document(source)
    except Exception:  # reported (once) by the start commands above
        return Deployment(PLATFORM, source.path, tuple(starts))
    deploy = document.data.get("deploy") if isinstance(document.data, dict) else None
    path = text_of(deploy.get("healthcheckPath")) if isinstance(deploy, dict) else None
    if path:
        span = document.value_span("deploy", "healthcheckPath") or Span(1)
        probes.append(Probe(source.path, span, PLATFORM, "readiness", str(path)))
    return Deployment(PLATFORM, source.path, tuple(starts), tuple(probes))


def _starts(project: "Project", source: SourceFile) -> list[StartCommand]:
    document = project.config_document(source)
    data = document.data
    deploy = data.get("deploy") if isinstance(data, dict) else None
    if not isinstance(deploy, dict):
        return []
    replicas = deploy.get("numReplicas")
    replicas_token = Token(str(replicas), source.path, document.key_span("deploy", "numReplicas") or UNKNOWN) \
        if isinstance(replicas, int) else None
    starts = []
    for key, role in (("startCommand", "boot"), ("preDeployCommand", "release")):
        if deploy.get(key):
            # https://docs.railway.com/reference/config-as-code: preDeployCommand may be a list of commands.
            chain = config_command(project, document, ("deploy", key), f"railway {key}", list_is="commands")
            start = platform_start(project, source, document.key_span("deploy", key) or UNKNOWN, "railway", key, role,
                                   chain, replicas=replicas_token)
            if start:
                starts.append(start)
    return starts
