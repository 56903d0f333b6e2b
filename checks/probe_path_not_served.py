"""RC502 probe-path-not-served: a health check requests a path no route of the app serves.

What it does
    Takes every HTTP health check declared for the Python service (Kubernetes
    liveness/readiness/startup probes of the container that runs it, compose
    healthcheck of its service, Dockerfile HEALTHCHECK of its image, fly checks,
    render ``healthCheckPath``, railway ``healthcheckPath``) and resolves the
    app's routes with every prefix (``include_router``, ``APIRouter(prefix=...)``,
    mounts). Flags the probe when no route matches its path (path parameters
    match any segment; a trailing slash is tolerated, FastAPI redirects it).
    When some prefix or path is not a literal, or the path falls under a mounted
    app readycheck cannot see into, nothing is claimed. A Helm template's probe
    rendered from values.yaml (``{{- toYaml .Values.readinessProbe | nindent 12 }}``)
    is the one values.yaml sets, reported at its ``path:`` there.

Why is this bad
    A probe on a path that does not exist gets 404 forever: the orchestrator
    never routes traffic to the pod (readiness), restarts it in a loop
    (liveness), or the platform rolls the deploy back, although the app is fine.
    Usually a router prefix was added or renamed after the probe was written.

Example
    app.include_router(health.router, prefix="/api/v1")   # serves /api/v1/healthz
    livenessProbe: {httpGet: {path: /healthz, port: 8000}}

Use instead
    livenessProbe: {httpGet: {path: /api/v1/healthz, port: 8000}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity, helm_chart_repo

if TYPE_CHECKING:
    from readycheck.api import Project, StartCommand

APP = """
    from fastapi import FastAPI
    from app.health import router

    app = FastAPI()
    app.include_router(router, prefix="/api/v1")
    """
HEALTH = """
    from fastapi import APIRouter

    router = APIRouter(prefix="/utils")

    @router.get("/health-check/")
    async def health_check():
        return True

    @router.get("/items/{item_id}")
    async def item(item_id: int):
        return item_id
    """

#: One service of a monorepo: its app serves /<route>, its compose probe requests /healthz.
SERVICE_APP = """
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/{route}")
    async def {route}():
        return {{}}
    """
SERVICE_COMPOSE = """
    services:
      {service}:
        build: .
        command: uvicorn app.main:app --host 0.0.0.0
        healthcheck: {{test: [CMD, curl, -f, "http://localhost:8000/healthz"]}}
    """


class ProbePathNotServed(Check):
    id = "RC502"
    name = "probe-path-not-served"
    severity = Severity.ERROR
    summary = "A health check requests a path that no route of the app serves"
    fix = "Point the probe at the route's full path, router prefixes included (readycheck inspect lists them)."
    tags = ("health", "kubernetes")
    examples = (
        Example({"app/main.py": APP, "app/health.py": HEALTH, "k8s.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      command: ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
                      livenessProbe:
                        httpGet: {path: /utils/health-check/, port: 8000}
                      readinessProbe:
                        httpGet: {path: /api/v1/utils/health-check, port: 8000}
            """}, expect=['k8s.yaml:11:29 Kubernetes liveness check requests /utils/health-check/, which no route of the app serves; health routes are /api/v1/utils/health-check/'], title="the prefix is missing from the liveness probe"),
        Example({"app/main.py": APP, "app/health.py": HEALTH, "Dockerfile": """
            FROM python:3.12-slim
            HEALTHCHECK CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz')"
            CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker"]
            """}, expect=["Dockerfile:2"], title="Dockerfile HEALTHCHECK on a path that does not exist"),
        Example({"orders/app/main.py": SERVICE_APP.format(route="healthz"),
                 "orders/docker-compose.yml": SERVICE_COMPOSE.format(service="orders"),
                 "billing/app/main.py": SERVICE_APP.format(route="ping"),
                 "billing/docker-compose.yml": SERVICE_COMPOSE.format(service="billing")},
                expect=["billing/docker-compose.yml:5"],
            title="a monorepo: each service's probe is judged against its own app, not any service's"),
        Example({"app/main.py": APP + "\n    app.mount('/static', StaticFiles(directory='static'))\n",
                 "app/health.py": HEALTH, "k8s.yaml": """
            apiVersion: v1
            kind: Pod
            metadata: {name: api}
            spec:
              containers:
                - name: web
                  command: ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
                  livenessProbe: {httpGet: {path: /api/v1/utils/health-check, port: 8000}}
                  readinessProbe: {httpGet: {path: /api/v1/utils/items/42, port: 8000}}
                  startupProbe: {httpGet: {path: /static/ok.txt, port: 8000}}
                - name: proxy
                  command: ["envoy"]
                  livenessProbe: {httpGet: {path: /ready, port: 9901}}
            """}, title="served paths, path parameters, a mounted static folder, another container"),
        Example(helm_chart_repo("livenessProbe:\n  httpGet: {path: /health, port: 8000}\nreadinessProbe:\n"
                                "  httpGet:\n    path: /ready\n    port: 8000\n"),
                expect=["chart/values.yaml:5:11 Kubernetes readiness check requests /ready, which no route of the "
                        "app serves; health routes are /health"],
                title="a Helm chart's probes set in values.yaml: the readiness path there is not served"),
        Example(helm_chart_repo("livenessProbe:\n  httpGet: {path: /health, port: 8000}\nreadinessProbe:\n"
                                "  httpGet: {path: /health, port: 8000}\n"),
                title="the same chart whose values.yaml probes a served path"),
    )

    def run(self, project: Project):
        python_owners: dict[tuple[str, str], StartCommand] = {}
        for start in project.start_commands:
            if start.server is not None and start.role == "boot":
                python_owners.setdefault((start.path, start.process), start)
                python_owners.setdefault((start.path, ""), start)
        apps = project.service_apps
        if not apps:
            return
        for probe in project.probes:
            if probe.http_path is None or "$" in probe.http_path or "{" in probe.http_path:
                continue
            start = python_owners.get((probe.path, probe.owner)) or (
                python_owners.get((probe.path, "")) if not probe.owner else None)
            if start is None and probe.platform in ("fly.toml", "render.yaml", "railway", "app.yaml"):
                start = next(iter(python_owners.values()), None)
            if start is None:
                continue  # a probe of some other process (a proxy, a frontend)
            target = start.server.target  # every start in python_owners has a server
            own = [a for a in project.web.apps_for_target(target.text, near=target.path) if a in apps] if target else []
            probed = own or apps  # the apps its own start command serves, else every service app
            if project.web.serves(probed, probe.http_path) is False:
                routes = sorted({p for a in probed for p, _ in a.all_routes()})
                health = [p for p in routes if any(w in p.lower() for w in ("health", "live", "ready", "ping"))]
                hint = f"; health routes are {', '.join(health[:3])}" if health else ""
                yield self.finding(probe.file, probe.span,
                                   f"{probe.platform} {probe.kind} check requests {probe.http_path}, which no route "
                                   f"of the app serves{hint}",
                                   related=[Related(a.module.path, a.span, f"app `{a.name}`") for a in probed])
