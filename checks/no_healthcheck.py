"""RC113 no-healthcheck: nothing checks that the service is alive.

What it does
    Flags an app image (its start command runs a server) whose Dockerfile has no
    ``HEALTHCHECK`` (or ``HEALTHCHECK NONE``) when the repository declares no
    health check anywhere else either: no Kubernetes liveness/readiness/startup
    probe, no compose ``healthcheck``, no fly.toml check, no render or railway
    health-check path, no App Engine liveness check.

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

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project


class NoHealthcheck(Check):
    id = "RC113"
    name = "no-healthcheck"
    severity = Severity.WARNING
    summary = "No HEALTHCHECK in the image and no health probe anywhere in the repository"
    why = ("Without a health check a hung or broken worker keeps receiving traffic and is never restarted: the "
           "platform only sees that the process exists.")
    fix = ("Add a HEALTHCHECK to the Dockerfile, or (better where available) liveness and readiness probes in the "
           "orchestrator config, pointing at a cheap /healthz route.")
    tags = ("dockerfile", "health", "availability")
    precision = "medium"
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
            """}, expect=["Dockerfile:2"], title="nothing checks health"),
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
    )

    def run(self, project: Project):
        if project.probes:
            return
        for start in project.start_commands:
            if start.origin != "Dockerfile" or start.server is None or start.dockerfile is None or not start.production:
                continue
            yield self.finding(start.path, start.span,
                               f"the image starts {start.server.label} but has no HEALTHCHECK, and the repository "
                               f"declares no health probe")
