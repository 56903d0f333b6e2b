"""RC202 asgi-app-sync-worker: gunicorn serves an ASGI app (FastAPI, Starlette) with a WSGI worker.

What it does
    Finds every production gunicorn command (Dockerfile, Procfile, compose,
    fly, render, railway, Kubernetes...) whose app target (``app.main:app``,
    also ``wsgi_app`` in a gunicorn config file) is a FastAPI or Starlette app
    of the repository, and flags it when no ASGI worker class is set (neither
    ``-k``/``--worker-class``, nor ``worker_class`` in the gunicorn config file,
    nor ``GUNICORN_CMD_ARGS``) or when the worker class is a WSGI one (``sync``,
    ``gthread``, ``gevent``, ``eventlet``). ``uvicorn_worker.UvicornWorker``,
    ``uvicorn.workers.UvicornWorker`` and ``asgi`` (gunicorn's own ASGI worker)
    are ASGI workers. A config file named with ``-c`` that readycheck cannot
    find (``-c "$GUNICORN_CONF"``) may set the worker class: not flagged.

Why is this bad
    gunicorn's default ``sync`` worker speaks WSGI: it calls the ASGI app with
    the wrong signature, and every request fails with an HTTP 500 (or the worker
    crashes at boot). The image builds, the container starts, and nothing works.

Example
    CMD ["gunicorn", "app.main:app", "--workers", "4"]

Use instead
    CMD ["gunicorn", "app.main:app", "--workers", "4", "-k", "uvicorn_worker.UvicornWorker"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

ASGI_WORKERS = {"uvicorn.workers.UvicornWorker", "uvicorn.workers.UvicornH11Worker", "uvicorn_worker.UvicornWorker",
                "uvicorn_worker.UvicornH11Worker", "asgi", "uvicorn.workers:UvicornWorker"}
WSGI_WORKERS = {"sync", "gthread", "gevent", "eventlet", "tornado", "gaiohttp"}


class AsgiAppSyncWorker(Check):
    id = "RC202"
    name = "asgi-app-sync-worker"
    severity = Severity.ERROR
    summary = "gunicorn serves an ASGI app without an ASGI worker class"
    fix = ("Run gunicorn with an ASGI worker: `-k uvicorn_worker.UvicornWorker` (package uvicorn-worker), or "
           "`worker_class = \"uvicorn_worker.UvicornWorker\"` in gunicorn.conf.py.")
    tags = ("start-command",)
    references = ("https://www.uvicorn.org/deployment/#gunicorn",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app.main:app", "--workers", "4"]
            """, "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"}, expect=['Dockerfile:2:6 gunicorn serves the ASGI app app.main:app with its default sync worker (Dockerfile CMD): every request fails'],
            title="no worker class"),
        Example({"Procfile": "web: gunicorn app.main:app -k gthread\n",
                 "app/main.py": "from starlette.applications import Starlette\napp = Starlette()\n"},
                expect=["Procfile:1"], title="a WSGI worker class"),
        Example({"Procfile": "web: gunicorn app.main:app\n", "gunicorn.conf.py": 'worker_class = "uvicorn_worker.UvicornWorker"\n',
                 "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n", "k8s.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      command: ["gunicorn", "app.main:app"]
                      env:
                        - name: GUNICORN_CMD_ARGS
                          value: "-k asgi --workers 2"
            """}, title="worker class from the config file and from GUNICORN_CMD_ARGS"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app.wsgi:application", "--workers", "4"]
            """, "app/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"},
            title="a WSGI app"),
        Example({"Procfile": "web: gunicorn -c \"$GUNICORN_CONF\" app.main:app\n",
                 "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"},
                title="a config file readycheck cannot find may set the worker class"),
    )

    def run(self, project: Project):
        for start in project.start_commands:
            server = start.server
            if server is None or server.name != "gunicorn" or start.role != "boot" or server.target is None:
                continue
            apps = [a for a in project.web.apps_for_target(server.target.text, near=server.target.path)
                    if a.framework in ("fastapi", "starlette")]
            if not apps:
                continue
            worker = server.settings.get("worker_class")
            if worker is not None and worker.value.strip("\"'") not in WSGI_WORKERS:
                continue
            if worker is None and not server.settings_complete:
                continue  # `-c "$GUNICORN_CONF"`: the config file readycheck cannot read may set the worker
            related = [Related(apps[0].module.path, apps[0].span, f"{apps[0].framework} app `{apps[0].name}`")]
            severity = Severity.INFO if start.development else None
            if worker is None:
                token = server.program
                yield self.finding(token.path, token.span,
                                   f"gunicorn serves the ASGI app {server.target.text} with its default sync worker "
                                   f"({start.label}): every request fails{start.environment.note}", severity=severity,
                                   related=related)
            else:
                yield self.finding(worker.path, worker.span,
                                   f"gunicorn serves the ASGI app {server.target.text} with the WSGI worker "
                                   f"`{worker.value}` ({start.label}): every request fails{start.environment.note}", severity=severity,
                                   related=related)
