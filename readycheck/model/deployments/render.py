"""render.com: ``render.yaml``. Each service's ``startCommand``/``dockerCommand`` and its
``preDeployCommand`` (the release step), ``envVars``, ``numInstances`` and ``healthCheckPath``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.core.sourcefile import SourceFile
from readycheck.model.deployments.common import (declared_env, env_list, items_of, key_span, located, platform_start,
                                                 repo_expander, text_of, yaml_platform)
from readycheck.model.deployments.fact import Deployment, Probe
from readycheck.model.startcommands import StartCommand, Token, yaml_commands

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "render.yaml"


def read(project: "Project", source: SourceFile) -> Deployment | None:
    read_first = yaml_platform(project, source, lambda documents: _starts(project, source, documents))
    if read_first is None:
        return None
    starts, doc = read_first
    probes = [Probe(source.path, located(source, service["healthCheckPath"]), PLATFORM, "readiness",
                    str(service["healthCheckPath"]), owner=str(service.get("name", "service")))
              for service in (items_of(doc.get("services")) if isinstance(doc, dict) else [])
              if isinstance(service, dict) and text_of(service.get("healthCheckPath"))]
    return Deployment(PLATFORM, source.path, tuple(starts), tuple(probes), declared_env(starts))


def _starts(project: "Project", source: SourceFile, documents: list) -> list[StartCommand]:
    starts: list[StartCommand] = []
    doc = documents[0] if documents else None
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, list):
        return starts
    expander = repo_expander(project, source)
    for service in services:
        if not isinstance(service, dict):
            continue
        name = str(service.get("name", "service"))
        env = env_list(source, service.get("envVars"), "key")
        replicas = service.get("numInstances")
        replicas_token = Token(str(replicas), source.path, key_span(source, service, "numInstances")) \
            if isinstance(replicas, int) else None
        for key, role in (("startCommand", "boot"), ("dockerCommand", "boot"), ("preDeployCommand", "release")):
            value = service.get(key)
            if value is None:
                continue
            chain = [c for words in yaml_commands(source, value)
                     for c in expander.from_words(words, f"render.yaml {name} {key}")]
            start = platform_start(project, source, key_span(source, service, key), "render.yaml", name, role, chain,
                                   env, replicas=replicas_token)
            if start:
                starts.append(start)
    return starts
