"""RC208 too-many-workers: a hard-coded worker count far above the machine.

What it does
    Flags a production server whose worker count is a literal number (on the
    command line, ``WEB_CONCURRENCY``, gunicorn.conf.py, ``uvicorn.run``) above
    ``2 x cores + 1`` of the container's Kubernetes CPU limit (or request), or,
    where no limit is declared, above the ``max-workers`` option (default 16).
    Counts computed from ``multiprocessing.cpu_count()`` are not flagged here.

Why is this bad
    Each worker is a full copy of the app with its own memory and its own
    database pool. Far more workers than cores only add context switches,
    memory pressure (OOM kills) and database connections, not throughput.

Example
    # resources: limits: cpu: "1"
    command: ["gunicorn", "app:app", "-w", "16"]

Use instead
    command: ["gunicorn", "app:app", "-w", "3"]   # 2 x cores + 1
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, tiangolo_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class TooManyWorkers(Check):
    id = "RC208"
    name = "too-many-workers"
    severity = Severity.WARNING
    summary = "A hard-coded worker count is far above the CPUs available"
    fix = "Size workers to the CPUs the container gets (about 2 x cores + 1 for gunicorn, cores for async workers)."
    tags = ("start-command", "performance")
    default_options = {"max-workers": 16}
    examples = (
        Example({"k8s.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      command: ["gunicorn", "app:app", "-w", "16", "--bind", "0.0.0.0:80"]
                      resources:
                        limits:
                          cpu: 500m
            """}, expect=["k8s.yaml:8:50 gunicorn runs 16 workers (command line) in Kubernetes Deployment Deployment/api: the container's CPU limit of 0.5 cores allows about 3"], title="16 workers on half a core"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV WEB_CONCURRENCY=64
            CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:80"]
            """}, expect=["Dockerfile:2"], title="64 workers, no limit declared"),
        Example({"k8s.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      command: ["gunicorn", "app:app", "-w", "5", "--bind", "0.0.0.0:80"]
                      resources:
                        limits:
                          cpu: "2"
            """, "Procfile": "web: gunicorn app:app -w 12\n"}, title="within 2 x cores + 1, and under the default cap"),
        Example({"Procfile": "web: gunicorn app:app -w 12\n"}, options={"max-workers": 8}, expect=["Procfile:1"],
                title="a lower cap from options"),
        Example(tiangolo_repo("ENV WEB_CONCURRENCY=32"),
                expect=["Dockerfile:2:21 gunicorn runs 32 workers (WEB_CONCURRENCY) in Dockerfile FROM "
                        "tiangolo/uvicorn-gunicorn-fastapi:python3.11: above the max-workers cap of 16"],
                title="tiangolo's image given WEB_CONCURRENCY"),
        Example(tiangolo_repo("ENV WORKERS_PER_CORE=4 MAX_WORKERS=64"),
                title="tiangolo's image sizing workers per core (capped at MAX_WORKERS): counted from the CPUs"),
    )

    def run(self, project: Project):
        for start, server in project.production_servers():
            workers = server.settings.get("workers")
            if workers is None or workers.number is None:
                continue
            cores = None
            if start.cpu_limit is not None:
                try:
                    cores = float(start.cpu_limit.text)
                except ValueError:
                    cores = None
            if cores is not None:
                cap = 2 * math.ceil(cores) + 1
                basis = f"the container's CPU limit of {start.cpu_limit.text} cores allows about {cap}"
            else:
                cap = int(self.options["max-workers"])
                basis = f"above the max-workers cap of {cap}"
            if workers.number <= cap:
                continue
            yield self.finding(workers.path, workers.span,
                               f"{server.label} runs {workers.number} workers ({workers.source}) in {start.label}: "
                               f"{basis}")
