"""The typed facts every platform reader returns: a ``Deployment`` per deployment file, the
``Probe`` (health check) it declares and whom its containers run as (``RunAs``).

One shape for every platform, so that ``Project.start_commands``, ``probes``, ``declared_env`` and
``replicas_visible`` are plain aggregations and a check never asks which file format said it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from readycheck.core.findings import Span

if TYPE_CHECKING:
    from readycheck.knowledge.environments import Environment
    from readycheck.model.startcommands import StartCommand, Token


@dataclass(frozen=True)
class Probe:
    path: str  # the file declaring it
    span: Span
    platform: str  # a PLATFORMS name: "Dockerfile", "compose", "Kubernetes", "fly.toml", "render.yaml", "ECS"...
    kind: str  # "liveness", "readiness", "startup" or "health" (a single, unqualified check)
    http_path: str | None  # the URL path it requests, when it is an HTTP check
    command: str | None = None  # the command it runs, for exec checks
    #: The process it checks, in StartCommand.process terms ("Deployment api/web", a compose
    #: service, a fly.toml process its service lists, a render service's name); "" when the file has
    #: one process or the check covers all of them (Dockerfile, fly without ``processes``, railway, app.yaml).
    owner: str = ""
    #: The file ``span`` is in when it is not ``path``: a Helm chart's values.yaml, when the template
    #: renders the probe from there (``{{- toYaml .Values.livenessProbe | nindent 12 }}``).
    values_path: str = ""
    #: For a probe rendered from values.yaml: the container of the template (in ``path``) it is for.
    container: Span | None = None

    @property
    def file(self) -> str:
        """The file where the probe is written (what a finding about it points at)."""
        return self.values_path or self.path


@dataclass(frozen=True)
class DeclaredEnv:
    """A variable written in committed deployment config, whether or not a start command uses it."""

    where: str  # "compose service api", "Deployment container web", "render.yaml api"
    name: str
    value: "Token"
    environment: "Environment"  # what the setting is for: production, development or auxiliary


@dataclass(frozen=True)
class DeploymentSetting:
    """One value of a deployment file, as written (an int, a bool, a string...: the reader does not
    coerce, so a check can tell ``runAsUser: 1000`` from ``runAsUser: "1000"``), with where it is."""

    value: object
    span: Span | None  # its key; None when the parser kept no position
    level: str  # where it was set: "pod" or "container" (Kubernetes), "service" (compose)


@dataclass(frozen=True)
class RunAs:
    """Whom one container runs as, as its deployment file says (a setting not written is None: the
    image's ``USER`` decides). Kubernetes: ``securityContext`` ``runAsUser``, ``runAsGroup`` and
    ``runAsNonRoot``, a container's own key overriding its pod's. Compose: ``user: uid[:gid]``.

    Every container of every pod template is listed, whatever the document's kind, so that a check
    picks the ones it judges by ``kind`` and ``init``."""

    owner: str  # the container, in StartCommand.process terms: "Deployment api/web", a compose service
    #: The Kubernetes document's kind ("Deployment", "CronJob", "Pod", a Knative "Service"...); "service"
    #: for compose.
    kind: str
    init: bool = False  # an initContainer
    user: DeploymentSetting | None = None
    group: DeploymentSetting | None = None
    non_root: DeploymentSetting | None = None  # Kubernetes runAsNonRoot


@dataclass(frozen=True)
class Deployment:
    """What one deployment file declares about how the service runs, read once by its platform's reader
    (readycheck.model.deployments). The processes are ``StartCommand``s: each carries its own env,
    ports, replica count, CPU limit and image; ``role`` says whether it boots the service, runs once
    (a Job, an init container) or is the platform's release mechanism ("release": fly
    ``release_command``, render/railway ``preDeployCommand``, a Procfile ``release:``)."""

    platform: str  # the reader's name, as StartCommand.origin and Probe.platform spell it
    path: str  # the file
    starts: tuple["StartCommand", ...] = ()
    probes: tuple[Probe, ...] = ()
    #: Environment the file writes, also for processes without a command (a Kubernetes container
    #: that runs its image's CMD).
    env: tuple[DeclaredEnv, ...] = ()
    #: Ports the platform routes to the image built beside the file (fly.toml's ``internal_port``s).
    ports: tuple["Token", ...] = ()
    #: Several copies run without a replica count saying so: an autoscaler (HorizontalPodAutoscaler,
    #: KEDA ScaledObject), or fly.io, which runs an app with services on two machines by default.
    scales_out: bool = False
    #: Whom each container runs as (Kubernetes securityContext, compose ``user:``).
    run_as: tuple[RunAs, ...] = ()
    #: Probes a Helm template renders from values.yaml where values.yaml leaves them empty
    #: (``livenessProbe: {}``): no probe, but the line where one is set (``http_path`` None).
    unset_probes: tuple[Probe, ...] = ()

    @property
    def releases(self) -> tuple["StartCommand", ...]:
        """The commands the platform runs once per release, before the new version boots."""
        return tuple(start for start in self.starts if start.role == "release")
