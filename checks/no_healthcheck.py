"""RC113 no-healthcheck: nothing checks that the service is alive.

What it does
    Judges each service on its own. An app image (its start command runs a
    server) whose Dockerfile has no ``HEALTHCHECK`` (or ``HEALTHCHECK NONE``):
    when production compose services build it, each of them without a
    ``healthcheck:`` is flagged at that service (one service's healthcheck does
    not excuse another's); otherwise the image is flagged when the repository
    declares no platform health check (Kubernetes probes, fly.toml checks,
    render/railway health-check paths, App Engine checks), which readycheck
    cannot tie to one image. A compose service or Kubernetes container whose
    own command runs a server is flagged when it has no health check of its
    own and its image has none (a Helm chart's probe is what its values.yaml
    sets; one left empty, ``livenessProbe: {}``, is reported at that line of
    values.yaml, where the user sets it: the template already renders it).
    Each fly.toml process and each render.yaml
    web service that starts a server is judged on its own: a fly check covers
    the processes its service lists (``processes = ["web"]``; a top-level
    ``[checks]`` entry or a service without ``processes`` covers all), a
    render web service needs its own ``healthCheckPath`` (render workers get no
    checks). Procfile processes are not judged: Heroku has no health check
    to declare. A compose file of a project template (cookiecutter, copier:
    ``- {{cookiecutter.port}}:80`` is no YAML) is read with each ``{{ }}``
    expression blanked out.

Why is this bad
    Without a health check the platform only knows the process exists. A worker
    that deadlocks, loses its database pool or stops accepting connections
    keeps receiving traffic and is never restarted.

Example
    FROM python:3.12-slim
    CMD ["gunicorn", "app:app"]

Use instead
    HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
    # or a livenessProbe/readinessProbe in the Kubernetes Deployment
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity, helm_chart_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class NoHealthcheck(Check):
    id = "RC113"
    name = "no-healthcheck"
    severity = Severity.WARNING
    summary = "No HEALTHCHECK in the image and no health probe anywhere in the repository"
    fix = ("Add a HEALTHCHECK to the Dockerfile, or (better where available) liveness and readiness probes in the "
           "orchestrator config, pointing at a cheap /healthz route.")
    tags = ("dockerfile", "health", "availability")
    precision = "medium"
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
            """}, expect=['Dockerfile:2:1 the image starts gunicorn but has no HEALTHCHECK, and the repository declares no health probe'], title="nothing checks health"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            HEALTHCHECK NONE
            CMD ["gunicorn", "app:app"]
            """}, expect=["Dockerfile:3"], title="HEALTHCHECK NONE"),
        Example({"api/Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app"]
            """, "k8s/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      livenessProbe:
                        httpGet: {path: /healthz, port: 8000}
            """, "worker/Dockerfile": "FROM python:3.12-slim\nCMD [\"python\", \"worker.py\"]\n"},
            title="a Kubernetes probe; an image that runs no server"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
            CMD ["gunicorn", "app:app"]
            """}, title="a HEALTHCHECK"),
        Example({"api/Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
            """, "admin/Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "admin:app", "--host", "0.0.0.0"]
            """, "docker-compose.yml": """
            services:
              api:
                build: ./api
                healthcheck:
                  test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
              admin:
                build: ./admin
              admin-replica:
                build: ./admin
            """}, expect=["docker-compose.yml:6", "docker-compose.yml:8"],
            title="one service's healthcheck does not excuse another's; reported at each service"),
        Example({"{{cookiecutter.slug}}/backend/Dockerfile": """
            FROM python:3.12-slim
            COPY . .
            """, "{{cookiecutter.slug}}/docker-compose.yml": """
            services:
              nginx:
                image: nginx:1.27
                ports:
                  - {{cookiecutter.port}}:80
              backend:
                build:
                  context: backend
                command: uvicorn app.main:app --host 0.0.0.0 --port {{cookiecutter.api_port}}
              worker:
                build:
                  context: backend
                healthcheck:
                  test: ["CMD", "celery", "-A", "app.tasks", "inspect", "ping"]
                command: celery --app app.tasks worker
            """}, expect=["{{cookiecutter.slug}}/docker-compose.yml:6"],
            title="a cookiecutter template's compose file ({{ }} is no YAML: read with each expression blanked out)"),
        Example({"api/Dockerfile": """
            FROM python:3.12-slim
            HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
            CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
            """, "docker-compose.yml": """
            services:
              api:
                build: ./api
                command: gunicorn app:app --bind 0.0.0.0:8000 -w 4
              worker:
                build: ./worker
                command: celery -A app.worker worker
              web:
                image: nginx:1.27
            """, "worker/Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
            """, "docker-compose.dev.yml": """
            services:
              api:
                build: ./admin
                command: uvicorn app:app --host 0.0.0.0 --reload
            """}, title="the image's HEALTHCHECK covers the compose service; a service running a worker; a dev file"),
        Example({"fly.toml": """
            app = "shop"

            [processes]
            web = "gunicorn app.main:app -k uvicorn_worker.UvicornWorker --bind 0.0.0.0:8000"
            admin = "uvicorn admin.main:app --host 0.0.0.0 --port 9000"
            worker = "celery -A app.worker worker"

            [http_service]
            internal_port = 8000
            processes = ["web"]

            [[http_service.checks]]
            path = "/healthz"
            interval = "15s"
            timeout = "2s"
            """}, expect=["fly.toml:5:1 fly.toml admin starts uvicorn and no fly.toml check covers it (a [[services]] "
                          "or [http_service] check listing it in `processes`, or a top-level [checks] entry)"],
            title="fly.toml: the web process's check does not cover the admin process"),
        Example({"fly.toml": """
            app = "shop"

            [processes]
            web = "gunicorn app.main:app -k uvicorn_worker.UvicornWorker --bind 0.0.0.0:8000"
            admin = "uvicorn admin.main:app --host 0.0.0.0 --port 9000"

            [http_service]
            internal_port = 8000
            processes = ["web"]

            [[http_service.checks]]
            path = "/healthz"

            [checks.admin_alive]
            type = "http"
            port = 9000
            path = "/healthz"
            processes = ["admin"]
            """, "api/fly.toml": """
            app = "api"

            [experimental]
            cmd = ["uvicorn", "api.main:app", "--host", "0.0.0.0"]

            [[services]]
            internal_port = 8000

            [[services.http_checks]]
            path = "/healthz"
            """}, title="fly.toml: each process covered (a top-level check listing it; a service without processes)"),
        Example({"render.yaml": """
            services:
              - type: web
                name: api
                runtime: python
                startCommand: gunicorn app.main:app -k uvicorn_worker.UvicornWorker --bind 0.0.0.0:$PORT
                healthCheckPath: /healthz
              - type: web
                name: admin
                runtime: python
                startCommand: uvicorn admin.main:app --host 0.0.0.0 --port $PORT
              - type: worker
                name: jobs
                runtime: python
                startCommand: uvicorn jobs.main:app --host 0.0.0.0
            """}, expect=["render.yaml:10:5 render.yaml admin starts uvicorn without a `healthCheckPath`: render.yaml "
                          "web service admin is never health-checked"],
            title="render.yaml: one web service's healthCheckPath does not excuse another; workers get no checks"),
        Example({"Procfile": """
            web: gunicorn app.main:app -k uvicorn_worker.UvicornWorker
            admin: uvicorn admin.main:app --host 0.0.0.0 --port $PORT
            """}, title="Procfile processes: Heroku has no health check to declare, so none is asked for"),
        Example(helm_chart_repo("replicaCount: 2\nlivenessProbe: {}\nreadinessProbe: {}\n"),
                expect=["chart/values.yaml:2:1 Kubernetes Deployment {{\u2026}}/api starts gunicorn without a liveness or "
                        "readiness probe: chart/values.yaml leaves its livenessProbe empty"],
                title="a Helm chart that renders its probes from values.yaml, which leaves them empty"),
        Example(helm_chart_repo("readinessProbe:\n  httpGet: {path: /health, port: 8000}\n"),
                title="the same chart with a readiness probe set in values.yaml"),
    )

    def run(self, project: Project):
        probes = project.probes
        in_image = {p.path for p in probes if p.platform == "Dockerfile"}
        platform_wide = any(p.platform not in ("Dockerfile", "compose", "Kubernetes") for p in probes)
        kubernetes = {(p.path, p.owner) for p in probes if p.platform == "Kubernetes"}
        services = [s for s in project.compose_services if not s.development]
        flagged: set[tuple[str, str]] = set()
        for start in project.start_commands:
            if start.server is None or not start.production:
                continue
            if start.origin == "Dockerfile" and start.dockerfile is not None:
                if start.path in in_image:
                    continue
                image_stages = {stage.index for stage in start.dockerfile.shipped_stages()}
                builders = [s for s in services if s.dockerfile == start.path and s.stage in image_stages]
                if builders:  # reported where the user adds it: each compose service running this image
                    for service in builders:  # one with its own command is judged by what that runs
                        if not service.healthcheck and not service.overrides and \
                                (service.path, service.name) not in flagged:
                            flagged.add((service.path, service.name))
                            yield self._service_finding(service, start.server.label, start.dockerfile)
                    continue
                if platform_wide or kubernetes or (start.path, str(start.span)) in flagged:
                    continue  # (an image whose supervisord runs two servers is one image: flagged once)
                flagged.add((start.path, str(start.span)))
                yield self.finding(start.path, start.span,
                                   f"the image starts {start.server.label} but has no HEALTHCHECK, and the repository "
                                   f"declares no health probe", related=[self._final_from(start.dockerfile)])
            elif start.origin == "compose":
                service = next((s for s in services if s.path == start.path and s.name == start.process), None)
                if service is None or service.healthcheck or (service.path, service.name) in flagged:
                    continue
                if service.dockerfile in in_image or (not service.dockerfile and (in_image or platform_wide)):
                    continue  # its image has a HEALTHCHECK (a pulled image may have one readycheck cannot see)
                flagged.add((service.path, service.name))
                built = next((d for d in project.dockerfiles if d.path == service.dockerfile), None)
                yield self._service_finding(service, start.server.label, built)
            elif start.origin in ("fly.toml", "render.yaml"):
                finding = self._platform_process(project, start, probes)
                if finding is not None:
                    yield finding
            elif start.origin == "Kubernetes":
                owner = start.process
                if (start.path, owner) not in kubernetes and not in_image and not platform_wide:
                    yield self._kubernetes_finding(project, start)

    def _kubernetes_finding(self, project: Project, start):
        """A container without probes, reported where the user adds one: the values.yaml line that leaves
        the chart's probe empty (``livenessProbe: {}``, the liveness one first), since the template
        already renders whatever values.yaml gives; else the container's command."""
        unset = [p for p in project.unset_probes if (p.path, p.owner) == (start.path, start.process)
                 and p.kind in ("liveness", "readiness")]
        unset.sort(key=lambda p: p.kind != "liveness")
        message = f"{start.label} starts {start.server.label} without a liveness or readiness probe"
        if not unset:
            return self.finding(start.path, start.span, message)
        container = [Related(start.path, unset[0].container, "the container the chart renders it for")] \
            if unset[0].container is not None else []
        return self.finding(unset[0].file, unset[0].span,
                            f"{message}: {unset[0].file} leaves its {unset[0].kind}Probe empty",
                            related=container + [Related(start.path, start.span, f"{start.label} starts "
                                                                                  f"{start.server.label}")]
                            + [Related(p.file, p.span, f"{p.kind}Probe, empty") for p in unset[1:]])

    def _platform_process(self, project: Project, start, probes):
        """A fly.toml process or render.yaml web service that starts a server, judged on its own: the
        platform's own check must cover it (a fly service's checks cover the ``processes`` it lists, a
        top-level check or one of a service without ``processes`` covers all; a render service has its
        own ``healthCheckPath``). The platform routes by those checks, not by an image's HEALTHCHECK."""
        covered = {p.owner for p in probes if p.path == start.path and p.platform == start.origin}
        if start.origin == "fly.toml":
            if "" in covered or start.process in covered:
                return None
            return self.finding(start.path, start.span,
                                f"{start.label} starts {start.server.label} and no fly.toml check covers it "
                                f"(a [[services]] or [http_service] check listing it in `processes`, or a "
                                f"top-level [checks] entry)")
        if start.process in covered or _render_type(project, start) != "web":
            return None  # render checks the health of web services only
        return self.finding(start.path, start.span,
                            f"{start.label} starts {start.server.label} without a `healthCheckPath`: render.yaml "
                            f"web service {start.process} is never health-checked")

    def _service_finding(self, service, server: str, dockerfile=None):
        return self.finding(service.path, service.span,
                            f"compose service {service.name} runs {server} without a `healthcheck:`, and its image "
                            f"has no HEALTHCHECK", related=[self._final_from(dockerfile)] if dockerfile else [])

    @staticmethod
    def _final_from(dockerfile):
        """The final stage's FROM: where a HEALTHCHECK for the image goes."""
        stage = dockerfile.final_stage
        return Related(dockerfile.path, dockerfile.span_of(stage.from_instruction, stage.image),
                       "the image, without HEALTHCHECK")


def _render_type(project: Project, start) -> str:
    """The ``type`` of the render.yaml service a start command belongs to ("" when unknown)."""
    source = project.file(start.path)
    doc = (project.yaml_documents(source) or [None])[0] if source is not None else None
    services = doc.get("services") if isinstance(doc, dict) else None
    for service in services if isinstance(services, list) else []:
        if isinstance(service, dict) and str(service.get("name", "service")) == start.process:
            kind = service.get("type")
            return kind if isinstance(kind, str) else ""
    return ""
