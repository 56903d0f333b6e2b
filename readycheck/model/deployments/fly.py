"""fly.io: ``fly.toml``. Processes (``[processes]`` or ``[experimental] cmd``), the
``release_command``, env, the internal ports fly's proxy routes to the Dockerfile beside it, and
the checks of its services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.core.findings import Span
from readycheck.core.sourcefile import SourceFile
from readycheck.model.deployments.common import UNKNOWN, config_command, items_of, platform_start, table_of, text_of
from readycheck.model.deployments.fact import Deployment, Probe
from readycheck.model.startcommands import StartCommand, Token

if TYPE_CHECKING:
    from readycheck.model.project import Project
    from readycheck.parsers.located import LocatedDocument

PLATFORM = "fly.toml"


def read(project: "Project", source: SourceFile) -> Deployment:
    starts = project.guarded(source.path, lambda: _starts(project, source), "fly.toml")
    try:
        document = project.config_document(source)
    except Exception:  # reported (once) by the start commands above
        return Deployment(PLATFORM, source.path, tuple(starts))
    ports = project.guarded("fly.toml", lambda: internal_ports(document))
    probes = _probes(document)
    # fly.io runs an app with services on two machines by default and starts more on demand.
    return Deployment(PLATFORM, source.path, tuple(starts), tuple(probes), ports=tuple(ports), scales_out=bool(ports))


def _starts(project: "Project", source: SourceFile) -> list[StartCommand]:
    document = project.config_document(source)
    data = document.data
    key = lambda *path: document.key_span(*path) or UNKNOWN  # noqa: E731
    env = {str(k): Token(str(v), source.path, key("env", k)) for k, v in table_of(data.get("env")).items()}
    ports = internal_ports(document)
    starts: list[StartCommand] = []
    processes = data.get("processes") or {}
    experimental = data.get("experimental") or {}
    if isinstance(processes, dict) and processes:
        for name in processes:
            chain = config_command(project, document, ("processes", name), f"fly.toml process {name}")
            start = platform_start(project, source, key("processes", name), "fly.toml", str(name), "boot", chain,
                                   env, ports)
            if start:
                starts.append(start)
    elif isinstance(experimental, dict) and experimental.get("cmd"):
        chain = config_command(project, document, ("experimental", "cmd"), "fly.toml [experimental] cmd")
        start = platform_start(project, source, key("experimental", "cmd"), "fly.toml", "app", "boot", chain, env,
                               ports)
        if start:
            starts.append(start)
    deploy = data.get("deploy") or {}
    if isinstance(deploy, dict) and deploy.get("release_command"):
        chain = config_command(project, document, ("deploy", "release_command"), "fly.toml release_command")
        start = platform_start(project, source, key("deploy", "release_command"), "fly.toml", "release_command",
                               "release", chain, env)
        if start:
            starts.append(start)
    return starts


def internal_ports(document: "LocatedDocument") -> list[Token]:
    """The ports fly's proxy sends traffic to: ``[http_service] internal_port`` and each
    ``[[services]] internal_port``."""
    data, path = document.data, document.source.path
    ports: list[Token] = []
    http = data.get("http_service")
    if isinstance(http, dict) and "internal_port" in http:
        ports.append(Token(str(http["internal_port"]), path,
                           document.key_span("http_service", "internal_port") or UNKNOWN))
    for i, service in enumerate(items_of(data.get("services"))):
        if isinstance(service, dict) and "internal_port" in service:
            ports.append(Token(str(service["internal_port"]), path,
                               document.key_span("services", i, "internal_port") or UNKNOWN))
    return ports


def _probes(document: "LocatedDocument") -> list[Probe]:
    data, path = document.data, document.source.path
    # A service's checks cover the processes it lists (``processes = ["web"]``); a top-level check
    # lists its own; none listed: every process of the app (owner "").
    sections = [(("http_service",), data.get("http_service"))] + [
        (("services", i), service) for i, service in enumerate(items_of(data.get("services")))]
    checks = [(at + (key, i), c, s.get("processes")) for at, s in sections if isinstance(s, dict)
              for key in ("checks", "http_checks") for i, c in enumerate(items_of(s.get(key)))]
    checks += [(("checks", name), c, c.get("processes") if isinstance(c, dict) else None)
               for name, c in (data["checks"].items() if isinstance(data.get("checks"), dict) else [])]
    probes: list[Probe] = []
    for at, check, processes in checks:
        if isinstance(check, dict):
            http_path = text_of(check.get("path"))
            span = (document.value_span(*at, "path") if http_path else None) or Span(1)
            owners = [p for p in items_of(processes) if isinstance(p, str)] or [""]
            probes += [Probe(path, span, PLATFORM, "health", http_path, owner=owner) for owner in owners]
    return probes
