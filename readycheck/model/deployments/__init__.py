"""One reader per deployment platform, each parsing its files once into ``Deployment`` facts
(readycheck.model.deployments.fact): the processes it starts (with env, ports, replicas, CPU limit,
image), the release steps it runs, its health checks and the environment it writes.

``Project.deployments`` reads every platform's files in ``PLATFORMS`` order; ``Project.start_commands``,
``probes``, ``declared_env`` and ``replicas_visible`` aggregate them. A reader module exposes
``read(project, source) -> Deployment | None`` (None: the file is not one of its kind after all).
Adding a platform: a module here, a line in ``PLATFORMS``, the ``FileKind`` its files are
classified as (readycheck.core.sourcefile), and examples in the checks that judge it.

The readers are imported when a scan first asks for a deployment fact, never with this package.

May import: what ``readycheck.model`` may (core, knowledge, parsers), and ``readycheck.model.startcommands``
(the command expansion every reader shares); ``Project`` only for type annotations.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from readycheck.core.sourcefile import FileKind

if TYPE_CHECKING:
    from readycheck.model.deployments.fact import Deployment
    from readycheck.model.project import Project


@dataclass(frozen=True)
class Platform:
    name: str  # as Deployment.platform, StartCommand.origin and Probe.platform spell it
    kinds: tuple[FileKind, ...]  # the files its reader reads
    module: str  # the reader: readycheck.model.deployments.<module>
    #: Its files alone say the repository is deployed (``Project.deployable``); a YAML file that may be a
    #: Kubernetes manifest or a CloudFormation template, or a Makefile, does not.
    deployable: bool = True
    #: How a person makes the platform run a command once per release, before the new version boots
    #: (what a migration at boot should move to); "" when it has no such step.
    release_step: str = ""


#: Every platform, in the order its start commands are listed (``readycheck inspect`` shows them so).
PLATFORMS: tuple[Platform, ...] = (
    Platform("Dockerfile", (FileKind.DOCKERFILE,), "dockerfile"),
    Platform("Procfile", (FileKind.PROCFILE,), "procfile", release_step="a Procfile `release:` process"),
    Platform("compose", (FileKind.COMPOSE,), "compose",
             release_step="a one-shot compose service the app waits for with "
                          "`condition: service_completed_successfully`"),
    Platform("fly.toml", (FileKind.FLY,), "fly", release_step="fly.toml `[deploy] release_command`"),
    Platform("railway", (FileKind.RAILWAY,), "railway", release_step="railway `deploy.preDeployCommand`"),
    Platform("render.yaml", (FileKind.RENDER,), "render", release_step="render.yaml `preDeployCommand`"),
    Platform("app.yaml", (FileKind.APP_YAML,), "appengine"),
    Platform("Kubernetes", (FileKind.YAML,), "kubernetes", deployable=False,
             release_step="a Kubernetes Job (or an initContainer)"),
    Platform("Makefile", (FileKind.MAKEFILE,), "makefile", deployable=False),
    Platform("systemd", (FileKind.SYSTEMD,), "systemd"),
    Platform("ECS", (FileKind.YAML, FileKind.ECS), "ecs",
             release_step="a one-off ECS task (`aws ecs run-task` with a command override) before the service "
                           "is updated"),
)
#: Every kind of file a deployment fact can come from (shell scripts are reached only through these).
KINDS: tuple[FileKind, ...] = tuple(kind for platform in PLATFORMS for kind in platform.kinds)
#: The kinds of file that say how the repository is deployed. A plain YAML file may be any YAML (it is a
#: Kubernetes manifest or an ECS CloudFormation template only when its content says so): never by its kind.
DEPLOYABLE_KINDS: tuple[FileKind, ...] = tuple(kind for platform in PLATFORMS if platform.deployable
                                               for kind in platform.kinds if kind is not FileKind.YAML)
#: The order ``Project.probes`` lists health checks in, as it did before the readers were one: a check
#: that keeps the first probe requesting a route (RC503) reports that one. Platforms not named follow.
PROBE_ORDER = ("Dockerfile", "compose", "Kubernetes", "fly.toml", "render.yaml", "railway", "app.yaml")
#: Whose release step to name for a process that runs where there is none (a Dockerfile, App Engine,
#: systemd): the first of these the repository deploys with, the hosted platforms first.
RELEASE_PREFERENCE = ("fly.toml", "render.yaml", "railway", "Kubernetes", "Procfile", "compose")
_BY_NAME = {platform.name: platform for platform in PLATFORMS}


def release_step(origin: str, origins: Iterable[str] = ()) -> str | None:
    """The release mechanism for a process started by ``origin`` (a ``StartCommand.origin``): its own
    platform's, else that of the first platform in ``origins`` (the repository's other start commands)
    that has one, in ``RELEASE_PREFERENCE`` order; None when no platform the repository uses has one."""
    own = _BY_NAME.get(origin)
    if own is not None and own.release_step:
        return own.release_step
    present = set(origins)
    for name in RELEASE_PREFERENCE + tuple(p.name for p in PLATFORMS if p.name not in RELEASE_PREFERENCE):
        if name in present and _BY_NAME[name].release_step:
            return _BY_NAME[name].release_step
    return None


def read_all(project: "Project") -> list["Deployment"]:
    """Every deployment file of the project read once, in ``PLATFORMS`` order; then the ports a platform
    routes to the image built beside its file (fly.toml's ``internal_port``) are added to the start
    commands of the Dockerfiles in that folder."""
    deployments: list[Deployment] = []
    for platform in PLATFORMS:
        sources = project.files(*platform.kinds)
        if not sources:
            continue
        read = importlib.import_module(f"{__name__}.{platform.module}").read
        for source in sources:
            # Each reader guards its start commands itself; a fault in the rest (probes, env) of one
            # file becomes that file's diagnostic, not a failure of every deployment fact.
            deployments += [d for d in project.guarded(source.path, lambda: [read(project, source)]) if d is not None]
    routed: dict[str, list] = {}
    for deployment in deployments:
        if deployment.ports:
            routed.setdefault(deployment.path.rsplit("/", 1)[0] if "/" in deployment.path else "", []) \
                .extend(deployment.ports)
    for directory, ports in routed.items():
        for deployment in deployments:
            if deployment.platform != "Dockerfile":
                continue
            for start in deployment.starts:
                if start.dockerfile is not None and start.dockerfile.source.directory == directory:
                    start.ports = start.ports + ports
    return deployments


def probe_rank(deployment: "Deployment") -> int:
    """Where a deployment's probes go in ``Project.probes`` (see ``PROBE_ORDER``)."""
    return PROBE_ORDER.index(deployment.platform) if deployment.platform in PROBE_ORDER else len(PROBE_ORDER)
