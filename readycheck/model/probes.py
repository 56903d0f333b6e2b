"""Health checks declared anywhere: Dockerfile HEALTHCHECK, compose healthcheck,
Kubernetes liveness/readiness/startup probes, fly.toml checks, render and railway
health-check paths, App Engine liveness/readiness checks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from readycheck.core.findings import Span
from readycheck.core.sourcefile import FileKind, UnreadableFile


if TYPE_CHECKING:
    from readycheck.model.project import Project

_URL_PATH = re.compile(r"https?://[^/\s\"']+(/[^\s\"'?]*)")
#: A URL to the container itself inside a health-check script (the host may be a placeholder).
_LOCAL_URL_PATH = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|\{[^}/]*\})(?::[^/\s\"']*)?"
                             r"(/[^\s\"'?{]*)")


@dataclass(frozen=True)
class Probe:
    path: str  # the file declaring it
    span: Span
    platform: str  # "Dockerfile", "compose", "Kubernetes", "fly.toml", "render.yaml", "railway", "app.yaml"
    kind: str  # "liveness", "readiness", "startup" or "health" (a single, unqualified check)
    http_path: str | None  # the URL path it requests, when it is an HTTP check
    command: str | None = None  # the command it runs, for exec checks
    #: The process it checks, in StartCommand.process terms ("Deployment api/web", a compose
    #: service, a fly.toml process its service lists, a render service's name); "" when the file has
    #: one process or the check covers all of them (Dockerfile, fly without ``processes``, railway, app.yaml).
    owner: str = ""


def _text(value: Any) -> str | None:
    """A config value that should be a string, else None (``healthcheckPath = 5``)."""
    return value if isinstance(value, str) else None


def _span(source, value: Any) -> Span:
    return source.index.span(value.start, value.end) if hasattr(value, "start") else Span(1)


def _requested_path(project: "Project", command: str) -> str | None:
    """The URL path an exec check requests: written in the command (``curl -f http://localhost/healthz``),
    or in the one repository script it runs (mealie's ``python $MEALIE_HOME/mealie/scripts/healthcheck.py``
    requests ``f"http://127.0.0.1:{port}/api/app/about"``). The script is read as text, never run."""
    match = _URL_PATH.search(command)
    if match:
        return match.group(1)
    for word in command.split():
        word = word.strip("\"'")
        if not word.endswith(".py"):
            continue
        parts = [p for p in word.split("/") if p and p != "." and not p.startswith("$")]
        named = project.files_named(parts[-1]) if parts else []
        for k in range(len(parts)):
            tail = "/" + "/".join(parts[k:])
            found = [f for f in named if ("/" + f.path).endswith(tail)]
            if len(found) > 1:
                break  # ambiguous: several files of that name
            if found:
                try:
                    paths = {m.group(1) for m in _LOCAL_URL_PATH.finditer(found[0].text)}
                except UnreadableFile:
                    return None
                return paths.pop() if len(paths) == 1 else None
    return None


def _exec_form_text(command: str) -> str:
    """An exec-form check (``["python", "-c", "...urlopen(\\"http://localhost/health\\")"]``) as the words
    Docker runs, so that a JSON escape is not read as part of the URL; a shell-form command as written."""
    if command.startswith("["):
        try:
            words = json.loads(command)
        except (ValueError, RecursionError):
            return command
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            return " ".join(words)
    return command


def collect(project: "Project") -> list[Probe]:
    from readycheck.model import platforms

    probes: list[Probe] = []
    for dockerfile in project.dockerfiles:
        for stage in dockerfile.shipped_stages():
            check = stage.last("HEALTHCHECK")
            if check is not None and not check.value.strip().upper().startswith("NONE"):
                command = check.value.split("CMD", 1)[-1].strip()
                probes.append(Probe(dockerfile.path, dockerfile.span_of(check), "Dockerfile", "health",
                                    _requested_path(project, _exec_form_text(command)), command))
    for source in project.files(FileKind.COMPOSE):
        doc = (project.yaml_documents(source) or [None])[0]
        services = doc.get("services") if isinstance(doc, dict) else None
        for service in (services or {}).values() if isinstance(services, dict) else []:
            check = service.get("healthcheck") if isinstance(service, dict) else None
            if isinstance(check, dict) and not check.get("disable") and check.get("test"):
                test = check["test"]
                command = " ".join(str(t) for t in test) if isinstance(test, list) else str(test)
                name = next((str(k) for k, v in services.items() if v is service), "")
                probes.append(Probe(source.path, _span(source, test if hasattr(test, "start") else check),
                                    "compose", "health", _requested_path(project, command), command, name))
    for source in project.files(FileKind.YAML):
        for doc in platforms.kubernetes_documents(project, source) or []:
            if not platforms.is_workload(doc):
                continue
            pod, _ = platforms.pod_spec(doc)
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            workload = f"{doc.get('kind')} {meta.get('name', doc.get('kind'))}"
            for container in platforms.items_of((pod or {}).get("containers")):
                if not isinstance(container, dict):
                    continue
                owner = platforms.readable(f"{workload}/{container.get('name', 'containers')}")
                for key, kind in (("livenessProbe", "liveness"), ("readinessProbe", "readiness"),
                                  ("startupProbe", "startup")):
                    probe = container.get(key)
                    if not isinstance(probe, dict):
                        continue
                    http = probe.get("httpGet") if isinstance(probe.get("httpGet"), dict) else None
                    exec_ = probe.get("exec") if isinstance(probe.get("exec"), dict) else None
                    command = " ".join(str(c) for c in platforms.items_of(exec_.get("command"))) if exec_ else None
                    target = _text(http.get("path")) if http else (_requested_path(project, command) if command else None)
                    probes.append(Probe(source.path, _span(source, target if target is not None else probe),
                                        "Kubernetes", kind, str(target) if target is not None else None, command,
                                        owner))
    for source in project.files(FileKind.FLY):
        try:
            document = project.config_document(source)
        except Exception:
            continue
        data = document.data
        # A service's checks cover the processes it lists (``processes = ["web"]``); a top-level check
        # lists its own; none listed: every process of the app (owner "").
        sections = [(("http_service",), data.get("http_service"))] + [
            (("services", i), service) for i, service in enumerate(platforms.items_of(data.get("services")))]
        checks = [(at + (key, i), c, s.get("processes")) for at, s in sections if isinstance(s, dict)
                  for key in ("checks", "http_checks") for i, c in enumerate(platforms.items_of(s.get(key)))]
        checks += [(("checks", name), c, c.get("processes") if isinstance(c, dict) else None)
                   for name, c in (data["checks"].items() if isinstance(data.get("checks"), dict) else [])]
        for at, check, processes in checks:
            if isinstance(check, dict):
                path = _text(check.get("path"))
                span = (document.value_span(*at, "path") if path else None) or Span(1)
                owners = [p for p in platforms.items_of(processes) if isinstance(p, str)] or [""]
                probes += [Probe(source.path, span, "fly.toml", "health", path, owner=owner) for owner in owners]
    for kind, key, platform in ((FileKind.RENDER, "healthCheckPath", "render.yaml"),):
        for source in project.files(kind):
            doc = (project.yaml_documents(source) or [None])[0]
            for service in platforms.items_of(doc.get("services")) if isinstance(doc, dict) else []:
                if isinstance(service, dict) and _text(service.get(key)):
                    probes.append(Probe(source.path, _span(source, service[key]), platform, "readiness",
                                        str(service[key]), owner=str(service.get("name", "service"))))
    for source in project.files(FileKind.RAILWAY):
        try:
            data = project.config_document(source).data
        except Exception:
            continue
        deploy = data.get("deploy") if isinstance(data, dict) else None
        path = _text(deploy.get("healthcheckPath")) if isinstance(deploy, dict) else None
        if path:
            span = project.config_document(source).value_span("deploy", "healthcheckPath") or Span(1)
            probes.append(Probe(source.path, span, "railway", "readiness", str(path)))
    for source in project.files(FileKind.APP_YAML):
        doc = (project.yaml_documents(source) or [None])[0]
        for key, kind in (("liveness_check", "liveness"), ("readiness_check", "readiness")):
            check = doc.get(key) if isinstance(doc, dict) else None
            if isinstance(check, dict):
                probes.append(Probe(source.path, _span(source, check), "app.yaml", kind, _text(check.get("path"))))
    return probes
