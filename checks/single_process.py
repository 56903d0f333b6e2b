"""RC207 single-process: one server process, no workers, no replicas.

What it does
    Flags a production uvicorn, hypercorn, granian, daphne or ``fastapi run``
    command that runs one process (no ``--workers`` above 1, no
    ``WEB_CONCURRENCY``, no ``UVICORN_WORKERS``) when the repository shows no
    other copies of it either: no Kubernetes/compose/render/railway replica
    count above one, no autoscaler (HorizontalPodAutoscaler, KEDA) and no
    fly.toml service (fly runs two machines by default and starts more on demand).
    gunicorn is a process manager and is not flagged, nor a ``uvicorn.run(app, **options)``
    whose mapping readycheck cannot read (it may set ``workers``).

Why is this bad
    One process uses one CPU core, and when it crashes or hangs the service is
    down until something restarts the container. Several workers or replicas
    spread load and survive the loss of one.

Example
    CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

Use instead
    CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--workers", "4"]
    # or gunicorn with uvicorn workers, or replicas: 3 in the Deployment
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, python_m_app_repo, supervisord_repo

if TYPE_CHECKING:
    from readycheck.api import Project

SINGLE_PROCESS_SERVERS = {"uvicorn", "hypercorn", "granian", "daphne", "fastapi run"}


class SingleProcess(Check):
    id = "RC207"
    name = "single-process"
    severity = Severity.WARNING
    summary = "The service runs as one server process with no workers and no replicas"
    fix = ("Run several workers (`--workers N`, `WEB_CONCURRENCY`, or gunicorn with uvicorn workers), or several "
           "replicas behind a load balancer (`replicas:` in the Deployment, an autoscaler).")
    tags = ("start-command", "availability")
    precision = "medium"
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            """}, expect=['Dockerfile:2:6 uvicorn runs a single process (no workers, no replicas in the repository) in Dockerfile CMD: one crash is an outage'], title="one uvicorn, nothing else"),
        Example({"Procfile": "web: fastapi run app/main.py --port $PORT --workers 1\n"}, expect=["Procfile:1"],
                title="--workers 1"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV WEB_CONCURRENCY=4
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            """, "Procfile": "web: gunicorn app.main:app -k uvicorn_worker.UvicornWorker\n"},
            title="WEB_CONCURRENCY, and gunicorn as process manager"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            """, "deploy/hpa.yaml": """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: api}
            spec:
              minReplicas: 2
            """}, title="an autoscaler runs replicas"),
        Example(supervisord_repo("uvicorn app.main:app --host 0.0.0.0 --workers 2", "uvicorn app.admin:app --host 0.0.0.0 --port 8001"),
                expect=["supervisord.conf:8:9 uvicorn runs a single process (no workers, no replicas in the "
                        "repository) in Dockerfile CMD supervisord [program:admin]: one crash is an outage"],
                title="supervisord's second program runs one process, whatever the first runs"),
        Example(supervisord_repo("uvicorn app.main:app --host 0.0.0.0 --workers 2", "uvicorn app.admin:app --host 0.0.0.0 --port 8001 --workers 2"),
                title="both supervisord programs run workers"),
        Example(python_m_app_repo("""
            import uvicorn

            def main():
                options = {"host": "0.0.0.0"}
                uvicorn.run("app.web:app", **options)

            main()
            """), expect=["Dockerfile:2"], title="uvicorn.run(**options) whose mapping sets no workers"),
        Example(python_m_app_repo("""
            import uvicorn
            from app.config import load

            uvicorn.run("app.web:app", host="0.0.0.0", **load())
            """), title="options readycheck cannot read may set workers"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\n"
                               'CMD ["supervisord", "-c", "/app/supervisord.conf"]\n',
                 "supervisord.conf": "[supervisord]\nnodaemon=true\n\n[program:api]\nnumprocs=4\n"
                                     "process_name=%(program_name)s_%(process_num)02d\n"
                                     "command=uvicorn app.main:app --host 0.0.0.0 --port 80%(process_num)02d\n",
                 "app/__init__.py": "", "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"},
                title="supervisord runs four copies of the server (numprocs=4)"),
    )

    def run(self, project: Project):
        if project.replicas_visible:
            return
        for start, server in project.production_servers():
            if server.label not in SINGLE_PROCESS_SERVERS:
                continue
            if server.command.copies > 1:
                continue  # supervisord runs numprocs copies of it: one crash leaves the others serving
            workers = server.settings.get("workers")
            if workers is None and not server.settings_complete:
                continue  # uvicorn.run(app, **options) with options readycheck cannot read: may set workers
            if workers is not None and (workers.cpu_based or workers.number is None or workers.number > 1):
                continue
            token = server.program
            detail = f"--workers {workers.value}" if workers is not None else "no workers"
            yield self.finding(token.path, token.span,
                               f"{server.label} runs a single process ({detail}, no replicas in the repository) "
                               f"in {start.label}: one crash is an outage")
