"""Docker Compose files: each service's command/entrypoint (through the image it builds, see
readycheck.model.startcommands.from_compose), its ``environment`` (also of services that run their
image's own command), its ``healthcheck`` and the ``user`` it runs as."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.core.sourcefile import SourceFile
from readycheck.model.deployments.common import key_position, located, requested_path, yaml_platform
from readycheck.model.deployments.fact import DeclaredEnv, Deployment, DeploymentSetting, Probe, RunAs
from readycheck.model.startcommands import compose_env, compose_environment, from_compose

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "compose"


def read(project: "Project", source: SourceFile) -> Deployment | None:
    read_first = yaml_platform(project, source, lambda documents: from_compose(project, source, documents))
    if read_first is None:
        return None
    starts, doc = read_first
    if not isinstance(doc, dict):
        return Deployment(PLATFORM, source.path, tuple(starts))
    services = doc.get("services")
    probes: list[Probe] = []
    env: list[DeclaredEnv] = []
    run_as: list[RunAs] = []
    #: A service reused under another key (a YAML alias) is checked as the first key that names it.
    first_name: dict[int, str] = {}
    for name, service in services.items() if isinstance(services, dict) else []:
        if not isinstance(service, dict):
            continue
        owner = first_name.setdefault(id(service), str(name))
        check = service.get("healthcheck")
        if isinstance(check, dict) and not check.get("disable") and check.get("test"):
            test = check["test"]
            command = " ".join(str(t) for t in test) if isinstance(test, list) else str(test)
            probes.append(Probe(source.path, located(source, test if hasattr(test, "start") else check), PLATFORM,
                                "health", requested_path(project, command), command, owner))
        if "user" in service and owner == str(name):
            run_as.append(_run_as(source, service, owner))
        dev = compose_environment(source.path, doc, service)
        env += [DeclaredEnv(f"compose service {name}", var, token, dev)
                for var, token in compose_env(source, service.get("environment")).items()]
    return Deployment(PLATFORM, source.path, tuple(starts), tuple(probes), tuple(env), run_as=tuple(run_as))


def _run_as(source: SourceFile, service: dict, owner: str) -> RunAs:
    """A service's ``user: uid[:gid]`` (or a name): the user, and the group after a colon."""
    value = service["user"]
    span = key_position(source, service, "user")
    if isinstance(value, str) and ":" in value:
        user, group = value.split(":", 1)
        return RunAs(owner, "service", user=DeploymentSetting(user, span, "service"),
                     group=DeploymentSetting(group, span, "service"))
    return RunAs(owner, "service", user=DeploymentSetting(value, span, "service"))
