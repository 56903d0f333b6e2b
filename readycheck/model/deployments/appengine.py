"""Google App Engine: ``app.yaml``. The ``entrypoint``, ``env_variables`` (and the ``PORT`` App
Engine sets, 8080), and the ``liveness_check``/``readiness_check`` paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.core.sourcefile import SourceFile
from readycheck.model.deployments.common import (declared_env, key_span, located, platform_start, repo_expander,
                                                 table_of, text_of, yaml_platform)
from readycheck.model.deployments.fact import Deployment, Probe
from readycheck.model.startcommands import StartCommand, Token, yaml_commands

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "app.yaml"


def read(project: "Project", source: SourceFile) -> Deployment | None:
    read_first = yaml_platform(project, source, lambda documents: _starts(project, source, documents))
    if read_first is None:
        return None
    starts, doc = read_first
    probes = []
    for key, kind in (("liveness_check", "liveness"), ("readiness_check", "readiness")):
        check = doc.get(key) if isinstance(doc, dict) else None
        if isinstance(check, dict):
            probes.append(Probe(source.path, located(source, check), PLATFORM, kind, text_of(check.get("path"))))
    return Deployment(PLATFORM, source.path, tuple(starts), tuple(probes), declared_env(starts))


def _starts(project: "Project", source: SourceFile, documents: list) -> list[StartCommand]:
    doc = documents[0] if documents else None
    if not isinstance(doc, dict) or "entrypoint" not in doc:
        return []
    expander = repo_expander(project, source)
    chain = [c for words in yaml_commands(source, doc["entrypoint"])
             for c in expander.from_words(words, "app.yaml entrypoint")]
    env = {}
    for key, value in table_of(doc.get("env_variables")).items():
        env[str(key)] = Token(str(value), source.path, located(source, value))
    env.setdefault("PORT", Token("8080", source.path, key_span(source, doc, "entrypoint")))
    start = platform_start(project, source, key_span(source, doc, "entrypoint"), "app.yaml", "entrypoint", "boot",
                           chain, env)
    return [start] if start else []
